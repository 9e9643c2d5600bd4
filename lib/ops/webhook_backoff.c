/*
 * webhook_backoff.c - the retry schedule.
 */
#include "ops/webhook_backoff.h"

#define DAY_S 86400LL

static const long long schedule_s[] = {5, 300, 1800, 7200, 18000, 36000};
#define STEPS ((int)(sizeof(schedule_s) / sizeof(schedule_s[0])))

long long
webhook_backoff_delay_ms(int attempts, int window_s)
{
	long long s, ms;

	if (attempts < 1)
		attempts = 1;
	s = schedule_s[attempts > STEPS ? STEPS - 1 : attempts - 1];
	ms = s * 1000LL * (window_s > 0 ? window_s : 1) / DAY_S;
	return ms > 0 ? ms : 1;
}

int
webhook_backoff_next(int attempts, long long first_ms, long long now_ms,
                     int window_s, long long *next_ms)
{
	long long end = first_ms + (long long)window_s * 1000LL;
	long long next;

	if (now_ms >= end)
		return 1;
	next = now_ms + webhook_backoff_delay_ms(attempts, window_s);
	*next_ms = next < end ? next : end;
	return 0;
}
