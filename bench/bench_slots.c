/*
 * bench_slots.c — timing of the slot engine (domain/slots.h) alone.
 *
 * Workloads (host America/New_York, Mon-Fri 09:00-17:00, 30-minute
 * meetings every 30 minutes, viewer in the host's zone unless noted):
 *   W1  30 days from 2027-03-01, nothing busy;
 *   W2  W1 plus 200 busy intervals of 30-90 minutes inside working hours
 *       (half bookings with their own 10/10 buffers, half calendar busy
 *       time; fixed-seed PRNG), meeting buffers 10/10;
 *   W3  W2 over 7 days (2027-03-08..14, the US DST change inside);
 *   W2k W2 seen from Asia/Kolkata (a second zone to resolve).
 * Each computation is timed on its own with CLOCK_MONOTONIC; the median
 * and 90th percentile over all repetitions are printed in microseconds.
 *
 * usage: bench_slots [repetitions] [zoneinfo-dir]   (default 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/civil.h"
#include "domain/slots.h"
#include "service/tzdb.h"

#define NBUSY 200
#define DAY 86400

typedef struct workload {
    const char *name;
    const char *viewer;
    int32_t first_day, ndays;
    bool busy;
} workload;

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t next_rand(void)
{
    /* splitmix64: deterministic across runs and machines */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int32_t day_of(int y, int m, int d)
{
    return civil_days_from_date((civil_date){y, m, d});
}

/* 200 intervals on random weekdays of [first, first + ndays), starting
 * on a 5-minute grid between 09:00 and 17:00 local, 30-90 minutes long. */
static void make_busy(const tz_zone *z, int32_t first, int ndays, slots_booking *bk,
                      slots_interval *cal)
{
    for (int i = 0; i < NBUSY; i++) {
        int32_t d;
        do
            d = first + (int32_t)(next_rand() % (uint64_t)ndays);
        while (civil_weekday(d) == 0 || civil_weekday(d) == 6);
        int minute = 540 + 5 * (int)(next_rand() % 96);
        int64_t start = tz_wall_to_utc(z, d, minute);
        int64_t end = start + 60 * (30 + (int64_t)(next_rand() % 61));
        if (i % 2 == 0)
            bk[i / 2] = (slots_booking){start, end, start - 600, end + 600, i % 4 == 0, 1};
        else
            cal[i / 2] = (slots_interval){start, end};
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void run(const workload *w, int reps)
{
    static const slots_rule rules[] = {
        {1, 540, 1020}, {2, 540, 1020}, {3, 540, 1020}, {4, 540, 1020}, {5, 540, 1020},
    };
    static slots_booking bk[NBUSY / 2];
    static slots_interval cal[NBUSY / 2];
    const tz_zone *ny = tzdb_get("America/New_York");
    const tz_zone *viewer = tzdb_get(w->viewer);
    if (!ny || !viewer) {
        fprintf(stderr, "bench_slots: zones not found\n");
        exit(1);
    }
    slots_host h = {.zone = ny, .rules = rules, .nrules = 5};
    slots_meeting m = {.kind = SLOTS_ONE_ON_ONE, .duration_minutes = 30,
                       .interval_minutes = 30, .window_days = 60, .seats = 1};
    if (w->busy) {
        rng_state = 0x2545f4914f6cdd1dULL;
        make_busy(ny, day_of(2027, 3, 1), 30, bk, cal);
        h.bookings = bk;
        h.nbookings = NBUSY / 2;
        h.busy = cal;
        h.nbusy = NBUSY / 2;
        m.buffer_before_minutes = m.buffer_after_minutes = 10;
    }
    slots_query q = {.now = (int64_t)day_of(2027, 2, 28) * DAY, .viewer_zone = viewer,
                     .first_day = w->first_day, .last_day = w->first_day + w->ndays - 1};
    slots_result r = {0};
    int64_t *ns = malloc((size_t)reps * sizeof *ns);
    size_t count = 0;
    for (int i = -reps / 10; i < reps; i++) { /* first tenth: warm-up */
        r.count = 0;
        int64_t t0 = now_ns();
        if (slots_compute(&m, &h, 1, &q, &r) != SLOTS_OK) {
            fprintf(stderr, "bench_slots: %s: slots_compute failed\n", w->name);
            exit(1);
        }
        int64_t t1 = now_ns();
        if (i >= 0)
            ns[i] = t1 - t0;
        count = r.count;
    }
    qsort(ns, (size_t)reps, sizeof *ns, cmp_i64);
    printf("%-4s %-18s %3d days %4zu slots  median %7.2f us  p90 %7.2f us  p99 %7.2f us\n",
           w->name, w->viewer, w->ndays, count, (double)ns[reps / 2] / 1000.0,
           (double)ns[reps * 9 / 10] / 1000.0, (double)ns[reps * 99 / 100] / 1000.0);
    slots_result_release(&r);
    free(ns);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100000;
    if (reps < 100)
        reps = 100;
    tzdb_init(argc > 2 ? argv[2] : NULL);
    const workload loads[] = {
        {"W1", "America/New_York", day_of(2027, 3, 1), 30, false},
        {"W2", "America/New_York", day_of(2027, 3, 1), 30, true},
        {"W3", "America/New_York", day_of(2027, 3, 8), 7, true},
        {"W2k", "Asia/Kolkata", day_of(2027, 3, 1), 30, true},
    };
    printf("slot engine, %d repetitions per workload\n", reps);
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++)
        run(&loads[i], reps);
    tzdb_shutdown();
    return 0;
}
