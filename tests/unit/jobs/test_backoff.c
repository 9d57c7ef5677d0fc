/* test_backoff.c — retry waits, the retry/dead decision and reminder timing (pure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/backoff.h"
#include "jobs/reminders.h"

static void test_backoff_doubles_up_to_the_cap(void **state)
{
    (void)state;
    /* rnd = 0 gives the low end d/2 (rounded up), rnd = UINT32_MAX something in [d/2, d]. */
    assert_int_equal(jobs_backoff(1, 30, 3600, 0), 15);
    assert_int_equal(jobs_backoff(2, 30, 3600, 0), 30);
    assert_int_equal(jobs_backoff(3, 30, 3600, 0), 60);
    assert_int_equal(jobs_backoff(8, 30, 3600, 0), 1800); /* 30*128 = 3840 > cap → 3600 */
    assert_int_equal(jobs_backoff(60, 30, 3600, 0), 1800);
    assert_int_equal(jobs_backoff(1000, 30, 3600, 0), 1800); /* no overflow */
    for (int attempt = 1; attempt < 40; attempt++) {
        int64_t d = 30;
        for (int i = 1; i < attempt && d < 3600; i++)
            d *= 2;
        if (d > 3600)
            d = 3600;
        for (uint32_t r = 0; r < 5000; r += 7) {
            int64_t w = jobs_backoff(attempt, 30, 3600, r * 2654435761u);
            assert_true(w >= (d + 1) / 2 && w <= d);
        }
    }
}

static void test_backoff_has_jitter(void **state)
{
    (void)state;
    int64_t lo = INT64_MAX, hi = 0;
    for (uint32_t r = 0; r < 1000; r++) {
        int64_t w = jobs_backoff(5, 10, 3600, r);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    assert_int_equal(lo, 80);  /* d = 160 */
    assert_int_equal(hi, 160);
    assert_int_equal(jobs_backoff(1, 1, 1, 12345), 1); /* never 0 */
}

static void test_plan(void **state)
{
    (void)state;
    jobs_retry_plan p = jobs_plan_retry(1, 3, false, 10, 100, 1000, 0);
    assert_false(p.dead);
    assert_int_equal(p.available_at, 1005);
    p = jobs_plan_retry(3, 3, false, 10, 100, 1000, 0); /* the last attempt failed */
    assert_true(p.dead);
    p = jobs_plan_retry(1, 3, true, 10, 100, 1000, 0); /* permanent: dead at once */
    assert_true(p.dead);
}

static void test_reminders_due(void **state)
{
    (void)state;
    const int64_t start = 1900000000;
    int mins[] = {60, 1440, 15};
    jobs_reminder out[3];
    /* Booked a week ahead: all three, earliest first. */
    size_t n = jobs_reminders_due(start, mins, 3, start - 7 * 86400, out);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].minutes_before, 1440);
    assert_int_equal(out[0].due_at, start - 86400);
    assert_int_equal(out[1].minutes_before, 60);
    assert_int_equal(out[1].due_at, start - 3600);
    assert_int_equal(out[2].due_at, start - 900);
    /* Booked 2 hours ahead: no 24-hour reminder. */
    n = jobs_reminders_due(start, mins, 3, start - 7200, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].minutes_before, 60);
    /* Exactly one hour ahead: the 1-hour reminder would be due now: skipped. */
    n = jobs_reminders_due(start, mins, 3, start - 3600, out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].minutes_before, 15);
    /* Already started, or nothing configured. */
    assert_int_equal(jobs_reminders_due(start, mins, 3, start, out), 0);
    assert_int_equal(jobs_reminders_due(start, mins, 0, 0, out), 0);
    int odd[] = {0, -5};
    assert_int_equal(jobs_reminders_due(start, odd, 2, 0, out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_up_to_the_cap),
        cmocka_unit_test(test_backoff_has_jitter),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_reminders_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
