/*
 * test_slots_zones.c — a property test of the slot engine over every zone
 * of the system database and every offset change in 2026-2028.
 *
 * For each change, on the host-local date(s) it touches, a host working
 * 09:00-17:00 that date (busy 11:00-11:45, buffers 5/5) must be offered:
 *  - starts strictly increasing, as instants and as local wall times;
 *  - every local start on that date, at or after 09:00 and before 17:00,
 *    each a wall time that exists and resolves back to the same instant
 *    (so no start in a skipped hour, and the earlier of a repeated one);
 *  - every meeting inside the resolved working hours, none overlapping
 *    the busy time with its buffers;
 *  - exactly the starts of a brute-force model that resolves each wall
 *    time separately with tz_wall_to_utc (no spans, no cursors);
 *  - when the change is not inside the working hours (the usual case),
 *    exactly the wall times 09:00, 09:00 + step, ... as the model says,
 *    all on the step grid.
 * Changes inside 09:00-17:00 are counted and reported: there the local
 * grid may legitimately shift at the change, so only the rules above hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/slots.h"
#include "helpers.h"

#define DAY 86400

typedef struct config {
    int duration, step;
} config;

static const config configs[] = {{30, 30}, {45, 20}, {60, 60}};

typedef struct stats {
    size_t zones, dates, inside, slots;
} stats;

/* Brute-force model: wall times from the window's resolved start, each
 * resolved on its own; returns how many starts it wrote to want[]. */
static size_t model(const tz_zone *z, int32_t d, const config *c, int64_t busy0, int64_t busy1,
                    int64_t want[])
{
    int64_t a = tz_wall_to_utc(z, d, 540), b = tz_wall_to_utc(z, d, 1020);
    int64_t dur = c->duration * 60, pad = 5 * 60;
    size_t n = 0;
    int64_t prev = INT64_MIN;
    for (int64_t local = a + tz_offset_at(z, a);; local += c->step * 60) {
        int64_t s = tz_local_to_utc(z, local);
        if (s + dur > b)
            break;
        if (s <= prev)
            continue;
        prev = s;
        bool clash = s - pad < busy1 && busy0 < s + dur + pad;
        bool on_date = civil_floor_div(s + tz_offset_at(z, s), DAY) == d;
        if (!clash && on_date)
            want[n++] = s;
    }
    return n;
}

static void check_date(const tz_zone *z, int32_t d, const config *c, int64_t change,
                       stats *st)
{
    const slots_window nine_to_five = {540, 1020};
    const slots_override ov = {d, &nine_to_five, 1};
    int64_t busy0 = tz_wall_to_utc(z, d, 660), busy1 = tz_wall_to_utc(z, d, 705);
    slots_interval busy = {busy0, busy1};
    slots_host h = {.zone = z, .overrides = &ov, .noverrides = 1, .busy = &busy, .nbusy = 1};
    slots_meeting m = {.kind = SLOTS_ONE_ON_ONE, .duration_minutes = c->duration,
                       .buffer_before_minutes = 5, .buffer_after_minutes = 5,
                       .interval_minutes = c->step, .window_days = 100000, .seats = 1};
    slots_query q = {.now = utc(2020, 1, 1, 0, 0), .viewer_zone = z, .first_day = d,
                     .last_day = d};
    slots_result r = {0};
    assert_int_equal(slots_compute(&m, &h, 1, &q, &r), SLOTS_OK);

    int64_t a = tz_wall_to_utc(z, d, 540), b = tz_wall_to_utc(z, d, 1020);
    bool inside = change > a && change < b;
    int64_t want[64];
    size_t n = model(z, d, c, busy0, busy1, want);
    if (r.count != n)
        fail_msg("%s %d: %zu slots, model %zu", tz_zone_name(z), d, r.count, n);
    int64_t prev_local = INT64_MIN;
    for (size_t i = 0; i < r.count; i++) {
        const slots_slot *s = &r.slots[i];
        int64_t local = s->start + s->viewer_offset;
        assert_int_equal(s->start, want[i]);
        assert_int_equal(s->viewer_offset, tz_offset_at(z, s->start));
        assert_true(local > prev_local);
        assert_true(i == 0 || s->start > r.slots[i - 1].start);
        assert_int_equal(civil_floor_div(local, DAY), d);
        assert_true(local - (int64_t)d * DAY >= 540 * 60);
        assert_true(local - (int64_t)d * DAY < 1020 * 60);
        assert_int_equal(tz_local_to_utc(z, local), s->start); /* the wall time exists */
        assert_true(s->start >= a && s->end <= b);
        assert_false(s->start - 300 < busy1 && busy0 < s->end + 300);
        if (!inside)
            assert_int_equal((local - (int64_t)d * DAY - 540 * 60) % (c->step * 60), 0);
        prev_local = local;
    }
    st->inside += inside;
    st->slots += r.count;
    st->dates++;
    slots_result_release(&r);
}

static void check_zone(const char *name, stats *st)
{
    tz_zone *z = zone_file(name);
    if (!z)
        fail_msg("%s does not parse", name);
    tz_span span;
    tz_span_init(&span);
    tz_span_fill(&span, z, utc(2026, 1, 1, 0, 0), utc(2029, 1, 1, 0, 0));
    for (size_t i = 1; i < span.count; i++) {
        int64_t t = span.segs[i].start;
        int32_t before = (int32_t)civil_floor_div(t - 1 + span.segs[i - 1].offset, DAY);
        int32_t after = (int32_t)civil_floor_div(t + span.segs[i].offset, DAY);
        for (size_t k = 0; k < sizeof configs / sizeof configs[0]; k++) {
            check_date(z, before, &configs[k], t, st);
            if (after != before)
                check_date(z, after, &configs[k], t, st);
        }
    }
    st->zones += span.count > 1;
    tz_span_release(&span);
    tz_zone_free(z);
}

static void test_every_zone_every_change(void **state)
{
    (void)state;
    zone_list zones = zone_list_all();
    assert_true(zones.count > 300);
    stats st = {0};
    for (size_t i = 0; i < zones.count; i++)
        check_zone(zones.names[i], &st);
    print_message("%zu zones with changes, %zu zone-dates x configs, %zu slots checked, "
                  "%zu with the change inside working hours\n",
                  st.zones, st.dates, st.slots, st.inside);
    assert_true(st.zones > 100);
    zone_list_free(&zones);
}

/* The same property with the change forced inside working hours: a
 * 00:00-24:00 day on every change date. */
static void test_changes_inside_hours(void **state)
{
    (void)state;
    const char *names[] = {"America/New_York", "Europe/London", "Australia/Lord_Howe",
                           "America/Havana", "Asia/Beirut", "Pacific/Chatham", "America/Nuuk"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        tz_zone *z = zone_file(names[i]);
        assert_non_null(z);
        tz_span span;
        tz_span_init(&span);
        tz_span_fill(&span, z, utc(2026, 1, 1, 0, 0), utc(2029, 1, 1, 0, 0));
        for (size_t k = 1; k < span.count; k++) {
            int64_t t = span.segs[k].start;
            int32_t d = (int32_t)civil_floor_div(t + span.segs[k].offset, DAY);
            const slots_window all_day = {0, 1440};
            const slots_override ov = {d, &all_day, 1};
            slots_host h = {.zone = z, .overrides = &ov, .noverrides = 1};
            slots_meeting m = {.kind = SLOTS_ONE_ON_ONE, .duration_minutes = 30,
                               .interval_minutes = 15, .window_days = 100000, .seats = 1};
            slots_query q = {.now = utc(2020, 1, 1, 0, 0), .viewer_zone = z, .first_day = d,
                             .last_day = d};
            slots_result r = {0};
            assert_int_equal(slots_compute(&m, &h, 1, &q, &r), SLOTS_OK);
            int64_t a = tz_wall_to_utc(z, d, 0), b = tz_wall_to_utc(z, d, 1440);
            assert_true(r.count >= (size_t)((b - a) / 3600 * 4 - 8));
            for (size_t j = 0; j < r.count; j++) {
                int64_t local = r.slots[j].start + r.slots[j].viewer_offset;
                assert_int_equal(tz_local_to_utc(z, local), r.slots[j].start);
                assert_int_equal(civil_floor_div(local, DAY), d);
                if (j > 0) {
                    assert_true(r.slots[j].start > r.slots[j - 1].start);
                    assert_true(local > r.slots[j - 1].start + r.slots[j - 1].viewer_offset);
                }
            }
            slots_result_release(&r);
        }
        tz_span_release(&span);
        tz_zone_free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_zone_every_change),
        cmocka_unit_test(test_changes_inside_hours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
