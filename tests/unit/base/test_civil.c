/*
 * test_civil.c — calendar arithmetic and RFC 3339 text (base/civil.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/civil.h"

static int32_t days_of(int y, int m, int d)
{
    return civil_days_from_date((civil_date){y, m, d});
}

static bool parse(const char *s, int64_t *t)
{
    return civil_parse_rfc3339(s, strlen(s), t);
}

static void test_known_days(void **state)
{
    (void)state;
    assert_int_equal(days_of(1970, 1, 1), 0);
    assert_int_equal(days_of(1969, 12, 31), -1);
    assert_int_equal(days_of(2000, 3, 1), 11017);
    assert_int_equal(days_of(2027, 3, 15), 20892);
    assert_int_equal(days_of(1, 1, 1), -719162);
    assert_int_equal(days_of(9999, 12, 31), 2932896);
    assert_int_equal(civil_weekday(0), 4);                   /* Thursday */
    assert_int_equal(civil_weekday(days_of(2027, 3, 15)), 1); /* Monday */
    assert_int_equal(civil_weekday(days_of(2027, 3, 14)), 0); /* Sunday */
    assert_int_equal(civil_weekday(-1), 3);
    assert_int_equal(civil_weekday(days_of(1, 1, 1)), 1);    /* proleptic Monday */
}

/* Every day from 0001-01-01 to 9999-12-31 converts both ways, and dates
 * advance by exactly one day at a time. */
static void test_round_trip_all_days(void **state)
{
    (void)state;
    civil_date prev = civil_date_from_days(days_of(1, 1, 1) - 1);
    assert_int_equal(prev.year, 0);
    assert_int_equal(prev.month, 12);
    assert_int_equal(prev.day, 31);
    for (int32_t d = days_of(1, 1, 1); d <= days_of(9999, 12, 31); d++) {
        civil_date c = civil_date_from_days(d);
        assert_true(civil_date_valid(c.year, c.month, c.day));
        assert_int_equal(civil_days_from_date(c), d);
        bool next_day = c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
        bool next_month = c.year == prev.year && c.month == prev.month + 1 && c.day == 1;
        bool next_year = c.year == prev.year + 1 && c.month == 1 && c.day == 1;
        assert_true(next_day || next_month || next_year);
        prev = c;
    }
    /* Far outside the formatting range the arithmetic still holds. */
    for (int32_t d = INT32_MIN / 2; d < INT32_MAX / 2; d += 9999991)
        assert_int_equal(civil_days_from_date(civil_date_from_days(d)), d);
}

static void test_leap_years(void **state)
{
    (void)state;
    assert_true(civil_date_valid(2024, 2, 29));
    assert_true(civil_date_valid(2000, 2, 29));
    assert_true(civil_date_valid(1600, 2, 29));
    assert_false(civil_date_valid(1900, 2, 29));
    assert_false(civil_date_valid(2100, 2, 29));
    assert_false(civil_date_valid(2027, 2, 29));
    assert_false(civil_date_valid(2027, 4, 31));
    assert_false(civil_date_valid(2027, 13, 1));
    assert_false(civil_date_valid(2027, 0, 1));
    assert_false(civil_date_valid(2027, 1, 0));
    assert_false(civil_date_valid(0, 1, 1));
    assert_false(civil_date_valid(10000, 1, 1));
    assert_int_equal(days_of(2024, 3, 1) - days_of(2024, 2, 28), 2);
    assert_int_equal(days_of(2100, 3, 1) - days_of(2100, 2, 28), 1);
    assert_int_equal(days_of(2001, 1, 1) - days_of(2000, 1, 1), 366);
    assert_int_equal(days_of(2401, 1, 1) - days_of(2001, 1, 1), 146097);
}

static void test_floor_helpers(void **state)
{
    (void)state;
    assert_int_equal(civil_floor_div(7, 2), 3);
    assert_int_equal(civil_floor_div(-7, 2), -4);
    assert_int_equal(civil_floor_div(-8, 2), -4);
    assert_int_equal(civil_floor_div(7, -2), -4);
    assert_int_equal(civil_floor_mod(-1, 86400), 86399);
    assert_int_equal(civil_floor_mod(86400, 86400), 0);
    assert_int_equal(civil_floor_mod(7, -2), -1);
}

static void test_parse_date(void **state)
{
    (void)state;
    int32_t d;
    assert_true(civil_parse_date("2027-03-15", 10, &d));
    assert_int_equal(d, 20892);
    assert_true(civil_parse_date("2024-02-29", 10, &d));
    assert_false(civil_parse_date("2027-02-29", 10, &d));
    assert_false(civil_parse_date("2027-13-01", 10, &d));
    assert_false(civil_parse_date("2027-02-30", 10, &d));
    assert_false(civil_parse_date("2027-3-15", 9, &d));
    assert_false(civil_parse_date("2027-03-15x", 11, &d));
    assert_false(civil_parse_date("2027/03/15", 10, &d));
    assert_false(civil_parse_date("0000-01-01", 10, &d));
    assert_false(civil_parse_date("+027-03-15", 10, &d));
    assert_false(civil_parse_date("2027-03-15", 9, &d));
    char buf[11];
    civil_format_date(20892, buf);
    assert_string_equal(buf, "2027-03-15");
    civil_format_date(days_of(1, 1, 1), buf);
    assert_string_equal(buf, "0001-01-01");
    civil_format_date(INT32_MAX, buf); /* clamped, never overflows */
    assert_string_equal(buf, "9999-12-31");
    civil_format_date(INT32_MIN, buf);
    assert_string_equal(buf, "0001-01-01");
}

static void test_hhmm(void **state)
{
    (void)state;
    int m;
    assert_true(civil_parse_hhmm("09:30", 5, false, &m));
    assert_int_equal(m, 570);
    assert_true(civil_parse_hhmm("00:00", 5, false, &m));
    assert_int_equal(m, 0);
    assert_true(civil_parse_hhmm("23:59", 5, false, &m));
    assert_false(civil_parse_hhmm("24:00", 5, false, &m));
    assert_true(civil_parse_hhmm("24:00", 5, true, &m));
    assert_int_equal(m, 1440);
    assert_false(civil_parse_hhmm("24:01", 5, true, &m));
    assert_false(civil_parse_hhmm("12:60", 5, true, &m));
    assert_false(civil_parse_hhmm("9:30", 4, true, &m));
    assert_false(civil_parse_hhmm("09.30", 5, true, &m));
    assert_false(civil_parse_hhmm("09:3a", 5, true, &m));
    char buf[6];
    civil_format_hhmm(570, buf);
    assert_string_equal(buf, "09:30");
    civil_format_hhmm(1440, buf);
    assert_string_equal(buf, "24:00");
    civil_format_hhmm(0, buf);
    assert_string_equal(buf, "00:00");
    civil_format_hhmm(99999, buf);
    assert_string_equal(buf, "24:00");
}

static void test_parse_rfc3339(void **state)
{
    (void)state;
    int64_t t;
    const int64_t base = (int64_t)20892 * 86400; /* 2027-03-15T00:00Z */
    assert_true(parse("2027-03-15T13:00:00Z", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15t13:00:00z", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15 13:00:00Z", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15T18:30:00+05:30", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15T18:45:00+05:45", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15T09:00:00-04:00", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15T13:00:00-00:00", &t));
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15T13:00:00.999999999Z", &t)); /* truncated */
    assert_int_equal(t, base + 13 * 3600);
    assert_true(parse("2027-03-15T13:00:59.5+00:00", &t));
    assert_int_equal(t, base + 13 * 3600 + 59);
    assert_true(parse("2027-03-15T00:30:00+01:00", &t)); /* previous UTC day */
    assert_int_equal(t, base - 1800);
    assert_true(parse("1969-12-31T23:59:59Z", &t));
    assert_int_equal(t, -1);
    assert_true(parse("0001-01-01T00:00:00Z", &t));
    assert_int_equal(t, INT64_C(-62135596800));
    assert_true(parse("9999-12-31T23:59:59Z", &t));
    assert_int_equal(t, INT64_C(253402300799));
    assert_true(parse("2024-02-29T12:00:00Z", &t));
}

static void test_parse_rfc3339_rejects(void **state)
{
    (void)state;
    static const char *bad[] = {
        "2027-13-15T13:00:00Z", "2027-02-30T13:00:00Z", "2027-02-29T13:00:00Z",
        "2027-03-15T13:00:00", "2027-03-15T13:00Z", "2027-03-15T24:00:00Z",
        "2027-03-15T13:60:00Z", "2027-03-15T13:00:60Z", "2027-03-15T13:00:00+24:00",
        "2027-03-15T13:00:00+05:60", "2027-03-15T13:00:00+0530", "2027-03-15T13:00:00+05",
        "2027-03-15T13:00:00.Z", "2027-03-15T13:00:00ZZ", "2027-03-15T13:00:00Z ",
        " 2027-03-15T13:00:00Z", "2027-03-15X13:00:00Z", "2027-03-15T1:00:00Z",
        "12027-03-15T13:00:00Z", "99999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
        "-001-01-01T00:00:00Z", "2027-03-15", "", "garbage", "2027-03-15T13:00:00+05:30:00",
        "2027-03-15T13:00:00,5Z", "2027-03-15T13:00:00 Z", "２027-03-15T13:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 42;
        if (parse(bad[i], &t))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, 42);
    }
    int64_t t;
    /* Length is honoured: no NUL needed, nothing read beyond len. */
    assert_true(civil_parse_rfc3339("2027-03-15T13:00:00Zjunk", 20, &t));
    assert_false(civil_parse_rfc3339("2027-03-15T13:00:00Z", 19, &t));
    assert_false(civil_parse_rfc3339(NULL, 0, &t));
}

static void check_format(int64_t t, int32_t off, const char *want)
{
    char buf[26];
    memset(buf, 'x', sizeof buf);
    civil_format_rfc3339(t, off, buf);
    assert_string_equal(buf, want);
    int64_t back;
    assert_true(parse(buf, &back));
    assert_int_equal(back, t); /* the text is consistent with its offset */
}

static void test_format_rfc3339(void **state)
{
    (void)state;
    const int64_t t = (int64_t)20892 * 86400 + 13 * 3600; /* 2027-03-15T13:00Z */
    check_format(t, 0, "2027-03-15T13:00:00Z");
    check_format(t, 19800, "2027-03-15T18:30:00+05:30");
    check_format(t, 20700, "2027-03-15T18:45:00+05:45");
    check_format(t, -14400, "2027-03-15T09:00:00-04:00");
    check_format(t, -16200, "2027-03-15T08:30:00-04:30");
    check_format(t, 45900, "2027-03-16T01:45:00+12:45");
    check_format(t, -50400, "2027-03-14T23:00:00-14:00");
    check_format(-1, 0, "1969-12-31T23:59:59Z");
    /* LMT-style offsets: rounded toward zero to whole minutes. */
    check_format(t, -17762, "2027-03-15T08:04:00-04:56");
    check_format(t, 1172, "2027-03-15T13:19:00+00:19");
    check_format(t, 59, "2027-03-15T13:00:00Z");
    char buf[26];
    civil_format_rfc3339(INT64_MAX, 0, buf); /* clamped, never overflows */
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    civil_format_rfc3339(INT64_MIN, 3600, buf);
    assert_string_equal(buf, "0001-01-01T00:00:00+01:00");
}

/* Every quarter hour over two leap cycles, with assorted offsets. */
static void test_format_parse_round_trip(void **state)
{
    (void)state;
    static const int32_t offs[] = {0, 3600, -18000, 19800, 20700, 45900, -34200, 50400};
    char buf[26];
    for (int64_t t = INT64_C(946684800); t < INT64_C(1199145600); t += 900 * 7 + 13) {
        int32_t off = offs[(t / 7) % 8];
        civil_format_rfc3339(t, off, buf);
        int64_t back;
        assert_true(parse(buf, &back));
        assert_int_equal(back, t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_round_trip_all_days),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_floor_helpers),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_hhmm),
        cmocka_unit_test(test_parse_rfc3339),
        cmocka_unit_test(test_parse_rfc3339_rejects),
        cmocka_unit_test(test_format_rfc3339),
        cmocka_unit_test(test_format_parse_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
