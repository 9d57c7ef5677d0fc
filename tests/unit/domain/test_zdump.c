/*
 * test_zdump.c — the zone module against zdump for every zone of the
 * system database, 2026 to 2029 (the range the product cares about) and
 * 2037 to 2040 (where the files' explicit transitions end and the
 * footer's POSIX rule takes over).
 *
 * zdump (glibc's, reading the same files) is the reference:
 *  - `zdump -v -c 2026,2030` prints, for each change, the last second
 *    before it and the first second after it with the offset in force;
 *    tz_offset_at() must agree on every such line, and the instants where
 *    the offset changes must be exactly the changes in our tz_span over
 *    the same years;
 *  - `zdump -i -c 2026,2030` prints the offset in force at the start,
 *    which also covers zones with no change at all in those years.
 * Zones are parsed straight from their files (Factory and posixrules
 * included), so this checks the parser and the rule code, not tzdb.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <unistd.h>

#include "helpers.h"

/* Year ranges [lo, hi) compared, as zdump's -c lo,hi. */
static const int ranges[][2] = {{2026, 2030}, {2037, 2041}};
static int lo_year, hi_year;

typedef struct zline {
    int64_t t;
    int32_t off;
} zline;

typedef struct zrecord {
    const char *name;
    zline *lines;
    size_t count, cap;
    bool have_initial;
    int32_t initial;
} zrecord;

static zone_list zones;
static zrecord *records;

static zrecord *record_of(const char *name)
{
    size_t lo = 0, hi = zones.count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(zones.names[mid], name);
        if (c == 0)
            return &records[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool safe_name(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_+-/", *s))
            return false;
    return true;
}

static FILE *zdump_run(const char *flag)
{
    size_t cap = 64;
    for (size_t i = 0; i < zones.count; i++)
        cap += strlen(zones.names[i]) + 1;
    char *cmd = xmalloc(cap);
    int n = snprintf(cmd, cap, "cd " ZONEINFO " && zdump %s -c %d,%d", flag, lo_year, hi_year);
    for (size_t i = 0; i < zones.count; i++) {
        assert_true(safe_name(zones.names[i]));
        n += snprintf(cmd + n, cap - (size_t)n, " %s", zones.names[i]);
    }
    FILE *p = popen(cmd, "r");
    free(cmd);
    assert_non_null(p);
    return p;
}

static int month_of(const char *m)
{
    static const char *names = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *p = strstr(names, m);
    return p && strlen(m) == 3 ? (int)(p - names) / 3 + 1 : 0;
}

/* "Zone  Sun Mar  8 06:59:59 2026 UT = ... isdst=0 gmtoff=-18000" */
static void parse_verbose_line(char *line)
{
    char name[128], wday[8], mon[8];
    int day, hh, mm, ss, year;
    if (strstr(line, "= NULL"))
        return;
    if (sscanf(line, "%127s %7s %7s %d %d:%d:%d %d UT", name, wday, mon, &day, &hh, &mm, &ss,
               &year) != 8)
        fail_msg("unexpected zdump line: %s", line);
    const char *g = strstr(line, "gmtoff=");
    zrecord *r = record_of(name);
    assert_non_null(g);
    assert_non_null(r);
    assert_true(month_of(mon) > 0);
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->lines = xreallocarray(r->lines, r->cap, sizeof *r->lines);
    }
    r->lines[r->count].t = utc(year, month_of(mon), day, hh, mm) + ss;
    r->lines[r->count].off = (int32_t)strtol(g + 7, NULL, 10);
    r->count++;
}

/* "-\t-\t+0530\tIST" after a TZ="Zone" line: the offset at the start. */
static int32_t parse_hms_offset(const char *s)
{
    int sign = *s == '-' ? -1 : 1;
    s++;
    int v[3] = {0, 0, 0};
    for (int k = 0; k < 3 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]); k++) {
        v[k] = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
    }
    return sign * (v[0] * 3600 + v[1] * 60 + v[2]);
}

static void read_zdump(void)
{
    char line[512];
    FILE *p = zdump_run("-v");
    while (fgets(line, sizeof line, p))
        parse_verbose_line(line);
    assert_int_equal(pclose(p), 0);
    p = zdump_run("-i");
    zrecord *cur = NULL;
    while (fgets(line, sizeof line, p)) {
        if (strncmp(line, "TZ=\"", 4) == 0) {
            char *end = strchr(line + 4, '"');
            assert_non_null(end);
            *end = '\0';
            cur = record_of(line + 4);
            assert_non_null(cur);
        } else if (strncmp(line, "-\t-\t", 4) == 0 && cur && !cur->have_initial) {
            cur->initial = parse_hms_offset(line + 4);
            cur->have_initial = true;
        }
    }
    assert_int_equal(pclose(p), 0);
}

/* One zone: every zdump line, the set of changes, the initial offset. */
static size_t check_zone(const zrecord *r, size_t *changes)
{
    tz_zone *z = zone_file(r->name);
    if (!z)
        fail_msg("%s: our parser rejects a file zdump reads", r->name);
    int64_t lo = utc(lo_year, 1, 1, 0, 0), hi = utc(hi_year, 1, 1, 0, 0);
    for (size_t i = 0; i < r->count; i++)
        if (tz_offset_at(z, r->lines[i].t) != r->lines[i].off)
            fail_msg("%s at %lld: ours %d, zdump %d", r->name, (long long)r->lines[i].t,
                     tz_offset_at(z, r->lines[i].t), r->lines[i].off);
    if (!r->have_initial)
        fail_msg("%s: no initial offset from zdump -i", r->name);
    if (tz_offset_at(z, lo) != r->initial)
        fail_msg("%s: offset at start %d, zdump %d", r->name, tz_offset_at(z, lo), r->initial);
    tz_span s;
    tz_span_init(&s);
    tz_span_fill(&s, z, lo, hi);
    size_t k = 1; /* our next change */
    for (size_t i = 1; i < r->count; i++) {
        const zline *a = &r->lines[i - 1], *b = &r->lines[i];
        if (b->t != a->t + 1 || a->off == b->off)
            continue;
        if (k >= s.count || s.segs[k].start != b->t || s.segs[k].offset != b->off)
            fail_msg("%s: zdump change at %lld not ours", r->name, (long long)b->t);
        k++;
    }
    if (k != s.count)
        fail_msg("%s: we have %zu changes zdump does not", r->name, s.count - k);
    *changes += s.count - 1;
    tz_span_release(&s);
    tz_zone_free(z);
    return r->count;
}

static void compare_years(int lo, int hi)
{
    lo_year = lo;
    hi_year = hi;
    records = xcalloc(zones.count, sizeof *records);
    for (size_t i = 0; i < zones.count; i++)
        records[i].name = zones.names[i];
    read_zdump();
    size_t lines = 0, changes = 0;
    for (size_t i = 0; i < zones.count; i++)
        lines += check_zone(&records[i], &changes);
    print_message("%d-%d: %zu zones, %zu zdump lines, %zu offset changes checked\n", lo, hi - 1,
                  zones.count, lines, changes);
    assert_true(changes > 300);
    for (size_t i = 0; i < zones.count; i++)
        free(records[i].lines);
    free(records);
}

static void test_every_zone_against_zdump(void **state)
{
    (void)state;
    if (system("command -v zdump >/dev/null 2>&1") != 0)
        skip();
    zones = zone_list_all();
    assert_true(zones.count > 300);
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        compare_years(ranges[i][0], ranges[i][1]);
    zone_list_free(&zones);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_zone_against_zdump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
