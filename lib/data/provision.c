/*
 * provision.c - a new tenant in one transaction.
 */
#include "data/provision.h"

#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/email.h"
#include "core/host.h"
#include "core/log.h"
#include "core/json.h"
#include "data/config_versions.h"
#include "data/db.h"
#include "data/settings.h"
#include "data/keyring.h"
#include "data/roles.h"
#include "data/tenants.h"
#include "data/users.h"
#include "sec/password.h"

static struct db_stmt st_audit = DB_STMT(
    "provision_audit",
    "INSERT INTO audit_events (tenant_id, actor_type, action, "
    "target_type, target_id, outcome, details) VALUES ($1::uuid, 'system', "
    "'tenant.create', 'tenant', $1::text, 'success', $2::jsonb)",
    2);

static int
check(const struct provision *p, const char **norm, const char **why,
      struct arena *a)
{
	if (p->slug == NULL || !host_slug_valid(p->slug)) {
		*why = "slug must be 3-63 of a-z, 0-9 and '-', not reserved";
		return 422;
	}
	if (p->name == NULL || *p->name == '\0' || strlen(p->name) > 200) {
		*why = "name must be 1-200 characters";
		return 422;
	}
	*norm = NULL;
	if (p->owner_email == NULL)
		return 0;
	if ((*norm = email_norm(a, p->owner_email)) == NULL) {
		*why = "owner e-mail is not valid";
		return 422;
	}
	if (p->owner_password == NULL) {
		*why = "owner password is required";
		return 422;
	}
	*why = password_policy(p->owner_password, p->owner_email,
	                       PASSWORD_MIN_DEFAULT);
	if (*why != NULL)
		return 422;
	return 0;
}

int
provision_tenant(struct db *db, struct arena *a, const struct provision *p,
                 struct tenant *t, struct uuid *owner_id, const char **why)
{
	struct uuid id, keys[3];
	char ids[UUID_STR_LEN + 1], uid[UUID_STR_LEN + 1];
	char hash[PASSWORD_HASH_MAX];
	const char *norm, *audit[2];
	cJSON *settings;
	int h, rc = check(p, &norm, why, a);

	if (rc != 0)
		return rc;
	/* The first configuration version comes from a template. */
	settings = settings_template(p->template_name);
	if (settings == NULL) {
		*why = "no such settings template";
		return 422;
	}
	if (norm != NULL &&
	    password_hash(p->owner_password, cfg.scrypt_log2n, hash) < 0) {
		*why = "cannot hash the password";
		return 500;
	}
	uuid_v7(&id);
	uuid_format(&id, ids);
	db_begin(db, &id);
	h = tenants_queue_insert(db, ids, p->slug, p->name);
	if (keyring_queue_rotate(db, &id, keys) < 0) {
		*why = "cannot make the tenant's keys (is the master key "
		       "loaded?)";
		return 500;
	}
	roles_queue_builtins(db, ids);
	if (norm != NULL) {
		uuid_v7(owner_id);
		uuid_format(owner_id, uid);
		users_queue_insert(db, ids, uid, p->owner_email, norm,
		                   p->owner_name ? p->owner_name : "", hash);
		users_queue_set_roles(db, ids, uid, "{owner}");
	}
	config_queue_write(
	    db, ids, "0", json_print(settings),
	    arena_printf(a, "template %s",
	                 p->template_name ? p->template_name : "default"),
	    "", NULL);
	audit[0] = ids;
	audit[1] = arena_printf(a, "{\"slug\":\"%s\"}", p->slug);
	db_queue(db, &st_audit, audit);
	db_commit(db);
	rc = db_sync(db);
	if (rc == -2)
		return 503;
	if (rc < 0) {
		if (db_error_is(db, "23505")) {
			*why = "this slug is taken";
			return 409;
		}
		log_error("tenant creation failed: %s %s", db->sqlstate,
		          db->errmsg);
		*why = "the tenant could not be created";
		return 500;
	}
	tenants_from_row(t, db_result(db, h), 0);
	t->config_version = 1;
	return 0;
}
