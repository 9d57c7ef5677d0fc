/*
 * test_tzdb.c — loading and caching zones (service/tzdb.h): name checks
 * before any file access, the cache, a custom folder, and many threads
 * at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/tzdb.h"

static void test_valid_names(void **state)
{
    (void)state;
    static const char *good[] = {
        "America/New_York", "UTC", "Etc/GMT+5", "Etc/GMT-14", "America/Argentina/Buenos_Aires",
        "US/Eastern", "Asia/Kolkata", "America/Port-au-Prince", "GMT0", "EST5EDT",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const tz_zone *z = tzdb_get(good[i]);
        if (!z)
            fail_msg("rejected %s", good[i]);
        assert_string_equal(tz_zone_name(z), good[i]);
        assert_true(tzdb_is_valid(good[i]));
    }
    assert_int_equal(tz_offset_at(tzdb_get("Etc/GMT+5"), 0), -5 * 3600);
}

static void test_rejected_names(void **state)
{
    (void)state;
    char long_name[80];
    memset(long_name, 'A', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    static const char *bad[] = {
        "", "../../etc/passwd", "/etc/passwd", "America/../America/New_York", "America//New_York",
        "America/New_York/", "/America/New_York", "./UTC", "America/New York", "America/New_York\n",
        "posix/America/New_York", "right/UTC", "posix", "right", "posixrules", "localtime",
        "Factory", "zone.tab", "tzdata.zi", "iso3166.tab", "leapseconds", "leap-seconds.list",
        "America", "america/new_york", "Nowhere/Atlantis", "Am\xc3\xa9rica/X", "UTC;rm -rf /",
        "America/New_York%00", "..", ".", "America/*",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tzdb_get(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_false(tzdb_is_valid(bad[i]));
    }
    assert_null(tzdb_get(NULL));
    assert_false(tzdb_is_valid(long_name));
    long_name[64] = '\0'; /* 64 bytes: syntactically fine, no such file */
    assert_null(tzdb_get(long_name));
}

static void test_cache_returns_same_zone(void **state)
{
    (void)state;
    const tz_zone *a = tzdb_get("Europe/London");
    assert_non_null(a);
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(tzdb_get("Europe/London"), a);
    /* An alias is its own entry under its own name. */
    const tz_zone *b = tzdb_get("GB");
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_string_equal(tz_zone_name(b), "GB");
}

/* A folder of our own: a real file, a copy with a broken header, a
 * directory, and an empty file. */
static void test_custom_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/calendula-tzdb-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], cmd[512];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/Test %s/Dir/Sub && cp /usr/share/zoneinfo/Asia/Kolkata %s/Test/Zone && "
             "cp /usr/share/zoneinfo/Asia/Kolkata %s/Test/Broken && "
             "printf 'TZiX' | dd of=%s/Test/Broken conv=notrunc status=none && "
             ": > %s/Test/Empty",
             dir, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    tzdb_init(dir);
    const tz_zone *z = tzdb_get("Test/Zone");
    assert_non_null(z);
    assert_int_equal(tz_offset_at(z, 0), 19800);
    assert_null(tzdb_get("Test/Broken"));
    assert_null(tzdb_get("Test/Empty"));
    assert_null(tzdb_get("Dir"));
    assert_null(tzdb_get("Dir/Sub"));
    assert_null(tzdb_get("America/New_York")); /* not in this folder */
    tzdb_init(NULL); /* back to the system folder */
    assert_non_null(tzdb_get("America/New_York"));
    assert_null(tzdb_get("Test/Zone"));
    snprintf(path, sizeof path, "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

/* ---- many threads -------------------------------------------------------- */

static const char *const thread_zones[] = {
    "America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "Africa/Cairo",
    "America/Sao_Paulo", "Pacific/Auckland", "Asia/Kathmandu", "Europe/Berlin", "UTC",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "Asia/Shanghai", "Asia/Dubai",
    "Europe/Moscow", "Nowhere/Land", "../etc/passwd",
};
#define NZONES (sizeof thread_zones / sizeof thread_zones[0])
#define NTHREADS 8

static void *thread_main(void *arg)
{
    const tz_zone **seen = arg;
    for (int round = 0; round < 200; round++)
        for (size_t i = 0; i < NZONES; i++) {
            const tz_zone *z = tzdb_get(thread_zones[(i + (size_t)round) % NZONES]);
            size_t k = (i + (size_t)round) % NZONES;
            if (z)
                tz_offset_at(z, 1800000000);
            if (round == 0 || !seen[k])
                seen[k] = z;
            else if (seen[k] != z)
                return (void *)1; /* a zone changed identity */
        }
    return NULL;
}

static void test_concurrent_gets(void **state)
{
    (void)state;
    tzdb_init(NULL); /* empty cache: the threads race to fill it */
    pthread_t th[NTHREADS];
    const tz_zone *seen[NTHREADS][NZONES];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, seen[i]), 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *rc;
        assert_int_equal(pthread_join(th[i], &rc), 0);
        assert_null(rc);
    }
    for (size_t k = 0; k < NZONES; k++) {
        for (int i = 1; i < NTHREADS; i++)
            assert_ptr_equal(seen[i][k], seen[0][k]); /* one zone per name */
        assert_true((seen[0][k] != NULL) == (k < NZONES - 2));
    }
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
        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_rejected_names),
        cmocka_unit_test(test_cache_returns_same_zone),
        cmocka_unit_test(test_custom_folder),
        cmocka_unit_test(test_concurrent_gets),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
