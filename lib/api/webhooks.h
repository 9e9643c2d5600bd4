/*
 * webhooks.h - /v1/webhooks (webhooks:manage): subscriptions, their
 * deliveries and redelivery.  Delivery itself is ops/deliverer.c's.
 */
#ifndef STRATA_API_WEBHOOKS_H
#define STRATA_API_WEBHOOKS_H

struct request;
struct plan;

/* GET /v1/webhooks: every webhook of the tenant (at most WEBHOOKS_MAX),
 * never their secrets. */
int webhooks_index(struct request *req, struct plan *plan);

/* POST /v1/webhooks {url, events, secret?}: 201 with the webhook and its
 * secret (shown once; made when not given).  422 for a URL the SSRF wall
 * refuses, unknown event types or a malformed secret; 409 past
 * WEBHOOKS_MAX. */
int webhooks_create(struct request *req, struct plan *plan);

/* GET /v1/webhooks/{id}; 404 when unknown or another tenant's. */
int webhooks_show(struct request *req, struct plan *plan);

/* PATCH /v1/webhooks/{id} {url?, events?, secret?, enabled?} (If-Match
 * optional): 200 with the webhook; enabled true re-enables a webhook the
 * deliverer disabled. */
int webhooks_patch(struct request *req, struct plan *plan);

/* DELETE /v1/webhooks/{id}: 204, its deliveries with it. */
int webhooks_delete(struct request *req, struct plan *plan);

/* GET /v1/webhooks/{id}/deliveries: newest event first, paged. */
int webhooks_delivery_list(struct request *req, struct plan *plan);

/* POST /v1/webhooks/{id}/deliveries/{d}/redeliver: 202 with the delivery,
 * pending again and due now. */
int webhooks_delivery_resend(struct request *req, struct plan *plan);

#endif
