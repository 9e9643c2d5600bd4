/*
 * mail.h - what the mailed-link routes share (invitations, password reset,
 * joining): a link's token and its mail, the answer to a bad link, the new
 * password, and signing in a user such a link created.
 */
#ifndef STRATA_API_MAIL_H
#define STRATA_API_MAIL_H

#include <stdbool.h>

#include <cJSON.h>

#include "sec/opaque.h"
#include "sec/password.h"

struct plan;
struct request;

/* A new link: its token (sealed into the mail, never stored in clear or
 * shown in an answer) and the bytea literal of its hash (the only form
 * stored). */
struct mail_link {
	char token[LINK_TOKEN_LEN + 1];
	char hash[67];
};

/* A new token of prefix (sin_, spr_, sjn_) into l.  Returns 0 or the
 * status recorded with api_fail (500). */
int mail_link_new(struct request *req, const char *prefix, struct mail_link *l);

/* The hash of the token member of body b into hash when it is a token of
 * prefix.  Returns 0, or 400 (invalid_token) recorded with api_fail. */
int mail_link_hash(struct request *req, const cJSON *b, const char *prefix,
                   char hash[67]);

/* Queues the mail of kind to address to, for the row cause (the mail is
 * written only when that row is), in req's open transaction: the link is
 * the tenant's origin + path + l's token, sealed with the tenant's data
 * key; params a JSON object's text for the template (nothing secret).
 * Call after plan_run and before the request's other writes (the keyring
 * may cost a read).  Returns 0, or 503/500 recorded with api_fail. */
int mail_queue(struct request *req, const char *kind, const char *to,
               const char *path, const struct mail_link *l, const char *cause,
               const char *params);

/* The link was used, revoked or has expired: 410, recorded. */
int mail_link_gone(struct request *req);

/* The link is not one of this tenant's: 400, recorded. */
int mail_link_invalid(struct request *req);

/* Checks the "password" (the tenant's policy, for address email) and, when
 * given, "name" (a string of at most 200 bytes; required when
 * name_required) of body b; hashes the password into hash.  Returns 0, or
 * 422/500 recorded with api_fail. */
int mail_new_password(struct request *req, const cJSON *b, const char *email,
                      bool name_required, char hash[PASSWORD_HASH_MAX]);

/* req acts as user uid from now on (its audit events name the user). */
void mail_act_as(struct request *req, const char *uid);

/* Signs in user uid (just created by a link): acts as it and issues a new
 * session's token pair into *out.  Returns 0 or the status. */
int mail_sign_in(struct request *req, const char *uid, cJSON **out);

/* Whether a user a link creates with roles (a text[] literal of role
 * names) must enrol a second factor before any session: the tenant's
 * auth.mfa asks it of everyone, or of holders of owner or admin. */
bool mail_must_enrol(struct request *req, const char *roles);

/* The answer for such a user (uid, e-mail email_norm), whose rows are
 * queued: commits them and answers 403 mfa_enrolment_required with an
 * enrolment token, as a login does (api/mfa.h).  Returns the status. */
int mail_enrol_first(struct request *req, struct plan *plan, const char *uid,
                     const char *email_norm, const char *roles);

#endif
