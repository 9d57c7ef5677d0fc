/*
 * tz.c — TZif parsing (RFC 8536) and offset lookups; see tz.h.
 *
 * The parser treats its input as hostile: every count is checked against
 * the bytes that remain before anything is read, arithmetic on counts is
 * done in 64 bits, and every field is validated before it is trusted.
 *
 * A parsed zone keeps only what offsets need: the transition instants
 * (dropping those that change only the abbreviation or the DST flag), the
 * offset after each, the offset before the first (time type 0, as RFC 8536
 * §3.2 says) and the footer's POSIX TZ rule for instants at or after the
 * last transition (as glibc does, which is what zdump prints).
 */
#include "domain/tz.h"

#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/xalloc.h"

#define SECS_PER_DAY 86400
#define OFFSET_MIN (-89999) /* -24:59:59, RFC 8536 §3.2 */
#define OFFSET_MAX 93599    /* +25:59:59 */
#define HEADER_LEN 44
/* Footer rules are evaluated on instants clamped to about +-4 million
 * years, so that year arithmetic stays far from int overflow. */
#define RULE_INSTANT_LIMIT (INT64_C(1) << 47)

/* When a POSIX rule changes: a day rule plus seconds of local time. */
typedef struct tz_rule_date {
    char kind;    /* 'J': Julian 1..365 without Feb 29; 'D': 0..365; 'M' */
    int day;      /* J and D forms */
    int month;    /* M form: month 1..12, week 1..5, weekday 0..6 */
    int week;
    int weekday;
    int32_t secs; /* local time of day, -167h..167h (RFC 8536 §3.3.1) */
} tz_rule_date;

typedef struct tz_rule {
    int32_t std_offset; /* seconds east of UTC (POSIX writes them negated) */
    int32_t dst_offset;
    bool has_dst;
    tz_rule_date start, end; /* start of DST (in standard time), end (in DST) */
} tz_rule;

struct tz_zone {
    char *name;
    size_t count;        /* transitions kept */
    int64_t *at;         /* transition instants, strictly increasing */
    int32_t *offset;     /* offset from at[i] on */
    int32_t initial;     /* offset before at[0] */
    bool has_rule;       /* footer present and not empty */
    int64_t rule_from;   /* the rule applies at and after this instant */
    tz_rule rule;
};

/* ---- reading bytes ---------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_header {
    char version; /* 0, '2', '3', ... */
    uint64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static bool header_read(const uint8_t *p, size_t left, tzif_header *h)
{
    if (left < HEADER_LEN || memcmp(p, "TZif", 4) != 0)
        return false;
    h->version = (char)p[4];
    if (h->version != 0 && (h->version < '2' || h->version > '9'))
        return false;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return true;
}

/* Size of the data block after a header; time_size is 4 (v1) or 8. */
static uint64_t block_size(const tzif_header *h, uint64_t time_size)
{
    return h->timecnt * time_size + h->timecnt + h->typecnt * 6 + h->charcnt +
           h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* ---- POSIX TZ strings (footer) ---------------------------------------- */

typedef struct cursor {
    const char *p, *end;
} cursor;

static bool at_end(const cursor *c)
{
    return c->p >= c->end;
}

static int peek(const cursor *c)
{
    return at_end(c) ? -1 : (unsigned char)*c->p;
}

/* Consumes ch if it is next. */
static bool expect(cursor *c, int ch)
{
    if (peek(c) != ch)
        return false;
    c->p++;
    return true;
}

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Reads 1..max_digits digits into a value not above max. */
static bool read_num(cursor *c, int max_digits, int max, int *out)
{
    int v = 0, n = 0;
    while (n < max_digits && is_digit(peek(c))) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    if (n == 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* Zone abbreviation: 3+ letters, or "<...>" of 3+ letters, digits, + or -. */
static bool read_abbr(cursor *c)
{
    int n = 0;
    if (peek(c) == '<') {
        c->p++;
        while (!at_end(c) && *c->p != '>') {
            int ch = (unsigned char)*c->p;
            if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-')
                return false;
            c->p++;
            n++;
        }
        if (at_end(c))
            return false;
        c->p++;
        return n >= 3;
    }
    while (is_alpha(peek(c))) {
        c->p++;
        n++;
    }
    return n >= 3;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours, into signed seconds. */
static bool read_hms(cursor *c, int max_hours, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (expect(c, '-'))
        sign = -1;
    else
        expect(c, '+');
    if (!read_num(c, 3, max_hours, &h))
        return false;
    if (expect(c, ':')) {
        if (!read_num(c, 2, 59, &m))
            return false;
        if (expect(c, ':') && !read_num(c, 2, 59, &s))
            return false;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

/* "Jn" (1..365, Feb 29 never counted), "n" (0..365) or "Mm.w.d", then an
 * optional "/time" (default 02:00:00). */
static bool read_rule_date(cursor *c, tz_rule_date *d)
{
    memset(d, 0, sizeof *d);
    d->secs = 7200;
    bool ok;
    if (expect(c, 'J')) {
        d->kind = 'J';
        ok = read_num(c, 3, 365, &d->day) && d->day >= 1;
    } else if (expect(c, 'M')) {
        d->kind = 'M';
        ok = read_num(c, 2, 12, &d->month) && d->month >= 1 && expect(c, '.') &&
             read_num(c, 1, 5, &d->week) && d->week >= 1 && expect(c, '.') &&
             read_num(c, 1, 6, &d->weekday);
    } else {
        d->kind = 'D';
        ok = read_num(c, 3, 365, &d->day);
    }
    if (ok && expect(c, '/'))
        ok = read_hms(c, 167, &d->secs);
    return ok;
}

/* Parses a whole POSIX TZ string (RFC 8536 §3.3, with §3.3.1 extensions). */
static bool rule_parse(const char *s, size_t len, tz_rule *r)
{
    cursor c = {s, s + len};
    int32_t posix;
    memset(r, 0, sizeof *r);
    if (!read_abbr(&c) || !read_hms(&c, 24, &posix))
        return false;
    r->std_offset = -posix;
    if (at_end(&c))
        return true;
    if (!read_abbr(&c))
        return false;
    r->has_dst = true;
    r->dst_offset = r->std_offset + 3600;
    if (!at_end(&c) && peek(&c) != ',') {
        if (!read_hms(&c, 24, &posix))
            return false;
        r->dst_offset = -posix;
    }
    if (at_end(&c)) {
        /* No rule given: POSIX leaves it to the implementation; tzcode
         * and glibc use the US rules, and so do we. */
        r->start = (tz_rule_date){'M', 0, 3, 2, 0, 7200};
        r->end = (tz_rule_date){'M', 0, 11, 1, 0, 7200};
        return true;
    }
    if (!expect(&c, ',') || !read_rule_date(&c, &r->start))
        return false;
    if (!expect(&c, ',') || !read_rule_date(&c, &r->end))
        return false;
    return at_end(&c);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Civil day number on which rule date d falls in year y. */
static int64_t rule_day(const tz_rule_date *d, int y)
{
    int64_t jan1 = civil_days_from_date((civil_date){y, 1, 1});
    if (d->kind == 'J')
        return jan1 + d->day - 1 + (is_leap(y) && d->day >= 60);
    if (d->kind == 'D')
        return jan1 + d->day;
    int64_t first = civil_days_from_date((civil_date){y, d->month, 1});
    int64_t day = first + civil_floor_mod(d->weekday - civil_weekday((int32_t)first), 7);
    day += 7 * (d->week - 1);
    int64_t next = civil_days_from_date(
        (civil_date){d->month == 12 ? y + 1 : y, d->month == 12 ? 1 : d->month + 1, 1});
    while (day >= next)
        day -= 7;
    return day;
}

/* A change of the rule: at `at`, DST starts (dst true) or ends. */
typedef struct rule_event {
    int64_t at;
    bool dst;
} rule_event;

/* The two events of year y (start of DST, end of DST). */
static void rule_year(const tz_rule *r, int y, rule_event ev[2])
{
    ev[0].at = rule_day(&r->start, y) * SECS_PER_DAY + r->start.secs - r->std_offset;
    ev[0].dst = true;
    ev[1].at = rule_day(&r->end, y) * SECS_PER_DAY + r->end.secs - r->dst_offset;
    ev[1].dst = false;
}

/* Orders events by time; at equal times the end of DST comes first, so a
 * rule that ends DST exactly when it restarts it means DST all year. */
static bool event_before(const rule_event *a, const rule_event *b)
{
    return a->at < b->at || (a->at == b->at && !a->dst && b->dst);
}

static void events_sort(rule_event *ev, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        rule_event x = ev[i];
        size_t j = i;
        while (j > 0 && event_before(&x, &ev[j - 1])) {
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = x;
    }
}

static int64_t clamp_instant(int64_t t)
{
    if (t > RULE_INSTANT_LIMIT)
        return RULE_INSTANT_LIMIT;
    if (t < -RULE_INSTANT_LIMIT)
        return -RULE_INSTANT_LIMIT;
    return t;
}

static int year_of(int64_t t)
{
    return civil_date_from_days((int32_t)civil_floor_div(t, SECS_PER_DAY)).year;
}

static int32_t rule_offset_at(const tz_rule *r, int64_t instant)
{
    if (!r->has_dst)
        return r->std_offset;
    int64_t t = clamp_instant(instant);
    int y = year_of(t + r->std_offset);
    rule_event ev[6];
    for (int k = 0; k < 3; k++)
        rule_year(r, y - 1 + k, ev + 2 * k);
    events_sort(ev, 6);
    bool dst = false; /* always replaced: last year's events precede t */
    for (size_t k = 0; k < 6 && ev[k].at <= t; k++)
        dst = ev[k].dst;
    return dst ? r->dst_offset : r->std_offset;
}

/* ---- parsing the TZif file -------------------------------------------- */

typedef struct tzif_block {
    const uint8_t *times, *idx, *types;
    uint64_t time_size;
} tzif_block;

/* Transition time i of a block (32-bit in version 1 data). */
static int64_t block_time(const tzif_block *b, uint64_t i)
{
    return b->time_size == 8 ? be64(b->times + 8 * i) : (int32_t)be32(b->times + 4 * i);
}

/* Checks the counts and fields of a data block; false if malformed. */
static bool block_check(const tzif_header *h, const tzif_block *b)
{
    if (h->typecnt < 1 || h->typecnt > 256 || h->charcnt < 1 || h->leapcnt != 0)
        return false;
    if ((h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt))
        return false;
    for (uint64_t i = 0; i < h->typecnt; i++) {
        const uint8_t *t = b->types + 6 * i;
        int32_t off = (int32_t)be32(t);
        if (off < OFFSET_MIN || off > OFFSET_MAX || t[4] > 1 || t[5] >= h->charcnt)
            return false;
    }
    for (uint64_t i = 0; i < h->timecnt; i++) {
        if (b->idx[i] >= h->typecnt)
            return false;
        if (i > 0 && block_time(b, i) <= block_time(b, i - 1))
            return false; /* RFC 8536: strictly ascending */
    }
    return true;
}

/* Copies the transitions of a checked block into z, dropping the ones
 * that do not change the offset. */
static void block_load(tz_zone *z, const tzif_header *h, const tzif_block *b)
{
    z->initial = (int32_t)be32(b->types);
    z->at = xreallocarray(NULL, h->timecnt, sizeof *z->at);
    z->offset = xreallocarray(NULL, h->timecnt, sizeof *z->offset);
    z->count = 0;
    int32_t prev = z->initial;
    for (uint64_t i = 0; i < h->timecnt; i++) {
        int64_t at = block_time(b, i);
        int32_t off = (int32_t)be32(b->types + 6 * (uint64_t)b->idx[i]);
        z->rule_from = at;
        if (off == prev)
            continue;
        z->at[z->count] = at;
        z->offset[z->count] = off;
        z->count++;
        prev = off;
    }
}

/* Reads the footer "\nTZ\n" at p; false if malformed. */
static bool footer_read(tz_zone *z, const uint8_t *p, size_t left)
{
    if (left < 2 || p[0] != '\n')
        return false;
    const uint8_t *nl = memchr(p + 1, '\n', left - 1);
    if (!nl)
        return false;
    size_t len = (size_t)(nl - (p + 1));
    for (size_t i = 0; i < len; i++)
        if (p[1 + i] < 0x20 || p[1 + i] > 0x7e)
            return false;
    if (len == 0)
        return true;
    if (!rule_parse((const char *)p + 1, len, &z->rule))
        return false;
    if (z->rule.std_offset < OFFSET_MIN || z->rule.std_offset > OFFSET_MAX ||
        z->rule.dst_offset < OFFSET_MIN || z->rule.dst_offset > OFFSET_MAX)
        return false;
    z->has_rule = true;
    return true;
}

static tz_zone *zone_new(const char *name)
{
    tz_zone *z = xcalloc(1, sizeof *z);
    z->name = xstrdup(name ? name : "");
    z->rule_from = INT64_MIN;
    return z;
}

tz_zone *tz_parse_tzif(const char *name, const uint8_t *data, size_t len)
{
    tzif_header h;
    if (!data || !header_read(data, len, &h))
        return NULL;
    uint64_t pos = HEADER_LEN, time_size = 4;
    if (h.version != 0) {
        /* Skip the 32-bit block; the 64-bit header and block follow. */
        pos += block_size(&h, 4);
        if (pos > len || !header_read(data + pos, len - pos, &h))
            return NULL;
        pos += HEADER_LEN;
        time_size = 8;
    }
    uint64_t size = block_size(&h, time_size);
    if (size > len - pos)
        return NULL;
    tzif_block b;
    b.time_size = time_size;
    b.times = data + pos;
    b.idx = b.times + h.timecnt * time_size;
    b.types = b.idx + h.timecnt;
    if (!block_check(&h, &b))
        return NULL;
    tz_zone *z = zone_new(name);
    block_load(z, &h, &b);
    pos += size;
    if (time_size == 8 && !footer_read(z, data + pos, len - pos)) {
        tz_zone_free(z);
        return NULL;
    }
    return z;
}

void tz_zone_free(tz_zone *zone)
{
    if (!zone)
        return;
    free(zone->name);
    free(zone->at);
    free(zone->offset);
    free(zone);
}

const char *tz_zone_name(const tz_zone *zone)
{
    return zone->name;
}

/* Index of the last kept transition at or before t, or -1. */
static ptrdiff_t transition_index(const tz_zone *z, int64_t t)
{
    size_t lo = 0, hi = z->count; /* answer is lo - 1 */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

static bool rule_applies(const tz_zone *z, int64_t t)
{
    return z->has_rule && t >= z->rule_from;
}

int32_t tz_offset_at(const tz_zone *zone, int64_t instant)
{
    if (rule_applies(zone, instant))
        return rule_offset_at(&zone->rule, instant);
    ptrdiff_t i = transition_index(zone, instant);
    return i < 0 ? zone->initial : zone->offset[i];
}

/* ---- spans -------------------------------------------------------------- */

void tz_span_init(tz_span *span)
{
    memset(span, 0, sizeof *span);
}

void tz_span_release(tz_span *span)
{
    free(span->segs);
    tz_span_init(span);
}

/* Appends a segment; equal starts replace, equal offsets extend. */
static void span_push(tz_span *s, int64_t at, int32_t offset)
{
    if (s->count > 0 && s->segs[s->count - 1].start == at) {
        s->segs[s->count - 1].offset = offset;
        if (s->count > 1 && s->segs[s->count - 2].offset == offset)
            s->count--;
        return;
    }
    if (s->count > 0 && s->segs[s->count - 1].offset == offset)
        return;
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->segs = xreallocarray(s->segs, s->cap, sizeof *s->segs);
    }
    s->segs[s->count].start = at;
    s->segs[s->count].offset = offset;
    s->count++;
}

/* Appends the rule's changes strictly inside (from, to). */
static void span_rule(tz_span *s, const tz_rule *r, int64_t from, int64_t to)
{
    if (!r->has_dst)
        return;
    int y0 = year_of(clamp_instant(from)) - 1;
    int y1 = year_of(clamp_instant(to)) + 1;
    size_t n = (size_t)(y1 - y0 + 1) * 2;
    rule_event small[16];
    rule_event *ev = n <= 16 ? small : xreallocarray(NULL, n, sizeof *ev);
    for (int y = y0; y <= y1; y++)
        rule_year(r, y, ev + 2 * (size_t)(y - y0));
    events_sort(ev, n);
    for (size_t k = 0; k < n; k++)
        if (ev[k].at > from && ev[k].at < to)
            span_push(s, ev[k].at, ev[k].dst ? r->dst_offset : r->std_offset);
    if (ev != small)
        free(ev);
}

void tz_span_fill(tz_span *span, const tz_zone *zone, int64_t from, int64_t to)
{
    if (to <= from)
        to = from == INT64_MAX ? from : from + 1;
    span->count = 0;
    span->from = from;
    span->to = to;
    span_push(span, from, tz_offset_at(zone, from));
    for (size_t i = (size_t)(transition_index(zone, from) + 1); i < zone->count; i++) {
        if (zone->at[i] >= to || rule_applies(zone, zone->at[i]))
            break;
        span_push(span, zone->at[i], zone->offset[i]);
    }
    if (zone->has_rule && to > zone->rule_from) {
        int64_t start = from > zone->rule_from ? from : zone->rule_from;
        if (start > from)
            span_push(span, start, rule_offset_at(&zone->rule, start));
        span_rule(span, &zone->rule, start, to);
    }
    span->min_offset = span->max_offset = span->segs[0].offset;
    for (size_t i = 1; i < span->count; i++) {
        if (span->segs[i].offset < span->min_offset)
            span->min_offset = span->segs[i].offset;
        if (span->segs[i].offset > span->max_offset)
            span->max_offset = span->segs[i].offset;
    }
}

int32_t tz_span_offset_at(const tz_span *span, int64_t instant)
{
    size_t lo = 1, hi = span->count; /* first segment starting after instant */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (span->segs[mid].start <= instant)
            lo = mid + 1;
        else
            hi = mid;
    }
    return span->segs[lo - 1].offset;
}

int64_t tz_local_to_utc(const tz_zone *zone, int64_t local)
{
    /* Offsets stay within +-26 h, so two days either side hold every
     * instant whose wall clock can read `local`. */
    const int64_t margin = 2 * SECS_PER_DAY;
    int64_t l = clamp_instant(local);
    tz_span span;
    tz_span_init(&span);
    tz_span_fill(&span, zone, l - margin, l + margin);
    tz_cursor c;
    tz_cursor_init(&c, &span);
    int32_t off;
    int64_t t = tz_cursor_resolve(&c, l, &off);
    tz_span_release(&span);
    return t;
}

int64_t tz_wall_to_utc(const tz_zone *zone, int32_t day, int minute)
{
    return tz_local_to_utc(zone, (int64_t)day * SECS_PER_DAY + (int64_t)minute * 60);
}
