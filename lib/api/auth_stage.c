/*
 * auth_stage.c - who is calling, and may they.
 */
#include "api/auth_stage.h"

#include "core/problem.h"
#include "core/request.h"
#include "core/router.h"

int
auth_stage(struct request *req)
{
	if (!(req->route->flags & (ROUTE_AUTH | ROUTE_OPERATOR | ROUTE_OWNER)))
		return 0;
	problem(req, 401, "unauthorized", "authentication is required");
	return -1;
}
