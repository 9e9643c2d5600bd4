/*
 * recovery.h - the public routes of a mailed link besides invitations:
 *
 *   POST /v1/auth/password/forgot {email}            always 202
 *   POST /v1/auth/password/reset {token, password}   204
 *   POST /v1/auth/join {email}                       always 202
 *   POST /v1/auth/join/accept {token, password, name} 200 token pair
 *
 * forgot and join do the same work whatever the address: the same token
 * made, sealed and queued, the same statements, which write nothing for an
 * unknown address (or one outside a verified join domain), so neither the
 * answer nor its time tells who has an account.  A reset is single use,
 * valid 30 minutes, applies the password policy, ends every session of the
 * user at once (refresh tokens revoked, the auth epoch bumped: every
 * worker refuses the user's access tokens on their next request) and is
 * audited.  Joining creates a user with the tenant's auth.join_role while
 * the domain is listed in auth.join_domains and verified by the operator,
 * and is audited.  An unknown token (or another tenant's) is a 400, a used
 * or expired one a 410.
 */
#ifndef STRATA_API_RECOVERY_H
#define STRATA_API_RECOVERY_H

struct request;
struct plan;

int recovery_forgot(struct request *req, struct plan *plan);
int recovery_reset(struct request *req, struct plan *plan);
int recovery_join(struct request *req, struct plan *plan);
int recovery_join_accept(struct request *req, struct plan *plan);

#endif
