/*
 * problem.h - the one writer of error responses (RFC 9457 problem+json).
 *
 * Body: {"type","title","status","detail","request_id","code"} and, for
 * validation failures, "errors":[{"field","message"}].  type is
 * PROBLEM_BASE + code; code is a stable snake_case identifier clients may
 * switch on.  detail is a short factual sentence: never SQL, a path, a
 * stack, a secret or a personal-data value.
 */
#ifndef STRATA_CORE_PROBLEM_H
#define STRATA_CORE_PROBLEM_H

#include <cJSON.h>

#define PROBLEM_BASE "https://strata.dev/problems/"

struct request;

/* Replaces the response with a problem.  detail may be NULL (the title is
 * used).  Adds WWW-Authenticate on 401, Retry-After on 503. */
void problem(struct request *req, int status, const char *code,
             const char *detail);

/* Like problem() with an "errors" array (owned by the request arena). */
void problem_errors(struct request *req, int status, const char *code,
                    const char *detail, cJSON *errors);

/* Like problem_errors() with the members of object members (owned by
 * the request arena, may be NULL) added to the problem object. */
void problem_members(struct request *req, int status, const char *code,
                     const char *detail, cJSON *errors, cJSON *members);

/* The title for a code, or the status's reason phrase. */
const char *problem_title(int status, const char *code);

#endif
