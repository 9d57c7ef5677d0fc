/*
 * clock.h — where "now" comes from.
 *
 * Services never read the system clock directly; they ask a clock passed
 * to them, so tests can freeze or shift time. A clock is immutable after
 * creation and safe to share between threads.
 */
#ifndef CALENDULA_BASE_CLOCK_H
#define CALENDULA_BASE_CLOCK_H

#include <stdint.h>

typedef struct clock_source {
    /* Offset added to the system's real time, in microseconds. */
    int64_t offset_us;
    /* When non-zero, time stands still at this instant (microseconds). */
    int64_t frozen_us;
} clock_source;

/* The system clock. */
clock_source clock_system(void);

/* Real time shifted so that "now" is start_s at the moment of the call. */
clock_source clock_starting_at(int64_t start_s);

/* Time frozen at t_s (seconds). */
clock_source clock_frozen(int64_t t_s);

int64_t clock_now(const clock_source *c);    /* seconds since the epoch */
int64_t clock_now_us(const clock_source *c); /* microseconds */

/* Monotonic time for durations, microseconds. */
int64_t clock_monotonic_us(void);

#endif
