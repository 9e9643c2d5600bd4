/*
 * onboarding.c - GET /v1/onboarding.
 */
#include "api/onboarding.h"

#include "api/api.h"
#include "api/plan.h"
#include "core/request.h"
#include "core/response.h"
#include "data/onboarding.h"

int
onboarding_show(struct request *req, struct plan *plan)
{
	struct onboarding_state s;
	cJSON *o, *steps;
	int st, done = 0;

	onboarding_get(req->db, req->tenant->id_str, &s);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!s.found)
		return api_fail(req, 503, "service_unavailable",
		                "the checklist cannot be read");
	o = cJSON_CreateObject();
	steps = cJSON_AddArrayToObject(o, "steps");
	for (int i = 0; i < ONBOARDING_STEPS; i++) {
		cJSON *step = cJSON_CreateObject();

		cJSON_AddStringToObject(step, "name", onboarding_step_name(i));
		cJSON_AddBoolToObject(step, "done", s.done[i]);
		cJSON_AddItemToArray(steps, step);
		done += s.done[i];
	}
	cJSON_AddNumberToObject(o, "done", done);
	cJSON_AddNumberToObject(o, "total", ONBOARDING_STEPS);
	response_json(req, 200, o);
	return 0;
}
