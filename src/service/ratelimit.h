/*
 * ratelimit.h — in-process fixed-window counters keyed by string.
 *
 * Used for login failures per account and per client address. Counts
 * live for one window; the table is bounded and evicts expired entries.
 * Thread-safe.
 */
#ifndef CALENDULA_SERVICE_RATELIMIT_H
#define CALENDULA_SERVICE_RATELIMIT_H

#include <stdint.h>

typedef struct ratelimit ratelimit;

ratelimit *ratelimit_new(int window_seconds);
void ratelimit_free(ratelimit *rl);

/*
 * Takes one of key's `limit` attempts in the current window, in one step
 * under the lock, so concurrent requests cannot all slip past a check:
 * returns 0 when taken, else the seconds until the window ends (nothing
 * counted).
 */
int ratelimit_take(ratelimit *rl, const char *key, int limit, int64_t now);

/* Gives back an attempt taken for key (it turned out not to count). */
void ratelimit_refund(ratelimit *rl, const char *key);

/* Forgets key (after a success). */
void ratelimit_reset(ratelimit *rl, const char *key);

#endif
