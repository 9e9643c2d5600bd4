/*
 * pipeline.h - the stages every request passes, in order (DESIGN.md):
 * parse -> host -> route -> body -> tenant -> authenticate -> authorize ->
 * handler.  Each stage either passes or writes the one problem response
 * that ends the request; no stage after a failure runs.
 */
#ifndef STRATA_API_PIPELINE_H
#define STRATA_API_PIPELINE_H

struct request;

void pipeline_handle(struct request *req);

#endif
