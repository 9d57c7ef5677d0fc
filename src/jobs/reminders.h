/*
 * reminders.h — when a booking's reminders are due.
 *
 * A reminder `m` minutes ahead of a meeting starting at `start` is due at
 * start - m*60. Only reminders still ahead of `now` are scheduled: a
 * booking made 30 minutes before its start gets no 1-hour reminder (it
 * would be sent at once and say the wrong thing). Pure: the clock is an
 * input.
 */
#ifndef CALENDULA_JOBS_REMINDERS_H
#define CALENDULA_JOBS_REMINDERS_H

#include <stddef.h>
#include <stdint.h>

typedef struct jobs_reminder {
    int minutes_before;
    int64_t due_at;
} jobs_reminder;

/*
 * Writes to out (room for n) the reminders of a meeting at `start` for
 * the lead times minutes[0..n) that are due after `now`, earliest first.
 * Lead times that are not positive are ignored. Returns how many.
 */
size_t jobs_reminders_due(int64_t start, const int *minutes, size_t n, int64_t now,
                          jobs_reminder *out);

#endif
