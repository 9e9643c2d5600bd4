/*
 * mfa.h - the second factor (TOTP, RFC 6238): enrolment, the login's
 * second step, disabling, and an owner's reset (docs/api.md, "MFA").
 *
 * A login whose password is right answers, instead of tokens:
 *   401 mfa_required {challenge, expires_in}   the user has a confirmed
 *       authenticator; POST /v1/auth/mfa {challenge, code} completes it;
 *   403 mfa_enrolment_required {enrolment_token, token_type, expires_in}
 *       auth.mfa requires one of this user and there is none: the token
 *       (a JWT of the tenant with its own audience, "<origin>/mfa-
 *       enrolment", no refresh token) opens only GET /v1/me, GET
 *       /v1/me/mfa, POST /v1/me/mfa/totp and .../confirm, whose answer
 *       then carries a full token pair.
 * Wrong or replayed codes count towards the login lockout of the user's
 * e-mail, exactly as wrong passwords do.
 */
#ifndef STRATA_API_MFA_H
#define STRATA_API_MFA_H

#include <stdbool.h>

struct arena;
struct keyring;
struct mfa_login;
struct plan;
struct request;
struct uuid;

#define MFA_CHALLENGE_TTL 300 /* seconds */
#define MFA_CHALLENGE_TRIES 5 /* wrong codes before a challenge is spent */
#define MFA_ENROLMENT_TTL 900 /* seconds an enrolment token lasts */

/* The audience (and issuer) of req's tenant's enrolment tokens, in the
 * arena. */
const char *mfa_enrolment_audience(struct request *req);

/* A TOTP secret of user uid of tenant opened with the key of keyring k it
 * names and sealed again under k's current data key: the new sealed text
 * (in a), or NULL when it does not open (`strata keys reencrypt`). */
const char *mfa_secret_reseal(struct arena *a, const struct keyring *k,
                              const struct uuid *tenant, const char *uid,
                              const char *sealed);

/* Whether a login of the user read into m owes a second step: a
 * confirmed authenticator, or the tenant's auth.mfa requires one. */
bool mfa_login_pending(struct request *req, const struct mfa_login *m);

/* The second step of a login whose password was right (uid, its
 * lockout row email_norm): stores a challenge and answers 401
 * mfa_required, or issues an enrolment token and answers 403
 * mfa_enrolment_required.  Audited; commits.  Returns the status. */
int mfa_login_step(struct request *req, struct plan *plan,
                   const char *email_norm, const char *uid,
                   const struct mfa_login *m);

/* POST /v1/auth/mfa {challenge, code} -> 200 token pair; 401
 * invalid_mfa_code (wrong or replayed: counted towards the lockout), 401
 * invalid_challenge (unknown, expired, spent, another tenant's), 429
 * while locked. */
int mfa_login_complete(struct request *req, struct plan *plan);

/* GET /v1/me/mfa -> {enabled, pending, required, recovery_codes_left}. */
int mfa_status(struct request *req, struct plan *plan);

/* POST /v1/me/mfa/totp -> {otpauth_uri, qr_svg, secret}: a new
 * unconfirmed authenticator (replacing an unconfirmed one); 409 when one
 * is enabled. */
int mfa_enrol(struct request *req, struct plan *plan);

/* POST /v1/me/mfa/totp/confirm {code} -> {recovery_codes} (ten, shown
 * once), plus a token pair for an enrolment token; 422 invalid_mfa_code;
 * 409 without a pending enrolment. */
int mfa_confirm(struct request *req, struct plan *plan);

/* DELETE /v1/me/mfa {code} (a current TOTP code or a recovery code) ->
 * 204; 403 invalid_mfa_code (counted towards the lockout); 409 when MFA
 * is not enabled. */
int mfa_disable(struct request *req, struct plan *plan);

/* DELETE /v1/users/{id}/mfa (owner) -> 204: the user's authenticator and
 * recovery codes removed (they enrol again); 404 for no such user. */
int mfa_reset(struct request *req, struct plan *plan);

#endif
