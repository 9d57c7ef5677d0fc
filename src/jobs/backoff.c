/* backoff.c — see backoff.h. */
#include "jobs/backoff.h"

int64_t jobs_backoff_ceiling(int attempt, int base, int cap)
{
    if (base < 1)
        base = 1;
    if (cap < base)
        cap = base;
    int64_t d = base;
    /* Doubling stops at the cap, so it can never overflow. */
    for (int i = 1; i < attempt && d < cap; i++)
        d *= 2;
    return d > cap ? cap : d;
}

int64_t jobs_backoff(int attempt, int base, int cap, uint32_t rnd)
{
    int64_t d = jobs_backoff_ceiling(attempt, base, cap);
    int64_t half = d / 2;
    int64_t wait = (d - half) + (int64_t)(rnd % (uint64_t)(half + 1));
    return wait < 1 ? 1 : wait;
}

jobs_retry_plan jobs_plan_retry(int attempt, int max_attempts, bool permanent, int base, int cap,
                                int64_t now, uint32_t rnd)
{
    jobs_retry_plan p = {0};
    if (permanent || attempt >= max_attempts) {
        p.dead = true;
        p.available_at = now;
        return p;
    }
    p.available_at = now + jobs_backoff(attempt, base, cap, rnd);
    return p;
}
