/*
 * provision.c - a new tenant in one transaction.
 */
#include "data/provision.h"

#include <string.h>

#include "core/arena.h"
#include "core/host.h"
#include "data/db.h"
#include "data/tenants.h"

int
provision_tenant(struct db *db, struct arena *a, const struct provision *p,
                 struct tenant *t, struct uuid *owner_id, const char **why)
{
	struct uuid id;
	char ids[UUID_STR_LEN + 1];
	int h, rc;

	(void)a;
	(void)owner_id;
	if (p->slug == NULL || !slug_valid(p->slug)) {
		*why = "slug must be 3-63 of a-z, 0-9 and '-', not reserved";
		return 422;
	}
	if (p->name == NULL || *p->name == '\0' || strlen(p->name) > 200) {
		*why = "name must be 1-200 characters";
		return 422;
	}
	uuid_v7(&id);
	uuid_format(&id, ids);
	db_begin(db, &id);
	h = tenants_queue_insert(db, ids, p->slug, p->name);
	db_commit(db);
	rc = db_sync(db);
	if (rc == -2)
		return 503;
	if (rc < 0) {
		if (db_error_is(db, "23505")) {
			*why = "this slug is taken";
			return 409;
		}
		*why = "the tenant could not be created";
		return 500;
	}
	tenants_from_row(t, db_result(db, h), 0);
	return 0;
}
