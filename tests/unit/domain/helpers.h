/*
 * helpers.h — small shared helpers for the domain tests: dates, zones
 * from the system database, a TZif builder and a zone-folder walker.
 * Include after <cmocka.h>.
 */
#ifndef CALENDULA_TESTS_DOMAIN_HELPERS_H
#define CALENDULA_TESTS_DOMAIN_HELPERS_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/xalloc.h"
#include "domain/tz.h"
#include "service/tzdb.h"

#define ZONEINFO "/usr/share/zoneinfo"

static inline int32_t day_of(int y, int m, int d)
{
    return civil_days_from_date((civil_date){y, m, d});
}

/* Instant of y-m-d hh:mm UTC. */
static inline int64_t utc(int y, int m, int d, int hh, int mm)
{
    return (int64_t)day_of(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static inline int64_t rfc(const char *s)
{
    int64_t t;
    if (!civil_parse_rfc3339(s, strlen(s), &t))
        fail_msg("bad RFC 3339 in test: %s", s);
    return t;
}

static inline const tz_zone *zone(const char *name)
{
    const tz_zone *z = tzdb_get(name);
    if (!z)
        fail_msg("zone %s not available", name);
    return z;
}

/* ---- building TZif files ------------------------------------------------ */

typedef struct tzif_buf {
    uint8_t data[4096];
    size_t len;
} tzif_buf;

static inline void put_be32(tzif_buf *b, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

static inline void put_be64(tzif_buf *b, int64_t v)
{
    put_be32(b, (uint32_t)((uint64_t)v >> 32));
    put_be32(b, (uint32_t)v);
}

static inline void put_header(tzif_buf *b, char version, uint32_t timecnt, uint32_t typecnt,
                              uint32_t charcnt)
{
    memcpy(b->data + b->len, "TZif", 4);
    b->len += 4;
    b->data[b->len++] = (uint8_t)version;
    memset(b->data + b->len, 0, 15);
    b->len += 15;
    put_be32(b, 0);       /* isutcnt */
    put_be32(b, 0);       /* isstdcnt */
    put_be32(b, 0);       /* leapcnt */
    put_be32(b, timecnt);
    put_be32(b, typecnt);
    put_be32(b, charcnt);
}

/*
 * A TZif file with the given transitions (times[i] switches to type
 * idx[i]), types (offsets; isdst 0; abbreviation "X") and footer (NULL for
 * a version 1 file). Version 2+ files carry an empty v1 block.
 */
static inline void tzif_build(tzif_buf *b, char version, const int64_t *times,
                              const uint8_t *idx, uint32_t n, const int32_t *offs,
                              uint32_t ntypes, const char *footer)
{
    b->len = 0;
    bool v1 = version == 0;
    put_header(b, version, v1 ? n : 0, v1 ? ntypes : 1, 2);
    if (!v1) {
        put_be32(b, 0); /* one type: offset 0, isdst 0, abbr 0 */
        b->data[b->len++] = 0;
        b->data[b->len++] = 0;
        b->data[b->len++] = 'X';
        b->data[b->len++] = 0;
        put_header(b, version, n, ntypes, 2);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (v1)
            put_be32(b, (uint32_t)(int32_t)times[i]);
        else
            put_be64(b, times[i]);
    }
    for (uint32_t i = 0; i < n; i++)
        b->data[b->len++] = idx[i];
    for (uint32_t i = 0; i < ntypes; i++) {
        put_be32(b, (uint32_t)offs[i]);
        b->data[b->len++] = 0;
        b->data[b->len++] = 0;
    }
    b->data[b->len++] = 'X';
    b->data[b->len++] = 0;
    if (!v1) {
        size_t fl = strlen(footer);
        b->data[b->len++] = '\n';
        memcpy(b->data + b->len, footer, fl);
        b->len += fl;
        b->data[b->len++] = '\n';
    }
}

/* A zone with no transitions, offset 0 before, and the given footer. */
static inline tz_zone *zone_from_footer(const char *footer)
{
    tzif_buf b;
    int32_t off = 0;
    tzif_build(&b, '3', NULL, NULL, 0, &off, 1, footer);
    return tz_parse_tzif(footer, b.data, b.len);
}

static inline uint8_t *read_file(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = xmalloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* ---- every zone of the system database ---------------------------------- */

typedef struct zone_list {
    char **names;
    size_t count, cap;
} zone_list;

static zone_list walk_list;
static size_t walk_prefix;

static inline int walk_visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)f;
    const char *name = path + walk_prefix;
    if (type == FTW_D && (strcmp(name, "posix") == 0 || strcmp(name, "right") == 0))
        return FTW_SKIP_SUBTREE;
    if (type != FTW_F || strcmp(name, "localtime") == 0)
        return FTW_CONTINUE;
    FILE *fp = fopen(path, "rb");
    char magic[4] = {0};
    if (fp) {
        if (fread(magic, 1, 4, fp) != 4)
            magic[0] = 0;
        fclose(fp);
    }
    if (memcmp(magic, "TZif", 4) != 0)
        return FTW_CONTINUE;
    if (walk_list.count == walk_list.cap) {
        walk_list.cap = walk_list.cap ? walk_list.cap * 2 : 1024;
        walk_list.names = xreallocarray(walk_list.names, walk_list.cap, sizeof(char *));
    }
    walk_list.names[walk_list.count++] = xstrdup(name);
    return FTW_CONTINUE;
}

static inline int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every TZif file under ZONEINFO except posix/, right/ and localtime:
 * the names zdump accepts. Sorted. Free with zone_list_free(). */
static inline zone_list zone_list_all(void)
{
    memset(&walk_list, 0, sizeof walk_list);
    walk_prefix = strlen(ZONEINFO) + 1;
    nftw(ZONEINFO, walk_visit, 32, FTW_ACTIONRETVAL);
    qsort(walk_list.names, walk_list.count, sizeof(char *), name_cmp);
    return walk_list;
}

static inline void zone_list_free(zone_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

/* Parses ZONEINFO/name directly (also Factory, posixrules). */
static inline tz_zone *zone_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ZONEINFO, name);
    size_t len = 0;
    uint8_t *data = read_file(path, &len);
    if (!data)
        return NULL;
    tz_zone *z = tz_parse_tzif(name, data, len);
    free(data);
    return z;
}

#endif
