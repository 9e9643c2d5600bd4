/*
 * router.c - pattern matching over a static route table.
 */
#include "core/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/request.h"

/* Matches one pattern; captures go to args (unescaped, in the arena,
 * once the whole pattern matched).  Returns 1 on a match, 0 on no match,
 * -1 on a malformed capture (bad escape). */
static int
match(struct request *req, const char *pat, const char *path, const char **args,
      int *nargs)
{
	const char *at[ROUTE_MAX_ARGS];
	size_t len[ROUTE_MAX_ARGS];
	int n = 0;

	while (*pat != '\0' && *path != '\0') {
		const char *pe = strchr(pat + 1, '/');
		const char *se = strchr(path + 1, '/');
		size_t plen = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t slen = se ? (size_t)(se - path) : strlen(path);

		if (pat[0] != '/' || path[0] != '/')
			return 0;
		if (pat[1] == '{') {
			if (slen < 2 || n == ROUTE_MAX_ARGS)
				return 0;
			at[n] = path + 1;
			len[n++] = slen - 1;
		} else if (plen != slen || memcmp(pat, path, plen) != 0) {
			return 0;
		}
		pat += plen;
		path += slen;
	}
	if (*pat != '\0' || *path != '\0')
		return 0;
	for (int i = 0; i < n; i++) {
		args[i] = request_unescape(req->arena, at[i], len[i], false);
		if (args[i] == NULL)
			return -1;
		if (args[i][0] == '\0' || strchr(args[i], '/'))
			return 0;
	}
	*nargs = n;
	return 1;
}

static bool
method_is(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return true;
	/* HEAD is served by GET routes without the body. */
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

static void
allow_add(char *allow, size_t allowsz, const char *method)
{
	size_t len = strlen(allow);

	if (strstr(allow, method) != NULL)
		return;
	if (len + strlen(method) + 3 >= allowsz)
		return;
	snprintf(allow + len, allowsz - len, "%s%s", len > 0 ? ", " : "",
	         method);
}

int
router_match(struct request *req, const struct route *table, size_t n,
             const char *method, const char *path, char *allow, size_t allowsz)
{
	const char *args[ROUTE_MAX_ARGS];
	bool path_seen = false;
	int nargs = 0;

	allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int m = match(req, table[i].pattern, path, args, &nargs);

		if (m < 0)
			return -400;
		if (m == 0)
			continue;
		path_seen = true;
		allow_add(allow, allowsz, table[i].method);
		if (strcmp(table[i].method, "GET") == 0)
			allow_add(allow, allowsz, "HEAD");
		if (method_is(table[i].method, method)) {
			memcpy(req->args, args, sizeof(args));
			req->nargs = nargs;
			return (int)i;
		}
	}
	return path_seen ? -405 : -404;
}
