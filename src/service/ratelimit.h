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

/* Seconds until key may try again when it has reached limit, else 0. */
int ratelimit_blocked(ratelimit *rl, const char *key, int limit, int64_t now);

/* Counts one event (a failure) for key. */
void ratelimit_hit(ratelimit *rl, const char *key, int64_t now);

/* Forgets key (after a success). */
void ratelimit_reset(ratelimit *rl, const char *key);

#endif
