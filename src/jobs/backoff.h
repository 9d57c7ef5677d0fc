/*
 * backoff.h — how long a failed job waits before its next attempt.
 *
 * Capped exponential backoff with "equal jitter": the wait for the retry
 * after attempt n is d = min(cap, base * 2^(n-1)), of which half is kept
 * and the other half is drawn at random, so a burst of jobs that failed
 * together (the SMTP server went down) does not come back in lockstep.
 * Pure: the random number is an input, so tests can pin it.
 */
#ifndef CALENDULA_JOBS_BACKOFF_H
#define CALENDULA_JOBS_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

/* d = min(cap, base * 2^(attempt-1)): the longest wait after attempt `attempt`. */
int64_t jobs_backoff_ceiling(int attempt, int base, int cap);

/*
 * Seconds to wait after failed attempt `attempt` (1 = the first), with
 * 1 <= base <= cap; `rnd` is any uniformly random 32-bit value. The result
 * lies in [d/2, d] (and is at least 1).
 */
int64_t jobs_backoff(int attempt, int base, int cap, uint32_t rnd);

/* What becomes of a job after a failed attempt. */
typedef struct jobs_retry_plan {
    bool dead;            /* no attempts left, or the failure is permanent */
    int64_t available_at; /* when not dead: the next try */
} jobs_retry_plan;

/*
 * After attempt number `attempt` failed at `now`: dead when `permanent`
 * or attempt >= max_attempts, else due again after jobs_backoff().
 */
jobs_retry_plan jobs_plan_retry(int attempt, int max_attempts, bool permanent, int base, int cap,
                                int64_t now, uint32_t rnd);

#endif
