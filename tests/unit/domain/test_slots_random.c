/*
 * test_slots_random.c — the slot engine against a naive model of the
 * rules in slots.h, on random inputs.
 *
 * The model shares nothing with the engine but tz_offset_at() and
 * tz_local_to_utc(): it resolves every wall time on its own, checks every
 * start against every booking, and uses no spans, cursors, sweeps or fast
 * paths. Random cases mix zones with odd offsets and DST changes, dates
 * around those changes, rules, overrides, bookings of either type,
 * calendar busy time, buffers, notice, window, steps, seats, daily limits
 * and all four kinds of meeting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/slots.h"
#include "helpers.h"

#define DAY 86400
#define MAXW 4
#define MAXB 24
#define MAXC 4096

static uint64_t rng = 0x853c49e6748fea9bULL;

static int64_t rnd(int64_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int64_t)((rng >> 33) % (uint64_t)n);
}

static const char *const zone_names[] = {
    "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu",
    "Pacific/Chatham", "America/Nuuk", "America/Santiago", "UTC", "Asia/Kolkata",
};
/* Days near DST changes of 2027 (US, EU, Lord Howe, Chile, Chatham). */
static const int change_days[][3] = {
    {2027, 3, 14}, {2027, 3, 28}, {2027, 4, 4}, {2027, 10, 3}, {2027, 10, 31},
    {2027, 11, 7}, {2027, 9, 5}, {2027, 4, 3}, {2027, 9, 26}, {2027, 6, 15},
};

typedef struct host_data {
    slots_rule rules[8];
    slots_window windows[4][MAXW];
    slots_override ovr[4];
    slots_booking bookings[MAXB];
    slots_interval busy[MAXB];
} host_data;

/* ---- the model ---------------------------------------------------------- */

static int64_t day_of_instant(const tz_zone *z, int64_t t)
{
    return civil_floor_div(t + tz_offset_at(z, t), DAY);
}

/* Day d's windows in minutes, sorted and merged (touching too). */
static size_t model_windows(const slots_host *h, int32_t d, int out[][2])
{
    int mins[1441] = {0}; /* mins[m]: minute m is working time */
    const slots_override *o = NULL;
    for (size_t i = 0; i < h->noverrides; i++)
        if (h->overrides[i].day == d)
            o = &h->overrides[i];
    if (o) {
        for (size_t k = 0; k < o->nwindows; k++)
            for (int m = o->windows[k].start_minute; m < o->windows[k].end_minute; m++)
                mins[m] = 1;
    } else {
        for (size_t k = 0; k < h->nrules; k++)
            if (h->rules[k].day_of_week == civil_weekday(d))
                for (int m = h->rules[k].start_minute; m < h->rules[k].end_minute; m++)
                    mins[m] = 1;
    }
    size_t n = 0;
    for (int m = 0; m < 1440; m++) {
        if (mins[m] && (m == 0 || !mins[m - 1]))
            out[n][0] = m;
        if (mins[m] && !mins[m + 1])
            out[n++][1] = m + 1;
    }
    return n;
}

/* Working intervals of a host (instants), by day, in order. */
static size_t model_work(const slots_host *h, int32_t d0, int32_t d1, int64_t out[][2])
{
    size_t n = 0;
    for (int32_t d = d0; d <= d1; d++) {
        int w[720][2];
        size_t nw = model_windows(h, d, w);
        for (size_t k = 0; k < nw; k++) {
            int64_t a = tz_wall_to_utc(h->zone, d, w[k][0]), b = tz_wall_to_utc(h->zone, d, w[k][1]);
            if (a < b) {
                out[n][0] = a;
                out[n++][1] = b;
            }
        }
    }
    return n;
}

/* Can host h take start s? Returns free seats (0: no). */
static int model_accepts(const slots_meeting *m, const slots_host *h, int64_t s)
{
    int64_t dur = m->duration_minutes * 60;
    int64_t w0 = s - m->buffer_before_minutes * 60, w1 = s + dur + m->buffer_after_minutes * 60;
    bool group = m->kind == SLOTS_GROUP;
    int used = 0, count = 0;
    bool session = false;
    int64_t day = day_of_instant(h->zone, s);
    for (size_t i = 0; i < h->nbookings; i++) {
        const slots_booking *b = &h->bookings[i];
        bool shares = group && b->same_type && b->start == s;
        if (shares) {
            used += b->seats;
            session = true;
        } else if (b->busy_start < w1 && w0 < b->busy_end) {
            return 0;
        }
        if (b->same_type && day_of_instant(h->zone, b->start) == day) {
            bool counted = false; /* group: distinct starts */
            for (size_t j = 0; group && j < i; j++)
                counted = counted || (h->bookings[j].same_type && h->bookings[j].start == b->start);
            count += !counted;
        }
    }
    for (size_t i = 0; i < h->nbusy; i++)
        if (h->busy[i].start < w1 && w0 < h->busy[i].end)
            return 0;
    int seats = group ? m->seats - used : 1;
    if (seats <= 0)
        return 0;
    if (m->max_bookings_per_day && count >= m->max_bookings_per_day && !(group && session))
        return 0;
    return seats;
}

/* Steps one piece on `clock`'s wall clock; calls back per start. */
static size_t model_steps(const tz_zone *clock, int64_t a, int64_t b, const slots_meeting *m,
                          int64_t *out)
{
    size_t n = 0;
    int64_t prev = INT64_MIN;
    for (int64_t l = a + tz_offset_at(clock, a);; l += m->interval_minutes * 60) {
        int64_t s = tz_local_to_utc(clock, l);
        if (s + m->duration_minutes * 60 > b)
            break;
        if (s <= prev || s < a)
            continue;
        prev = s;
        out[n++] = s;
    }
    return n;
}

static bool model_time_ok(const slots_meeting *m, const slots_query *q, int64_t s)
{
    int64_t d = day_of_instant(q->viewer_zone, s);
    return s >= q->now + m->min_notice_minutes * 60 && s <= q->now + (int64_t)m->window_days * DAY &&
           d >= q->first_day && d <= q->last_day;
}

static void model_add(slots_slot *out, size_t *n, int64_t s, const slots_meeting *m,
                      const slots_query *q, int seats, uint64_t mask)
{
    for (size_t i = 0; i < *n; i++)
        if (out[i].start == s) {
            out[i].host_mask |= mask;
            return;
        }
    out[(*n)++] = (slots_slot){s, s + m->duration_minutes * 60, tz_offset_at(q->viewer_zone, s),
                               seats, mask};
}

static int cmp_slot(const void *a, const void *b)
{
    const slots_slot *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int64_t work[8][400][2];
static size_t nwork[8];

/* Collective: host 0's window [a, b) cut by every other host's windows;
 * returns the starts stepped through the pieces on host 0's clock. */
static size_t model_collective_starts(const slots_meeting *m, const slots_host *hs, size_t nh,
                                      int64_t a, int64_t b, int64_t *cand)
{
    static int64_t pieces[800][2], next[800][2];
    size_t np = 1, nc = 0;
    pieces[0][0] = a;
    pieces[0][1] = b;
    for (size_t o = 1; o < nh; o++) {
        size_t nn = 0;
        for (size_t p = 0; p < np; p++)
            for (size_t j = 0; j < nwork[o]; j++) {
                int64_t lo = pieces[p][0] > work[o][j][0] ? pieces[p][0] : work[o][j][0];
                int64_t hi = pieces[p][1] < work[o][j][1] ? pieces[p][1] : work[o][j][1];
                if (lo < hi) {
                    next[nn][0] = lo;
                    next[nn++][1] = hi;
                }
            }
        memcpy(pieces, next, nn * sizeof next[0]);
        np = nn;
    }
    for (size_t p = 0; p < np; p++)
        nc += model_steps(hs[0].zone, pieces[p][0], pieces[p][1], m, cand + nc);
    return nc;
}

/* Checks the starts of host h's window k and adds the accepted ones. */
static void model_window(const slots_meeting *m, const slots_host *hs, size_t nh,
                         const slots_query *q, size_t h, size_t k, slots_slot *out, size_t *n)
{
    static int64_t cand[MAXC];
    bool coll = m->kind == SLOTS_COLLECTIVE;
    size_t nc = coll ? model_collective_starts(m, hs, nh, work[h][k][0], work[h][k][1], cand)
                     : model_steps(hs[h].zone, work[h][k][0], work[h][k][1], m, cand);
    for (size_t c = 0; c < nc; c++) {
        int64_t s = cand[c];
        if (!model_time_ok(m, q, s))
            continue;
        if (coll) {
            bool all = true;
            for (size_t o = 0; o < nh; o++)
                all = all && model_accepts(m, &hs[o], s) > 0;
            if (all)
                model_add(out, n, s, m, q, 1, (UINT64_C(1) << nh) - 1);
        } else {
            int seats = model_accepts(m, &hs[h], s);
            if (seats > 0)
                model_add(out, n, s, m, q, seats, UINT64_C(1) << h);
        }
    }
}

static size_t model(const slots_meeting *m, const slots_host *hs, size_t nh, const slots_query *q,
                    slots_slot *out)
{
    size_t n = 0;
    for (size_t h = 0; h < nh; h++)
        nwork[h] = model_work(&hs[h], q->first_day - 3, q->last_day + 3, work[h]);
    /* Collective walks host 0's windows only (cut by the others). */
    size_t walkers = m->kind == SLOTS_COLLECTIVE ? 1 : nh;
    for (size_t h = 0; h < walkers; h++)
        for (size_t k = 0; k < nwork[h]; k++)
            model_window(m, hs, nh, q, h, k, out, &n);
    qsort(out, n, sizeof *out, cmp_slot);
    return n;
}

/* ---- random cases -------------------------------------------------------- */

static int64_t random_instant(int32_t d0)
{
    return (int64_t)(d0 - 2 + rnd(8)) * DAY + rnd(DAY / 300) * 300;
}

static void random_host(slots_host *h, host_data *hd, int32_t d0, bool group_kind)
{
    memset(h, 0, sizeof *h);
    h->zone = zone(zone_names[rnd(sizeof zone_names / sizeof zone_names[0])]);
    h->nrules = (size_t)rnd(8);
    for (size_t i = 0; i < h->nrules; i++) {
        int a = (int)rnd(48) * 30, len = 30 + (int)rnd(24) * 30;
        hd->rules[i] = (slots_rule){(int)rnd(7), a, a + len > 1440 ? 1440 : a + len};
    }
    h->rules = hd->rules;
    h->noverrides = (size_t)rnd(4);
    for (size_t i = 0; i < h->noverrides; i++) {
        size_t nw = (size_t)rnd(MAXW);
        for (size_t k = 0; k < nw; k++) {
            int a = (int)rnd(96) * 15, len = 15 + (int)rnd(40) * 15;
            hd->windows[i][k] = (slots_window){a, a + len > 1440 ? 1440 : a + len};
        }
        hd->ovr[i] = (slots_override){d0 - 1 + (int32_t)rnd(5), hd->windows[i], nw};
    }
    h->overrides = hd->ovr;
    h->nbookings = (size_t)rnd(MAXB);
    for (size_t i = 0; i < h->nbookings; i++) {
        int64_t s = random_instant(d0), e = s + 60 * (5 + rnd(120));
        if (group_kind && i > 0 && rnd(3) == 0)
            s = hd->bookings[rnd((int64_t)i)].start; /* join a session */
        hd->bookings[i] = (slots_booking){s, e, s - 60 * rnd(30), e + 60 * rnd(30), rnd(2) == 0,
                                          1 + (int)rnd(3)};
    }
    h->bookings = hd->bookings;
    h->nbusy = (size_t)rnd(MAXB);
    for (size_t i = 0; i < h->nbusy; i++) {
        int64_t s = random_instant(d0);
        hd->busy[i] = (slots_interval){s, s + 60 * (1 + rnd(180))};
    }
    h->busy = hd->busy;
}

static void random_case(int round)
{
    static host_data hd[4];
    static slots_slot want[MAXC];
    slots_host hs[4];
    slots_meeting m = {
        .kind = (slots_kind)rnd(4), .duration_minutes = 5 + (int)rnd(24) * 5,
        .buffer_before_minutes = rnd(3) ? 0 : (int)rnd(40),
        .buffer_after_minutes = rnd(3) ? 0 : (int)rnd(40), .interval_minutes = 5 + (int)rnd(12) * 5,
        .min_notice_minutes = rnd(2) ? 0 : (int)rnd(4000), .window_days = 1 + (int)rnd(10),
        .max_bookings_per_day = rnd(2) ? 0 : 1 + (int)rnd(3), .seats = 1};
    size_t nh = m.kind == SLOTS_COLLECTIVE || m.kind == SLOTS_ROUND_ROBIN ? 1 + (size_t)rnd(3) : 1;
    if (m.kind == SLOTS_GROUP)
        m.seats = 1 + (int)rnd(5);
    const int *cd = change_days[rnd(sizeof change_days / sizeof change_days[0])];
    int32_t d0 = day_of(cd[0], cd[1], cd[2]);
    for (size_t h = 0; h < nh; h++)
        random_host(&hs[h], &hd[h], d0, m.kind == SLOTS_GROUP);
    slots_query q = {.now = (int64_t)(d0 - 3) * DAY + rnd(4 * DAY),
                     .viewer_zone = zone(zone_names[rnd(sizeof zone_names / sizeof zone_names[0])]),
                     .first_day = d0 - 1 + (int32_t)rnd(2)};
    q.last_day = q.first_day + (int32_t)rnd(3);
    slots_result r = {0};
    assert_int_equal(slots_compute(&m, hs, nh, &q, &r), SLOTS_OK);
    size_t n = model(&m, hs, nh, &q, want);
    bool same = r.count == n;
    for (size_t i = 0; same && i < n; i++)
        same = memcmp(&r.slots[i], &want[i], sizeof want[i]) == 0;
    if (!same) {
        for (size_t i = 0; i < r.count || i < n; i++)
            print_error("%zu: engine %lld mask %llu seats %d | model %lld mask %llu seats %d\n", i,
                        i < r.count ? (long long)r.slots[i].start : 0LL,
                        i < r.count ? (unsigned long long)r.slots[i].host_mask : 0ULL,
                        i < r.count ? r.slots[i].seats_remaining : 0,
                        i < n ? (long long)want[i].start : 0LL,
                        i < n ? (unsigned long long)want[i].host_mask : 0ULL,
                        i < n ? want[i].seats_remaining : 0);
        fail_msg("round %d (kind %d, %zu hosts): engine %zu slots, model %zu", round, m.kind, nh,
                 r.count, n);
    }
    slots_result_release(&r);
}

static void test_random_against_model(void **state)
{
    (void)state;
    for (int round = 0; round < 3000; round++)
        random_case(round);
}

static int setup(void **state)
{
    (void)state;
    tzdb_init(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tzdb_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
