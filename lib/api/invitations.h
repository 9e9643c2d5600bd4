/*
 * invitations.h - /v1/invitations: invite people into the tenant by mail
 * (users:manage), list and revoke invitations, and accept one (public).
 *
 * An invitation obeys the grant rules of users (sec/rbac.h): nobody
 * invites into roles granting what they lack, only an owner invites an
 * owner.  An address that is a user of the tenant, or has a pending
 * invitation, is a 409.  The link is single use and expires after the
 * tenant's auth.invitation_ttl; accepting creates the user with the
 * invitation's roles, signs it in (a token pair) and is audited.  An
 * unknown token (or another tenant's) is a 400, a used, revoked or expired
 * one a 410.
 */
#ifndef STRATA_API_INVITATIONS_H
#define STRATA_API_INVITATIONS_H

struct request;
struct plan;

int invitations_create(struct request *req, struct plan *plan);
int invitations_index(struct request *req, struct plan *plan);
int invitations_revoke(struct request *req, struct plan *plan);
int invitations_accept(struct request *req, struct plan *plan);

#endif
