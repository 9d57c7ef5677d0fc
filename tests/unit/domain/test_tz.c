/*
 * test_tz.c — the TZif parser, offsets, POSIX TZ rules, wall-clock
 * resolution and spans (domain/tz.h), plus hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

#define H 3600

static void check_offset(const char *name, int64_t t, int32_t want)
{
    int32_t got = tz_offset_at(zone(name), t);
    if (got != want)
        fail_msg("%s at %lld: offset %d, want %d", name, (long long)t, got, want);
}

static void test_known_offsets(void **state)
{
    (void)state;
    check_offset("America/New_York", utc(2027, 1, 15, 12, 0), -5 * H);
    check_offset("America/New_York", utc(2027, 7, 15, 12, 0), -4 * H);
    check_offset("Europe/London", utc(2027, 1, 15, 12, 0), 0);
    check_offset("Europe/London", utc(2027, 7, 15, 12, 0), 1 * H);
    check_offset("Asia/Kolkata", utc(2027, 1, 1, 0, 0), 5 * H + 1800);
    check_offset("Asia/Kathmandu", utc(2027, 1, 1, 0, 0), 5 * H + 2700);
    check_offset("Australia/Lord_Howe", utc(2027, 1, 15, 12, 0), 11 * H);
    check_offset("Australia/Lord_Howe", utc(2027, 7, 15, 12, 0), 10 * H + 1800);
    check_offset("Pacific/Chatham", utc(2027, 1, 15, 12, 0), 13 * H + 2700);
    check_offset("Pacific/Chatham", utc(2027, 7, 15, 12, 0), 12 * H + 2700);
    check_offset("America/Sao_Paulo", utc(2027, 1, 15, 12, 0), -3 * H);
    check_offset("Asia/Tehran", utc(2027, 7, 15, 12, 0), 3 * H + 1800);
    check_offset("UTC", utc(2027, 7, 15, 12, 0), 0);
    check_offset("Etc/GMT+5", utc(2027, 7, 15, 12, 0), -5 * H);
    /* Exact transition instants: the new offset starts at the instant. */
    check_offset("America/New_York", rfc("2027-03-14T06:59:59Z"), -5 * H);
    check_offset("America/New_York", rfc("2027-03-14T07:00:00Z"), -4 * H);
    check_offset("America/New_York", rfc("2027-11-07T05:59:59Z"), -4 * H);
    check_offset("America/New_York", rfc("2027-11-07T06:00:00Z"), -5 * H);
    check_offset("Australia/Lord_Howe", rfc("2027-10-02T15:29:59Z"), 10 * H + 1800);
    check_offset("Australia/Lord_Howe", rfc("2027-10-02T15:30:00Z"), 11 * H);
    check_offset("Pacific/Chatham", rfc("2027-09-25T14:00:00Z"), 13 * H + 2700);
}

/* Instants beyond the last transition of the file come from the footer. */
static void test_footer_rules(void **state)
{
    (void)state;
    check_offset("America/New_York", utc(2100, 1, 15, 12, 0), -5 * H);
    check_offset("America/New_York", rfc("2100-03-14T06:59:59Z"), -5 * H);
    check_offset("America/New_York", rfc("2100-03-14T07:00:00Z"), -4 * H);
    check_offset("America/New_York", rfc("2100-11-07T06:00:00Z"), -5 * H);
    check_offset("America/New_York", utc(2400, 7, 1, 12, 0), -4 * H);
    check_offset("Europe/London", utc(2090, 7, 1, 12, 0), 1 * H);
    check_offset("Australia/Lord_Howe", utc(2080, 1, 1, 12, 0), 11 * H);
    check_offset("Australia/Lord_Howe", utc(2080, 7, 1, 12, 0), 10 * H + 1800);
    check_offset("Pacific/Chatham", utc(2090, 1, 1, 12, 0), 13 * H + 2700);
    /* Nuuk: "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", negative hours (RFC 8536 v3). */
    check_offset("America/Nuuk", rfc("2090-03-26T00:59:59Z"), -2 * H);
    check_offset("America/Nuuk", rfc("2090-03-26T01:00:00Z"), -1 * H);
    check_offset("America/Nuuk", rfc("2090-10-29T01:00:00Z"), -2 * H);
    /* Dublin's negative DST: winter is the "daylight" type. */
    check_offset("Europe/Dublin", utc(2090, 1, 1, 12, 0), 0);
    check_offset("Europe/Dublin", utc(2090, 7, 1, 12, 0), 1 * H);
    /* No overflow or crash at the ends of time. */
    tz_offset_at(zone("America/New_York"), INT64_MAX);
    tz_offset_at(zone("America/New_York"), INT64_MIN);
    tz_local_to_utc(zone("America/New_York"), INT64_MAX);
    tz_local_to_utc(zone("Australia/Lord_Howe"), INT64_MIN);
}

/* Since 2022: Mexico dropped DST, Egypt restored it, Kazakhstan unified
 * on +05. A 09:00 start on Monday 2027-07-12. */
static void test_post_2022_changes(void **state)
{
    (void)state;
    int32_t d = day_of(2027, 7, 12);
    assert_int_equal(civil_weekday(d), 1);
    assert_int_equal(tz_wall_to_utc(zone("America/Mexico_City"), d, 9 * 60),
                     rfc("2027-07-12T15:00:00Z"));
    assert_int_equal(tz_wall_to_utc(zone("Africa/Cairo"), d, 9 * 60), rfc("2027-07-12T06:00:00Z"));
    assert_int_equal(tz_wall_to_utc(zone("Asia/Almaty"), d, 9 * 60), rfc("2027-07-12T04:00:00Z"));
}

static void test_gap_and_fold(void **state)
{
    (void)state;
    const tz_zone *ny = zone("America/New_York");
    int32_t spring = day_of(2027, 3, 14), fall = day_of(2027, 11, 7);
    /* 02:00-03:00 does not exist: all of it goes to 03:00 EDT = 07:00Z. */
    assert_int_equal(tz_wall_to_utc(ny, spring, 120), rfc("2027-03-14T07:00:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, spring, 150), rfc("2027-03-14T07:00:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, spring, 179), rfc("2027-03-14T07:00:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, spring, 180), rfc("2027-03-14T07:00:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, spring, 119), rfc("2027-03-14T06:59:00Z"));
    assert_int_equal(tz_local_to_utc(ny, (int64_t)spring * 86400 + 7199),
                     rfc("2027-03-14T06:59:59Z"));
    /* 01:00-02:00 happens twice: the earlier (EDT) one. */
    assert_int_equal(tz_wall_to_utc(ny, fall, 60), rfc("2027-11-07T05:00:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, fall, 90), rfc("2027-11-07T05:30:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, fall, 120), rfc("2027-11-07T07:00:00Z"));
    assert_int_equal(tz_wall_to_utc(ny, fall, 59), rfc("2027-11-07T04:59:00Z"));
    /* Lord Howe moves by half an hour: gap 02:00-02:30, fold 01:30-02:00. */
    const tz_zone *lh = zone("Australia/Lord_Howe");
    assert_int_equal(tz_wall_to_utc(lh, day_of(2027, 10, 3), 135), rfc("2027-10-02T15:30:00Z"));
    assert_int_equal(tz_wall_to_utc(lh, day_of(2027, 10, 3), 150), rfc("2027-10-02T15:30:00Z"));
    assert_int_equal(tz_wall_to_utc(lh, day_of(2027, 4, 4), 105), rfc("2027-04-03T14:45:00Z"));
    assert_int_equal(tz_wall_to_utc(lh, day_of(2027, 4, 4), 120), rfc("2027-04-03T15:30:00Z"));
    /* 24:00 is the next midnight. */
    assert_int_equal(tz_wall_to_utc(ny, day_of(2027, 3, 15), 1440),
                     tz_wall_to_utc(ny, day_of(2027, 3, 16), 0));
}

/* Spans list the offsets of a range; cursors agree with tz_offset_at and
 * tz_local_to_utc in any direction. */
static void test_span_and_cursor(void **state)
{
    (void)state;
    const tz_zone *ny = zone("America/New_York");
    tz_span s;
    tz_span_init(&s);
    tz_span_fill(&s, ny, utc(2026, 1, 1, 0, 0), utc(2030, 1, 1, 0, 0));
    assert_int_equal(s.count, 9);
    assert_int_equal(s.segs[0].start, utc(2026, 1, 1, 0, 0));
    assert_int_equal(s.segs[1].start, rfc("2026-03-08T07:00:00Z"));
    assert_int_equal(s.segs[8].start, rfc("2029-11-04T06:00:00Z"));
    assert_int_equal(s.min_offset, -5 * H);
    assert_int_equal(s.max_offset, -4 * H);
    tz_cursor c, r;
    tz_cursor_init(&c, &s);
    tz_cursor_init(&r, &s);
    uint64_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        int64_t t = utc(2026, 1, 3, 0, 0) + (int64_t)(x >> 33) % (4 * 365 * 86400 - 6 * 86400);
        assert_int_equal(tz_cursor_offset(&c, t), tz_offset_at(ny, t));
        assert_int_equal(tz_span_offset_at(&s, t), tz_offset_at(ny, t));
        int32_t off;
        assert_int_equal(tz_cursor_resolve(&r, t, &off), tz_local_to_utc(ny, t));
    }
    /* Beyond the last transition (footer) and a one-instant span. */
    tz_span_fill(&s, ny, utc(2090, 1, 1, 0, 0), utc(2092, 1, 1, 0, 0));
    assert_int_equal(s.count, 5);
    assert_int_equal(s.segs[1].start, rfc("2090-03-12T07:00:00Z"));
    tz_span_fill(&s, ny, 0, 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.segs[0].offset, -5 * H);
    tz_span_release(&s);
}

/* ---- POSIX TZ strings ----------------------------------------------------- */

static int32_t footer_offset(const char *footer, int64_t t)
{
    tz_zone *z = zone_from_footer(footer);
    if (!z)
        fail_msg("footer rejected: %s", footer);
    int32_t off = tz_offset_at(z, t);
    tz_zone_free(z);
    return off;
}

static void test_posix_rules(void **state)
{
    (void)state;
    const char *us = "EST5EDT,M3.2.0,M11.1.0";
    assert_int_equal(footer_offset(us, rfc("2027-03-14T06:59:59Z")), -5 * H);
    assert_int_equal(footer_offset(us, rfc("2027-03-14T07:00:00Z")), -4 * H);
    /* No rule given: the US rules, like tzcode and glibc. */
    assert_int_equal(footer_offset("EST5EDT", rfc("2027-03-14T06:59:59Z")), -5 * H);
    assert_int_equal(footer_offset("EST5EDT", rfc("2027-03-14T07:00:00Z")), -4 * H);
    assert_int_equal(footer_offset("EST5EDT", rfc("2027-11-07T05:59:59Z")), -4 * H);
    assert_int_equal(footer_offset("EST5EDT", rfc("2027-11-07T06:00:00Z")), -5 * H);
    assert_int_equal(footer_offset("<+0545>-5:45", 0), 5 * H + 2700);
    assert_int_equal(footer_offset("<-0330>3:30", 0), -(3 * H + 1800));
    assert_int_equal(footer_offset("ABC+1:02:03", 0), -(H + 123));
    /* Explicit DST offset and times: "M10.5.0" is the last Sunday. */
    const char *au = "AEST-10AEDT-11,M10.1.0,M4.1.0/3";
    assert_int_equal(footer_offset(au, rfc("2027-07-01T00:00:00Z")), 10 * H);
    assert_int_equal(footer_offset(au, rfc("2027-01-01T00:00:00Z")), 11 * H);
    const char *eu = "CET-1CEST,M3.5.0,M10.5.0/3";
    assert_int_equal(footer_offset(eu, rfc("2027-03-28T00:59:59Z")), H);
    assert_int_equal(footer_offset(eu, rfc("2027-03-28T01:00:00Z")), 2 * H);
    assert_int_equal(footer_offset(eu, rfc("2027-10-31T00:59:59Z")), 2 * H);
    assert_int_equal(footer_offset(eu, rfc("2027-10-31T01:00:00Z")), H);
    /* Jn ignores Feb 29 (J60 is always March 1); n counts it (59 is
     * March 1 in common years, Feb 29 in leap years). */
    const char *j = "AAA0BBB,J60/0,J300/0", *n = "AAA0BBB,59/0,300/0";
    assert_int_equal(footer_offset(j, utc(2027, 2, 28, 23, 59)), 0);
    assert_int_equal(footer_offset(j, utc(2027, 3, 1, 0, 0)), H);
    assert_int_equal(footer_offset(j, utc(2028, 2, 29, 23, 59)), 0);
    assert_int_equal(footer_offset(j, utc(2028, 3, 1, 0, 0)), H);
    assert_int_equal(footer_offset(n, utc(2027, 2, 28, 23, 59)), 0);
    assert_int_equal(footer_offset(n, utc(2027, 3, 1, 0, 0)), H);
    assert_int_equal(footer_offset(n, utc(2028, 2, 28, 23, 59)), 0);
    assert_int_equal(footer_offset(n, utc(2028, 2, 29, 0, 0)), H);
    /* Extended hours (v3): -1 is 23:00 the day before, 167 a week later. */
    assert_int_equal(footer_offset("AAA0BBB,M3.2.0/-1,M11.1.0", utc(2027, 3, 13, 22, 59)), 0);
    assert_int_equal(footer_offset("AAA0BBB,M3.2.0/-1,M11.1.0", utc(2027, 3, 13, 23, 0)), H);
    assert_int_equal(footer_offset("AAA0BBB,M3.2.0/167,M11.1.0", utc(2027, 3, 20, 22, 59)), 0);
    assert_int_equal(footer_offset("AAA0BBB,M3.2.0/167,M11.1.0", utc(2027, 3, 20, 23, 0)), H);
    /* DST all year (RFC 8536 §3.3.1 example). */
    const char *all = "EST5EDT,0/0,J365/25";
    for (int m = 1; m <= 12; m++)
        assert_int_equal(footer_offset(all, utc(2027, m, 1, 0, 0)), -4 * H);
    assert_int_equal(footer_offset(all, utc(2028, 1, 1, 5, 0)), -4 * H);
    /* Southern hemisphere: DST spans the new year. */
    const char *nz = "NZST-12NZDT,M9.5.0,M4.1.0/3";
    assert_int_equal(footer_offset(nz, rfc("2027-01-01T00:00:00Z")), 13 * H);
    assert_int_equal(footer_offset(nz, rfc("2027-07-01T00:00:00Z")), 12 * H);
}

static void test_posix_rules_rejected(void **state)
{
    (void)state;
    static const char *bad[] = {
        "EST", "E5", "EST25", "<ES>5", "<EST5", "EST5EDT,M13.1.0,M11.1.0",
        "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,M0.2.0,M11.1.0",
        "EST5EDT,J0,J365", "EST5EDT,366,0", "EST5EDT,M3.2.0/168,M11.1.0",
        "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,", "EST5EDT,M3.2.0,M11.1.0x", "EST5:60",
        "EST5EDT,M3.2.0/1:60,M11.1.0", "EST5 EDT", "5EST", "EST5EDT4EXT",
        "EST-5EDT,M3.2.0,M11.1.0,", "EST5EDT,M3..0,M11.1.0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tz_zone *z = zone_from_footer(bad[i]);
        if (z) {
            tz_zone_free(z);
            fail_msg("accepted footer \"%s\"", bad[i]);
        }
    }
}

/* ---- file structure --------------------------------------------------------- */

static void test_versions(void **state)
{
    (void)state;
    const int64_t times[] = {utc(2027, 3, 1, 0, 0), utc(2027, 9, 1, 0, 0)};
    const uint8_t idx[] = {1, 0};
    const int32_t offs[] = {3600, 7200};
    tzif_buf b;
    /* Version 1: 32-bit times, no footer; the last type holds forever. */
    tzif_build(&b, 0, times, idx, 2, offs, 2, NULL);
    tz_zone *z = tz_parse_tzif("v1", b.data, b.len);
    assert_non_null(z);
    assert_string_equal(tz_zone_name(z), "v1");
    assert_int_equal(tz_offset_at(z, utc(2027, 1, 1, 0, 0)), 3600);
    assert_int_equal(tz_offset_at(z, utc(2027, 6, 1, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(z, utc(2099, 6, 1, 0, 0)), 3600);
    tz_zone_free(z);
    for (char v = '2'; v <= '4'; v++) {
        tzif_build(&b, v, times, idx, 2, offs, 2, "AAA-1BBB,M3.5.0,M10.5.0/3");
        z = tz_parse_tzif("v", b.data, b.len);
        assert_non_null(z);
        assert_int_equal(tz_offset_at(z, utc(2027, 6, 1, 0, 0)), 7200);
        assert_int_equal(tz_offset_at(z, utc(2099, 7, 1, 0, 0)), 7200); /* footer */
        assert_int_equal(tz_offset_at(z, utc(2099, 1, 1, 0, 0)), 3600);
        tz_zone_free(z);
    }
    /* An empty footer: the last transition's type holds. */
    tzif_build(&b, '2', times, idx, 2, offs, 2, "");
    z = tz_parse_tzif("empty", b.data, b.len);
    assert_non_null(z);
    assert_int_equal(tz_offset_at(z, utc(2099, 7, 1, 0, 0)), 3600);
    tz_zone_free(z);
}

static void expect_rejected(tzif_buf *b, const char *why)
{
    tz_zone *z = tz_parse_tzif("bad", b->data, b->len);
    if (z) {
        tz_zone_free(z);
        fail_msg("accepted: %s", why);
    }
}

static void test_malformed_structure(void **state)
{
    (void)state;
    const int64_t times[] = {100, 200};
    const uint8_t idx[] = {1, 0}, bad_idx[] = {2, 0};
    const int32_t offs[] = {3600, 7200};
    tzif_buf b;
    tzif_build(&b, '2', times, bad_idx, 2, offs, 2, "UTC0");
    expect_rejected(&b, "type index out of range");
    const int64_t unsorted[] = {200, 100};
    tzif_build(&b, '2', unsorted, idx, 2, offs, 2, "UTC0");
    expect_rejected(&b, "unsorted transitions");
    const int64_t dup[] = {100, 100};
    tzif_build(&b, '2', dup, idx, 2, offs, 2, "UTC0");
    expect_rejected(&b, "repeated transition");
    const int32_t huge[] = {3600, 100000};
    tzif_build(&b, '2', times, idx, 2, huge, 2, "UTC0");
    expect_rejected(&b, "offset beyond 26 hours");
    const int32_t minimum[] = {3600, INT32_MIN};
    tzif_build(&b, '2', times, idx, 2, minimum, 2, "UTC0");
    expect_rejected(&b, "offset -2^31");
    tzif_build(&b, '2', times, idx, 0, offs, 0, "UTC0");
    expect_rejected(&b, "no types");
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    b.data[4] = '1';
    expect_rejected(&b, "version '1'");
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    b.data[0] = 'T' + 1;
    expect_rejected(&b, "bad magic");
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    b.data[b.len - 1] = 'x';
    expect_rejected(&b, "footer without final newline");
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    b.data[b.len - 3] = 0;
    expect_rejected(&b, "NUL in footer");
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    b.data[44 + 6 + 2 + 31] = 1; /* leapcnt of the 64-bit header = 1 */
    expect_rejected(&b, "leap seconds");
    assert_null(tz_parse_tzif("null", NULL, 0));
    assert_null(tz_parse_tzif("empty", (const uint8_t *)"", 0));
    /* Counts far larger than the data. */
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    memset(b.data + 44 + 6 + 2 + 32, 0xff, 4);
    expect_rejected(&b, "timecnt 2^32-1");
    tzif_build(&b, '2', times, idx, 2, offs, 2, "UTC0");
    memset(b.data + 32, 0x7f, 4);
    expect_rejected(&b, "v1 timecnt huge");
}

/* Every truncation of real files fails cleanly; bit flips never crash,
 * and whatever still parses answers queries without faults. */
static void exercise(const tz_zone *z)
{
    tz_offset_at(z, 0);
    tz_offset_at(z, utc(2027, 7, 1, 0, 0));
    tz_offset_at(z, utc(2300, 7, 1, 0, 0));
    tz_offset_at(z, INT64_MIN);
    tz_local_to_utc(z, utc(2027, 3, 14, 2, 30));
    tz_local_to_utc(z, INT64_MAX);
    tz_span s;
    tz_span_init(&s);
    tz_span_fill(&s, z, utc(2026, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0));
    assert_true(s.count >= 1);
    for (size_t i = 1; i < s.count; i++)
        assert_true(s.segs[i].start > s.segs[i - 1].start);
    tz_span_release(&s);
}

static void hostile_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, ZONEINFO "/%s", name);
    size_t len = 0;
    uint8_t *data = read_file(path, &len);
    assert_non_null(data);
    tz_zone *z = tz_parse_tzif(name, data, len);
    assert_non_null(z);
    exercise(z);
    tz_zone_free(z);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = xmalloc(cut ? cut : 1); /* exact size: ASan sees overreads */
        memcpy(copy, data, cut);
        assert_null(tz_parse_tzif(name, copy, cut));
        free(copy);
    }
    uint8_t *copy = xmalloc(len);
    for (size_t pos = 0; pos < len; pos++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, data, len);
            copy[pos] ^= (uint8_t)(1u << bit);
            z = tz_parse_tzif(name, copy, len);
            if (z)
                exercise(z);
            tz_zone_free(z);
        }
    }
    /* Random bytes after a valid-looking header. */
    uint64_t x = 99;
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, data, len);
        for (int k = 0; k < 8; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            copy[(x >> 33) % len] = (uint8_t)(x >> 20);
        }
        z = tz_parse_tzif(name, copy, len);
        if (z)
            exercise(z);
        tz_zone_free(z);
    }
    free(copy);
    free(data);
}

static void test_hostile_input(void **state)
{
    (void)state;
    hostile_file("America/New_York");
    hostile_file("Australia/Lord_Howe");
    hostile_file("America/Nuuk");
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
        cmocka_unit_test(test_known_offsets),
        cmocka_unit_test(test_footer_rules),
        cmocka_unit_test(test_post_2022_changes),
        cmocka_unit_test(test_gap_and_fold),
        cmocka_unit_test(test_span_and_cursor),
        cmocka_unit_test(test_posix_rules),
        cmocka_unit_test(test_posix_rules_rejected),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_malformed_structure),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
