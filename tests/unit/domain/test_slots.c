/*
 * test_slots.c — the slot engine (domain/slots.h) against hand-computed
 * expectations. 2027-03-14 and 2027-11-07 are the US DST changes,
 * 2027-03-28 and 2027-10-31 the EU ones; Mon 2027-03-15 is EDT (-4),
 * Fri 2027-03-12 EST (-5), and London stays on GMT until 03-28.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/slots.h"
#include "helpers.h"

#define MIN 60

static const slots_rule weekdays_9_17[] = {
    {1, 540, 1020}, {2, 540, 1020}, {3, 540, 1020}, {4, 540, 1020}, {5, 540, 1020},
};

static slots_meeting meeting30(void)
{
    return (slots_meeting){.kind = SLOTS_ONE_ON_ONE, .duration_minutes = 30,
                           .interval_minutes = 30, .window_days = 365, .seats = 1};
}

static slots_host host_in(const char *zone_name)
{
    return (slots_host){.zone = zone(zone_name), .rules = weekdays_9_17, .nrules = 5};
}

static slots_query query(const char *viewer, int32_t first, int32_t last)
{
    return (slots_query){.now = utc(2027, 1, 1, 0, 0), .viewer_zone = zone(viewer),
                         .first_day = first, .last_day = last};
}

static slots_result compute(const slots_meeting *m, const slots_host *h, size_t n,
                            const slots_query *q)
{
    slots_result r = {0};
    assert_int_equal(slots_compute(m, h, n, q, &r), SLOTS_OK);
    for (size_t i = 0; i < r.count; i++) {
        assert_int_equal(r.slots[i].end - r.slots[i].start, (int64_t)m->duration_minutes * MIN);
        assert_int_equal(r.slots[i].viewer_offset, tz_offset_at(q->viewer_zone, r.slots[i].start));
        if (i > 0)
            assert_true(r.slots[i].start > r.slots[i - 1].start);
    }
    return r;
}

/* Slots whose start lies in [from, to). */
static size_t count_between(const slots_result *r, int64_t from, int64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->slots[i].start >= from && r->slots[i].start < to;
    return n;
}

static const slots_slot *find(const slots_result *r, int64_t start)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->slots[i].start == start)
            return &r->slots[i];
    return NULL;
}

static void assert_local(const slots_slot *s, const char *want)
{
    char buf[26];
    civil_format_rfc3339(s->start, s->viewer_offset, buf);
    assert_string_equal(buf, want);
}

static void test_new_york_weekdays(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host h = host_in("America/New_York");
    slots_query q = query("America/New_York", day_of(2027, 3, 12), day_of(2027, 3, 15));
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 32);
    assert_int_equal(r.slots[0].start, rfc("2027-03-12T14:00:00Z"));
    assert_int_equal(r.slots[15].start, rfc("2027-03-12T21:30:00Z"));
    assert_int_equal(r.slots[16].start, rfc("2027-03-15T13:00:00Z"));
    assert_int_equal(r.slots[31].start, rfc("2027-03-15T20:30:00Z"));
    assert_int_equal(r.slots[0].viewer_offset, -5 * 3600);
    assert_int_equal(r.slots[16].viewer_offset, -4 * 3600);
    assert_local(&r.slots[16], "2027-03-15T09:00:00-04:00");
    for (size_t i = 0; i < r.count; i++) {
        assert_int_equal(r.slots[i].seats_remaining, 1);
        assert_int_equal(r.slots[i].host_mask, 1);
    }
    slots_result_release(&r);
}

/* The same New York host seen from elsewhere: the viewer's dates pick
 * the slots. */
static void test_viewer_zones(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15), tue = mon + 1;

    slots_query q = query("Asia/Kolkata", mon, mon);
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 11); /* 18:30 .. 23:30 IST */
    assert_local(&r.slots[0], "2027-03-15T18:30:00+05:30");
    assert_local(&r.slots[10], "2027-03-15T23:30:00+05:30");
    slots_result_release(&r);
    q = query("Asia/Kolkata", tue, tue);
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16); /* Monday's last 5 and Tuesday's first 11 */
    assert_local(&r.slots[0], "2027-03-16T00:00:00+05:30");
    assert_local(&r.slots[5], "2027-03-16T18:30:00+05:30");
    slots_result_release(&r);

    q = query("Asia/Kathmandu", mon, mon);
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 11);
    assert_local(&r.slots[0], "2027-03-15T18:45:00+05:45");
    assert_local(&r.slots[10], "2027-03-15T23:45:00+05:45");
    slots_result_release(&r);

    /* Lord Howe (+11:00 in March): the host's Monday is the viewer's
     * Tuesday morning, and the viewer's Monday holds the host's Sunday. */
    q = query("Australia/Lord_Howe", mon, mon);
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 0);
    slots_result_release(&r);
    q = query("Australia/Lord_Howe", tue, tue);
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    assert_local(&r.slots[0], "2027-03-16T00:00:00+11:00");
    assert_local(&r.slots[15], "2027-03-16T07:30:00+11:00");
    assert_int_equal(r.slots[0].start, rfc("2027-03-15T13:00:00Z"));
    slots_result_release(&r);
    /* After Lord Howe's April change (+10:30) the same hour shifts. */
    q = query("Australia/Lord_Howe", day_of(2027, 4, 6), day_of(2027, 4, 6));
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    assert_local(&r.slots[0], "2027-04-06T00:00:00+10:30");
    assert_local(&r.slots[15], "2027-04-06T23:30:00+10:30");
    slots_result_release(&r);
}

static void test_london_dst(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host h = host_in("Europe/London");
    slots_query q = query("Europe/London", day_of(2027, 3, 26), day_of(2027, 3, 29));
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 32);
    assert_int_equal(r.slots[0].start, rfc("2027-03-26T09:00:00Z"));
    assert_int_equal(r.slots[16].start, rfc("2027-03-29T08:00:00Z"));
    assert_local(&r.slots[16], "2027-03-29T09:00:00+01:00");
    slots_result_release(&r);
    q = query("Europe/London", day_of(2027, 10, 29), day_of(2027, 11, 1));
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 32);
    assert_int_equal(r.slots[0].start, rfc("2027-10-29T08:00:00Z"));
    assert_int_equal(r.slots[16].start, rfc("2027-11-01T09:00:00Z"));
    slots_result_release(&r);
}

/* Working hours across the change itself, on a Sunday night. */
static void test_hours_across_dst_change(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    const slots_rule sunday_night[] = {{0, 0, 180}};
    slots_host h = {.zone = zone("Europe/London"), .rules = sunday_night, .nrules = 1};
    /* Spring: 01:00-02:00 is skipped; 2 real hours, starts 00:00, 00:30,
     * 02:00, 02:30 local (01:00 and 01:30 would not exist). */
    slots_query q = query("Europe/London", day_of(2027, 3, 28), day_of(2027, 3, 28));
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 4);
    assert_local(&r.slots[0], "2027-03-28T00:00:00Z");
    assert_local(&r.slots[1], "2027-03-28T00:30:00Z");
    assert_local(&r.slots[2], "2027-03-28T02:00:00+01:00");
    assert_local(&r.slots[3], "2027-03-28T02:30:00+01:00");
    slots_result_release(&r);
    /* Autumn: 01:00-02:00 happens twice; wall-clock starts take the
     * first, so local starts still increase: 00:00 .. 02:30. */
    q = query("Europe/London", day_of(2027, 10, 31), day_of(2027, 10, 31));
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 6);
    assert_local(&r.slots[0], "2027-10-31T00:00:00+01:00");
    assert_local(&r.slots[2], "2027-10-31T01:00:00+01:00");
    assert_local(&r.slots[3], "2027-10-31T01:30:00+01:00");
    assert_local(&r.slots[4], "2027-10-31T02:00:00Z");
    assert_local(&r.slots[5], "2027-10-31T02:30:00Z");
    slots_result_release(&r);
}

static void test_skipped_hour_new_york(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    const slots_rule two_to_three[] = {{0, 120, 180}};
    slots_host h = {.zone = zone("America/New_York"), .rules = two_to_three, .nrules = 1};
    int32_t sun = day_of(2027, 3, 14);
    slots_query q = query("America/New_York", sun, sun);
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 0); /* 02:00-03:00 does not exist that day */
    slots_result_release(&r);
    q = query("America/New_York", sun + 7, sun + 7);
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 2); /* a week later it does */
    slots_result_release(&r);
    const slots_rule one_to_four[] = {{0, 60, 240}};
    h.rules = one_to_four;
    q = query("America/New_York", sun, sun);
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 4); /* 01:00, 01:30, 03:00, 03:30 */
    assert_int_equal(r.slots[0].start, rfc("2027-03-14T06:00:00Z"));
    assert_int_equal(r.slots[2].start, rfc("2027-03-14T07:00:00Z"));
    assert_local(&r.slots[2], "2027-03-14T03:00:00-04:00");
    assert_int_equal(r.slots[3].start, rfc("2027-03-14T07:30:00Z"));
    slots_result_release(&r);
}

static void test_buffers(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon);
    /* Another type's booking 10:00-11:00 EDT (14:00-15:00Z), no buffers. */
    slots_booking b = {rfc("2027-03-15T14:00:00Z"), rfc("2027-03-15T15:00:00Z"),
                       rfc("2027-03-15T14:00:00Z"), rfc("2027-03-15T15:00:00Z"), false, 1};
    h.bookings = &b;
    h.nbookings = 1;
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 14); /* 13:30 and 15:00 merely touch it */
    assert_non_null(find(&r, rfc("2027-03-15T13:30:00Z")));
    assert_null(find(&r, rfc("2027-03-15T14:00:00Z")));
    assert_null(find(&r, rfc("2027-03-15T14:30:00Z")));
    assert_non_null(find(&r, rfc("2027-03-15T15:00:00Z")));
    slots_result_release(&r);
    /* Our buffers 10/10: 13:30 and 15:00 now overlap it. */
    m.buffer_before_minutes = m.buffer_after_minutes = 10;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 12);
    assert_null(find(&r, rfc("2027-03-15T13:30:00Z")));
    assert_null(find(&r, rfc("2027-03-15T15:00:00Z")));
    slots_result_release(&r);
    /* Touching exactly with buffers: busy ends at 13:00 - 10 min, or
     * starts at 13:00 + 30 + 10 min: 13:00 is still offered. */
    slots_interval busy[] = {{rfc("2027-03-15T12:00:00Z"), rfc("2027-03-15T12:50:00Z")},
                             {rfc("2027-03-15T13:40:00Z"), rfc("2027-03-15T13:45:00Z")}};
    h.nbookings = 0;
    h.busy = busy;
    h.nbusy = 2;
    r = compute(&m, &h, 1, &q);
    assert_non_null(find(&r, rfc("2027-03-15T13:00:00Z")));
    assert_null(find(&r, rfc("2027-03-15T13:30:00Z")));
    slots_result_release(&r);
    /* One second more on either side blocks it. */
    busy[0].end += 1;
    r = compute(&m, &h, 1, &q);
    assert_null(find(&r, rfc("2027-03-15T13:00:00Z")));
    slots_result_release(&r);
    busy[0].end -= 1;
    busy[1].start -= 1;
    r = compute(&m, &h, 1, &q);
    assert_null(find(&r, rfc("2027-03-15T13:00:00Z")));
    slots_result_release(&r);
    /* A booking's own buffers widen its busy range (13:50-14:40). */
    slots_booking own = {rfc("2027-03-15T14:00:00Z"), rfc("2027-03-15T14:30:00Z"),
                         rfc("2027-03-15T13:50:00Z"), rfc("2027-03-15T14:40:00Z"), true, 1};
    h.nbusy = 0;
    h.bookings = &own;
    h.nbookings = 1;
    r = compute(&m, &h, 1, &q);
    assert_non_null(find(&r, rfc("2027-03-15T13:00:00Z")));
    assert_null(find(&r, rfc("2027-03-15T13:30:00Z")));
    assert_null(find(&r, rfc("2027-03-15T14:30:00Z")));
    assert_non_null(find(&r, rfc("2027-03-15T15:00:00Z")));
    slots_result_release(&r);
}

static void test_overrides(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host h = host_in("America/New_York");
    const slots_window sat[] = {{600, 720}}, tue[] = {{600, 660}, {540, 600}},
                       wed[] = {{540, 615}};
    const slots_override ov[] = {
        {day_of(2027, 3, 15), NULL, 0}, /* Monday closed */
        {day_of(2027, 3, 13), sat, 1},  /* Saturday 10:00-12:00 */
        {day_of(2027, 3, 16), tue, 2},  /* Tuesday 09:00-11:00, touching */
        {day_of(2027, 3, 17), wed, 1},  /* Wednesday 09:00-10:15 */
    };
    h.overrides = ov;
    h.noverrides = 4;
    slots_query q = query("America/New_York", day_of(2027, 3, 12), day_of(2027, 3, 18));
    slots_result r = compute(&m, &h, 1, &q);
    int64_t d = 86400;
    int64_t sat0 = utc(2027, 3, 13, 0, 0);
    assert_int_equal(count_between(&r, sat0 - d, sat0), 16);  /* Friday as usual */
    assert_int_equal(count_between(&r, sat0, sat0 + d), 4);   /* 10:00 .. 11:30 EST */
    assert_int_equal(r.slots[16].start, rfc("2027-03-13T15:00:00Z"));
    assert_int_equal(count_between(&r, sat0 + 2 * d, sat0 + 3 * d), 0); /* Monday */
    assert_int_equal(count_between(&r, sat0 + 3 * d, sat0 + 4 * d), 4); /* merged 9-11 */
    assert_int_equal(count_between(&r, sat0 + 4 * d, sat0 + 5 * d), 2); /* 9:00, 9:30 */
    assert_int_equal(count_between(&r, sat0 + 5 * d, sat0 + 6 * d), 16); /* Thursday */
    slots_result_release(&r);
}

static void test_notice_and_window(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    m.window_days = 1;
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon + 1);
    /* now = Mon 13:00Z: Mon 13:00 (>= now) and Tue 13:00 (<= now + 1 day)
     * are both offered, Tue 13:30 is not. */
    q.now = rfc("2027-03-15T13:00:00Z");
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 17);
    assert_int_equal(r.slots[0].start, q.now);
    assert_int_equal(r.slots[16].start, rfc("2027-03-16T13:00:00Z"));
    slots_result_release(&r);
    q.now += 1;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    assert_int_equal(r.slots[0].start, rfc("2027-03-15T13:30:00Z"));
    slots_result_release(&r);
    q.now -= 2;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    assert_int_equal(r.slots[15].start, rfc("2027-03-15T20:30:00Z"));
    slots_result_release(&r);
    /* Minimum notice of 60 minutes from Mon 12:00Z: 13:00 is exactly on
     * the edge and offered; one second later it is not. */
    m.window_days = 30;
    m.min_notice_minutes = 60;
    q.now = rfc("2027-03-15T12:00:00Z");
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.slots[0].start, rfc("2027-03-15T13:00:00Z"));
    slots_result_release(&r);
    q.now += 1;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.slots[0].start, rfc("2027-03-15T13:30:00Z"));
    slots_result_release(&r);
    /* Everything in the past: nothing. */
    q.now = rfc("2027-04-01T00:00:00Z");
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 0);
    slots_result_release(&r);
}

static void test_daily_limit(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    m.max_bookings_per_day = 1;
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon + 2);
    /* Same type at Mon 23:30 EDT (Tue 03:30Z): counts for the host's
     * Monday. Another type on Wednesday: does not count. */
    slots_booking b[] = {
        {rfc("2027-03-16T03:30:00Z"), rfc("2027-03-16T04:00:00Z"), rfc("2027-03-16T03:30:00Z"),
         rfc("2027-03-16T04:00:00Z"), true, 1},
        {rfc("2027-03-17T03:30:00Z"), rfc("2027-03-17T04:00:00Z"), rfc("2027-03-17T03:30:00Z"),
         rfc("2027-03-17T04:00:00Z"), false, 1},
    };
    h.bookings = b;
    h.nbookings = 2;
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 32);
    assert_int_equal(r.slots[0].start, rfc("2027-03-16T13:00:00Z"));
    slots_result_release(&r);
    m.max_bookings_per_day = 2;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 48);
    slots_result_release(&r);
    b[1].same_type = true; /* now Tuesday (host-local) has one too */
    m.max_bookings_per_day = 1;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    assert_int_equal(r.slots[0].start, rfc("2027-03-17T13:00:00Z"));
    slots_result_release(&r);
}

static void test_interval_15(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    m.interval_minutes = 15;
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon);
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 31); /* 09:00, 09:15, ..., 16:30 */
    assert_int_equal(r.slots[1].start - r.slots[0].start, 15 * MIN);
    assert_int_equal(r.slots[30].start, rfc("2027-03-15T20:30:00Z"));
    slots_result_release(&r);
    /* 45-minute steps in a 09:00-17:00 day: 09:00 .. 16:30 (11 starts). */
    m.interval_minutes = 45;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 11);
    assert_local(&r.slots[10], "2027-03-15T16:30:00-04:00");
    slots_result_release(&r);
}

static void test_group_seats(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    m.kind = SLOTS_GROUP;
    m.duration_minutes = 60;
    m.seats = 3;
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon);
    int64_t s1 = rfc("2027-03-15T13:00:00Z"), s2 = rfc("2027-03-15T15:00:00Z");
    slots_booking b[] = {
        {s1, s1 + 3600, s1, s1 + 3600, true, 1},
        {s1, s1 + 3600, s1, s1 + 3600, true, 1}, /* 2 seats taken at 13:00 */
        {s2, s2 + 3600, s2, s2 + 3600, true, 3}, /* 15:00 is full */
    };
    h.bookings = b;
    h.nbookings = 3;
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 11); /* 15 starts minus 13:30, 14:30, 15:00, 15:30 */
    assert_int_equal(find(&r, s1)->seats_remaining, 1);
    assert_int_equal(find(&r, s1 + 3600)->seats_remaining, 3); /* touches both */
    assert_null(find(&r, s1 + 1800)); /* overlaps a session at another start */
    assert_null(find(&r, s2));
    slots_result_release(&r);
    /* Another type's booking at the session's start blocks it. */
    slots_booking other[] = {b[0], b[1], b[2], {s1, s1 + 1800, s1, s1 + 1800, false, 1}};
    h.bookings = other;
    h.nbookings = 4;
    r = compute(&m, &h, 1, &q);
    assert_null(find(&r, s1));
    slots_result_release(&r);
    /* One session a day: the day's existing session keeps its free seat,
     * no new session is offered. */
    h.bookings = b;
    h.nbookings = 2;
    m.max_bookings_per_day = 1;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.slots[0].start, s1);
    assert_int_equal(r.slots[0].seats_remaining, 1);
    slots_result_release(&r);
}

static void test_multi_host(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host hs[2] = {host_in("America/New_York"), host_in("Europe/London")};
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("UTC", mon, mon);
    /* NY works 13:00-21:00Z, London 09:00-17:00Z. */
    m.kind = SLOTS_COLLECTIVE;
    slots_result r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 8);
    assert_int_equal(r.slots[0].start, rfc("2027-03-15T13:00:00Z"));
    assert_int_equal(r.slots[7].start, rfc("2027-03-15T16:30:00Z"));
    assert_int_equal(r.slots[0].host_mask, 3);
    slots_result_release(&r);
    slots_interval busy = {rfc("2027-03-15T14:00:00Z"), rfc("2027-03-15T15:00:00Z")};
    hs[1].busy = &busy;
    hs[1].nbusy = 1;
    r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 6);
    assert_null(find(&r, busy.start));
    slots_result_release(&r);
    m.kind = SLOTS_ROUND_ROBIN;
    r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 24); /* 09:00 .. 20:30Z */
    assert_int_equal(find(&r, rfc("2027-03-15T09:00:00Z"))->host_mask, 2);
    assert_int_equal(find(&r, rfc("2027-03-15T13:00:00Z"))->host_mask, 3);
    assert_int_equal(find(&r, rfc("2027-03-15T14:00:00Z"))->host_mask, 1);
    assert_int_equal(find(&r, rfc("2027-03-15T17:00:00Z"))->host_mask, 1);
    slots_result_release(&r);
    /* Grids that do not line up: Kathmandu 18:00-23:00 is 12:15-17:15Z.
     * Collective walks the common time from its start on the first host's
     * clock; round robin keeps each host's own grid. */
    const slots_rule evening[] = {{1, 1080, 1380}};
    hs[1] = (slots_host){.zone = zone("Asia/Kathmandu"), .rules = evening, .nrules = 1};
    m.kind = SLOTS_COLLECTIVE;
    r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 8); /* 13:00 .. 16:30Z */
    slots_result_release(&r);
    m.kind = SLOTS_ROUND_ROBIN;
    r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 16 + 10);
    assert_int_equal(find(&r, rfc("2027-03-15T12:15:00Z"))->host_mask, 2);
    assert_int_equal(find(&r, rfc("2027-03-15T13:00:00Z"))->host_mask, 1);
    slots_result_release(&r);
    /* A round-robin host at its daily limit drops out of the mask. */
    hs[1] = host_in("Europe/London");
    slots_booking lb = {rfc("2027-03-15T07:00:00Z"), rfc("2027-03-15T07:30:00Z"),
                        rfc("2027-03-15T07:00:00Z"), rfc("2027-03-15T07:30:00Z"), true, 1};
    hs[1].bookings = &lb;
    hs[1].nbookings = 1;
    m.max_bookings_per_day = 1;
    r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 16);
    for (size_t i = 0; i < r.count; i++)
        assert_int_equal(r.slots[i].host_mask, 1);
    slots_result_release(&r);
}

/* Collective where the common time starts inside the first host's
 * repeated hour: NY 2027-11-07 01:00-02:00 happens twice (05:00-06:00Z
 * EDT, 06:00-07:00Z EST); the UTC host works 06:00-08:00Z. Starts are
 * wall times on NY's clock, and a repeated wall time means its first
 * occurrence, which is before the common time: 01:00 and 01:30 are not
 * offered, 02:00 EST (07:00Z) and 02:30 are. */
static void test_collective_fold(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    m.kind = SLOTS_COLLECTIVE;
    const slots_rule ny_night[] = {{0, 0, 240}}, utc_morning[] = {{0, 360, 480}};
    slots_host hs[2] = {{.zone = zone("America/New_York"), .rules = ny_night, .nrules = 1},
                        {.zone = zone("UTC"), .rules = utc_morning, .nrules = 1}};
    int32_t sun = day_of(2027, 11, 7);
    slots_query q = query("UTC", sun, sun);
    slots_result r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.slots[0].start, rfc("2027-11-07T07:00:00Z"));
    assert_int_equal(r.slots[1].start, rfc("2027-11-07T07:30:00Z"));
    slots_result_release(&r);
    /* A week earlier there is no fold: 06:00 .. 07:30Z. */
    q = query("UTC", sun - 7, sun - 7);
    r = compute(&m, hs, 2, &q);
    assert_int_equal(r.count, 4);
    assert_int_equal(r.slots[0].start, rfc("2027-10-31T06:00:00Z"));
    slots_result_release(&r);
}

static void test_invalid_and_append(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    slots_host h = host_in("America/New_York");
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon);
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    /* Appends: a second call adds after what is there. */
    q.first_day = q.last_day = mon + 1;
    assert_int_equal(slots_compute(&m, &h, 1, &q, &r), SLOTS_OK);
    assert_int_equal(r.count, 32);
    q.first_day = q.last_day = mon;
    /* Errors add nothing. */
    slots_host two[2] = {h, h};
    assert_int_equal(slots_compute(&m, two, 2, &q, &r), SLOTS_EINVAL);
    assert_int_equal(slots_compute(&m, &h, 0, &q, &r), SLOTS_EINVAL);
    assert_int_equal(slots_compute(&m, &h, 65, &q, &r), SLOTS_EINVAL);
    slots_meeting bad = m;
    bad.duration_minutes = 0;
    assert_int_equal(slots_compute(&bad, &h, 1, &q, &r), SLOTS_EINVAL);
    bad = m;
    bad.interval_minutes = 0;
    assert_int_equal(slots_compute(&bad, &h, 1, &q, &r), SLOTS_EINVAL);
    bad = m;
    bad.seats = 0;
    assert_int_equal(slots_compute(&bad, &h, 1, &q, &r), SLOTS_EINVAL);
    bad = m;
    bad.window_days = 0;
    assert_int_equal(slots_compute(&bad, &h, 1, &q, &r), SLOTS_EINVAL);
    bad = m;
    bad.buffer_before_minutes = -1;
    assert_int_equal(slots_compute(&bad, &h, 1, &q, &r), SLOTS_EINVAL);
    slots_query rev = q;
    rev.first_day = mon + 1;
    assert_int_equal(slots_compute(&m, &h, 1, &rev, &r), SLOTS_EINVAL);
    rev = q;
    rev.viewer_zone = NULL;
    assert_int_equal(slots_compute(&m, &h, 1, &rev, &r), SLOTS_EINVAL);
    rev = q;
    rev.now = INT64_MAX;
    assert_int_equal(slots_compute(&m, &h, 1, &rev, &r), SLOTS_EINVAL);
    const slots_rule bad_rules[] = {{7, 540, 1020}, {1, 600, 600}, {1, 0, 1441}};
    for (size_t i = 0; i < 3; i++) {
        slots_host bh = h;
        bh.rules = &bad_rules[i];
        bh.nrules = 1;
        assert_int_equal(slots_compute(&m, &bh, 1, &q, &r), SLOTS_EINVAL);
    }
    slots_host nz = h;
    nz.zone = NULL;
    assert_int_equal(slots_compute(&m, &nz, 1, &q, &r), SLOTS_EINVAL);
    assert_int_equal(r.count, 32);
    slots_result_release(&r);
    assert_null(r.slots);
    assert_int_equal(r.count, 0);
}

/* Busy data far from the query, at the ends of time, must not overflow. */
static void test_extreme_busy(void **state)
{
    (void)state;
    slots_meeting m = meeting30();
    m.buffer_before_minutes = m.buffer_after_minutes = 7 * 1440;
    slots_host h = host_in("America/New_York");
    slots_interval busy[] = {{INT64_MIN, INT64_MIN + 10}, {INT64_MAX - 10, INT64_MAX},
                             {INT64_MIN, utc(2027, 3, 1, 0, 0)}, {5, 4}};
    slots_booking b = {INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, true, INT32_MAX};
    h.busy = busy;
    h.nbusy = 4;
    int32_t mon = day_of(2027, 3, 15);
    slots_query q = query("America/New_York", mon, mon);
    slots_result r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 16);
    slots_result_release(&r);
    h.bookings = &b;
    h.nbookings = 1;
    m.kind = SLOTS_GROUP;
    m.max_bookings_per_day = 3;
    r = compute(&m, &h, 1, &q);
    assert_int_equal(r.count, 0);
    slots_result_release(&r);
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
        cmocka_unit_test(test_new_york_weekdays),
        cmocka_unit_test(test_viewer_zones),
        cmocka_unit_test(test_london_dst),
        cmocka_unit_test(test_hours_across_dst_change),
        cmocka_unit_test(test_skipped_hour_new_york),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_notice_and_window),
        cmocka_unit_test(test_daily_limit),
        cmocka_unit_test(test_interval_15),
        cmocka_unit_test(test_group_seats),
        cmocka_unit_test(test_multi_host),
        cmocka_unit_test(test_collective_fold),
        cmocka_unit_test(test_invalid_and_append),
        cmocka_unit_test(test_extreme_busy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
