/*
 * slots.c — the slot engine; the rules are in slots.h.
 *
 * One computation, in order:
 *  1. Bound the starts: [lo, hi) is where the viewer's dates, the notice
 *     and the booking window allow a start (instants, exact to the second).
 *  2. Per host, once: the zone's offsets over the range (tz_span), the
 *     working windows of every host-local day that can matter, resolved to
 *     instants; the "blocked" set of starts that would overlap a booking or
 *     busy interval (each busy [b0, b1) forbids the starts s with
 *     s - before < b1 and b0 < s + duration + after, i.e. the interval
 *     [b0 - duration - after + 1, b1 + before)); per-day booking counts and
 *     group seats when the meeting needs them.
 *  3. Step starts through the working time and sweep every check with
 *     forward-only cursors: no time-zone search, no allocation per slot.
 *  4. Keep the starts whose viewer-local date is in the query, and record
 *     the viewer's offset.
 *
 * Stepping: starts are wall-clock times on the clock of the host whose
 * hours are being walked, the window's start plus k * interval, each
 * resolved like a window edge (a time in a gap becomes the first instant
 * after the gap, a time in a fold its earlier instant); when two resolve
 * to the same instant the start is offered once. So 09:00 stays 09:00 and
 * a start that does not exist is never offered. Each host-local day's
 * windows are merged where they overlap or touch, but never with another
 * day's: a meeting lies inside one day's working hours.
 *
 * Hosts: one-on-one and group use exactly one host. Collective walks the
 * intersection of all hosts' working time on the first host's clock and
 * asks every host; round robin walks each host's own hours and merges the
 * starts, setting a bit per host that can take it.
 *
 * Group seats and the daily limit: bookings of the same type at exactly
 * the start use seats; a day's count is its number of distinct sessions,
 * and a day at its limit still offers the free seats of its sessions
 * (joining one adds no session).
 */
#include "domain/slots.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/xalloc.h"
#include "domain/interval.h"

#define DAY 86400
/* Spans reach this far beyond the query so every needed wall time is in. */
#define SPAN_MARGIN (6 * DAY)
/* Busy intervals are clamped to [lo - FAR, hi + FAR]: far enough that the
 * clamp changes no answer (duration and buffers are at most 7 days each),
 * near enough that arithmetic on them cannot overflow. */
#define FAR (30 * DAY)
#define MAX_MINUTES (7 * 1440) /* duration, buffers and interval */
#define MAX_RANGE_DAYS 3660
#define INSTANT_MIN INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define INSTANT_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define DAYS_MIN (-719162)
#define DAYS_MAX 2932896

/* Same-type bookings sharing one start: a group session. */
typedef struct session {
    int64_t start;
    int seats;    /* seats taken at this start */
    int bookings; /* bookings at this start */
} session;

typedef struct host_ctx {
    const slots_host *host;
    tz_span own_span;   /* filled when the zone is not the viewer's */
    const tz_span *span;
    tz_cursor at;       /* offset of candidate starts (monotone) */
    interval_set work;  /* working windows as instants, by day */
    interval_set blocked; /* forbidden starts, normalized */
    size_t bpos;
    interval *week;     /* weekly windows, keyed day * 2000 + minute */
    size_t nweek;
    const slots_override **day_override; /* per day of [day0, day0 + ndays) */
    session *sessions;  /* sorted by start */
    size_t nsessions, spos;
    int *per_day;       /* bookings (group: sessions) per local day */
    int32_t day0;
    size_t ndays;
} host_ctx;

typedef struct engine {
    const slots_meeting *m;
    const slots_query *q;
    int64_t dur, step, before, after;
    int64_t lo, hi; /* allowed starts */
    tz_span viewer;
    host_ctx *hosts;
    size_t nhosts;
} engine;

/* ---- validation -------------------------------------------------------
 *
 * SLOTS_EINVAL, with nothing appended, for: NULL arguments or zones; no
 * hosts or more than SLOTS_MAX_HOSTS; one-on-one or group with other than
 * exactly one host; an unknown kind; duration or interval outside
 * 1..10080 minutes, buffers outside 0..10080, negative notice or daily
 * limit, window_days < 1, seats < 1; a rule or override window with
 * day_of_week outside 0..6, minutes outside 0..1440 or start >= end;
 * `now` outside the years 0001..9999; first_day > last_day, days outside
 * 0001-01-01..9999-12-31, or a range longer than MAX_RANGE_DAYS. These
 * bounds keep every sum of instants and minutes far from overflow.
 */

static bool window_ok(int start, int end)
{
    return start >= 0 && end <= 1440 && start < end;
}

static bool host_ok(const slots_host *h)
{
    if (!h->zone || (h->nrules && !h->rules) || (h->noverrides && !h->overrides) ||
        (h->nbookings && !h->bookings) || (h->nbusy && !h->busy))
        return false;
    for (size_t i = 0; i < h->nrules; i++)
        if (h->rules[i].day_of_week < 0 || h->rules[i].day_of_week > 6 ||
            !window_ok(h->rules[i].start_minute, h->rules[i].end_minute))
            return false;
    for (size_t i = 0; i < h->noverrides; i++) {
        const slots_override *o = &h->overrides[i];
        if (o->nwindows && !o->windows)
            return false;
        for (size_t k = 0; k < o->nwindows; k++)
            if (!window_ok(o->windows[k].start_minute, o->windows[k].end_minute))
                return false;
    }
    return true;
}

static bool meeting_ok(const slots_meeting *m, size_t nhosts)
{
    if ((int)m->kind < (int)SLOTS_ONE_ON_ONE || (int)m->kind > (int)SLOTS_ROUND_ROBIN)
        return false;
    if ((m->kind == SLOTS_ONE_ON_ONE || m->kind == SLOTS_GROUP) && nhosts != 1)
        return false;
    return m->duration_minutes > 0 && m->duration_minutes <= MAX_MINUTES &&
           m->buffer_before_minutes >= 0 && m->buffer_before_minutes <= MAX_MINUTES &&
           m->buffer_after_minutes >= 0 && m->buffer_after_minutes <= MAX_MINUTES &&
           m->interval_minutes > 0 && m->interval_minutes <= MAX_MINUTES &&
           m->min_notice_minutes >= 0 && m->window_days > 0 &&
           m->max_bookings_per_day >= 0 && m->seats >= 1;
}

static bool query_ok(const slots_query *q)
{
    return q->viewer_zone && q->now >= INSTANT_MIN && q->now <= INSTANT_MAX &&
           q->first_day >= DAYS_MIN && q->last_day <= DAYS_MAX && q->first_day <= q->last_day &&
           q->last_day - q->first_day <= MAX_RANGE_DAYS;
}

/* ---- output ------------------------------------------------------------- */

static void result_reserve(slots_result *r, size_t n)
{
    if (n <= r->cap - r->count)
        return;
    size_t cap = r->cap ? r->cap : 32;
    while (cap - r->count < n)
        cap *= 2;
    r->slots = xreallocarray(r->slots, cap, sizeof *r->slots);
    r->cap = cap;
}

static void result_push(slots_result *r, int64_t start, int64_t end, int seats, uint64_t mask)
{
    if (r->count == r->cap)
        result_reserve(r, 1);
    slots_slot *s = &r->slots[r->count++];
    s->start = start;
    s->end = end;
    s->viewer_offset = 0;
    s->seats_remaining = seats;
    s->host_mask = mask;
}

void slots_result_release(slots_result *r)
{
    free(r->slots);
    memset(r, 0, sizeof *r);
}

/* ---- per-host preparation ----------------------------------------------- */

/* Civil day of a local time. The constant divisor compiles to a multiply,
 * where civil_floor_div() would divide at run time; this runs per slot. */
static inline int64_t day_floor(int64_t local)
{
    return local / DAY - (local % DAY < 0);
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Weekly rules as one sorted, merged list; days are kept apart by keying
 * minutes as day * 2000 + minute, so windows only merge within a day. */
static void prepare_week(host_ctx *h)
{
    interval_set s;
    interval_set_init(&s);
    interval_set_reserve(&s, h->host->nrules);
    for (size_t i = 0; i < h->host->nrules; i++) {
        const slots_rule *r = &h->host->rules[i];
        interval_set_add(&s, r->day_of_week * 2000 + r->start_minute,
                         r->day_of_week * 2000 + r->end_minute);
    }
    interval_set_normalize(&s);
    h->week = s.items;
    h->nweek = s.count;
}

static void prepare_overrides(host_ctx *h)
{
    const slots_host *host = h->host;
    if (host->noverrides == 0)
        return;
    h->day_override = xcalloc(h->ndays, sizeof *h->day_override);
    for (size_t i = 0; i < host->noverrides; i++) {
        int64_t d = (int64_t)host->overrides[i].day - h->day0;
        if (d >= 0 && d < (int64_t)h->ndays)
            h->day_override[d] = &host->overrides[i]; /* a later entry wins */
    }
}

/* Appends day d's windows, in minutes, normalized, to `mins`. */
static void day_windows(const host_ctx *h, int32_t d, interval_set *mins)
{
    interval_set_clear(mins);
    const slots_override *o = h->day_override ? h->day_override[d - h->day0] : NULL;
    if (o) {
        for (size_t k = 0; k < o->nwindows; k++)
            interval_set_add(mins, o->windows[k].start_minute, o->windows[k].end_minute);
        interval_set_normalize(mins);
        return;
    }
    int64_t key = (int64_t)civil_weekday(d) * 2000;
    for (size_t k = 0; k < h->nweek; k++)
        if (h->week[k].start >= key && h->week[k].start < key + 2000)
            interval_set_add(mins, h->week[k].start - key, h->week[k].end - key);
}

/* Resolves every working window of the host's days to instants. */
static void prepare_work(engine *e, host_ctx *h)
{
    interval_set mins;
    interval_set_init(&mins);
    tz_cursor ca, cb;
    tz_cursor_init(&ca, h->span);
    tz_cursor_init(&cb, h->span);
    interval_set_reserve(&h->work, h->ndays);
    for (size_t i = 0; i < h->ndays; i++) {
        int32_t d = h->day0 + (int32_t)i;
        day_windows(h, d, &mins);
        for (size_t k = 0; k < mins.count; k++) {
            int32_t off;
            int64_t a = tz_cursor_resolve(&ca, (int64_t)d * DAY + mins.items[k].start * 60, &off);
            int64_t b = tz_cursor_resolve(&cb, (int64_t)d * DAY + mins.items[k].end * 60, &off);
            if (b - a >= e->dur && b > e->lo && a < e->hi)
                interval_set_add(&h->work, a, b);
        }
    }
    interval_set_release(&mins);
}

/* Adds the starts that busy [b0, b1) forbids; `hole` (if not INT64_MIN)
 * is a start left allowed (a group session's own start). */
static void block(engine *e, host_ctx *h, int64_t b0, int64_t b1, int64_t hole)
{
    if (b1 <= b0 || b1 <= e->lo - e->before || b0 >= e->hi + e->dur + e->after)
        return;
    b0 = clamp(b0, e->lo - FAR, e->hi + FAR);
    b1 = clamp(b1, e->lo - FAR, e->hi + FAR);
    int64_t f0 = b0 - e->dur - e->after + 1, f1 = b1 + e->before;
    if (hole > f0 && hole < f1) {
        interval_set_add(&h->blocked, f0, hole);
        interval_set_add(&h->blocked, hole + 1, f1);
    } else {
        interval_set_add(&h->blocked, f0, f1);
    }
}

static void prepare_blocked(engine *e, host_ctx *h)
{
    const slots_host *host = h->host;
    bool group = e->m->kind == SLOTS_GROUP;
    interval_set_reserve(&h->blocked, host->nbookings + host->nbusy + 1);
    for (size_t i = 0; i < host->nbookings; i++) {
        const slots_booking *b = &host->bookings[i];
        block(e, h, b->busy_start, b->busy_end, group && b->same_type ? b->start : INT64_MIN);
    }
    for (size_t i = 0; i < host->nbusy; i++)
        block(e, h, host->busy[i].start, host->busy[i].end, INT64_MIN);
    interval_set_normalize(&h->blocked);
}

/* Same-type bookings grouped by start, and how many fall on each day. */
static void prepare_sessions(engine *e, host_ctx *h)
{
    const slots_host *host = h->host;
    interval_set s; /* (start, seats) pairs, sorted with the interval sort */
    interval_set_init(&s);
    for (size_t i = 0; i < host->nbookings; i++) {
        const slots_booking *b = &host->bookings[i];
        if (b->same_type && b->start >= h->span->from && b->start < h->span->to)
            interval_set_add(&s, b->start, (int64_t)b->start + 1 + (b->seats > 0 ? b->seats : 1));
    }
    interval_sort(s.items, s.count);
    h->sessions = xreallocarray(NULL, s.count, sizeof *h->sessions);
    for (size_t i = 0; i < s.count; i++) {
        int seats = (int)(s.items[i].end - s.items[i].start - 1);
        session *last = h->nsessions ? &h->sessions[h->nsessions - 1] : NULL;
        if (last && last->start == s.items[i].start) {
            last->seats = last->seats > INT_MAX - seats ? INT_MAX : last->seats + seats;
            last->bookings++;
        } else {
            h->sessions[h->nsessions++] = (session){s.items[i].start, seats, 1};
        }
    }
    interval_set_release(&s);
    if (e->m->max_bookings_per_day == 0)
        return;
    h->per_day = xcalloc(h->ndays, sizeof *h->per_day);
    for (size_t i = 0; i < h->nsessions; i++) {
        int64_t t = h->sessions[i].start;
        int64_t d = day_floor(t + tz_span_offset_at(h->span, t)) - h->day0;
        if (d >= 0 && d < (int64_t)h->ndays)
            h->per_day[d] += e->m->kind == SLOTS_GROUP ? 1 : h->sessions[i].bookings;
    }
}

static void host_prepare(engine *e, host_ctx *h, const slots_host *host, int64_t from, int64_t to)
{
    memset(h, 0, sizeof *h);
    h->host = host;
    if (host->zone == e->q->viewer_zone) {
        h->span = &e->viewer;
    } else {
        tz_span_fill(&h->own_span, host->zone, from, to);
        h->span = &h->own_span;
    }
    tz_cursor_init(&h->at, h->span);
    int64_t first = day_floor(e->lo + h->span->min_offset);
    int64_t last = day_floor(e->hi - 1 + h->span->max_offset);
    h->day0 = (int32_t)first;
    h->ndays = (size_t)(last - first + 1);
    prepare_week(h);
    prepare_overrides(h);
    prepare_work(e, h);
    prepare_blocked(e, h);
    if (e->m->kind == SLOTS_GROUP || e->m->max_bookings_per_day > 0)
        prepare_sessions(e, h);
}

static void host_release(host_ctx *h)
{
    tz_span_release(&h->own_span);
    interval_set_release(&h->work);
    interval_set_release(&h->blocked);
    free(h->week);
    free(h->day_override);
    free(h->sessions);
    free(h->per_day);
}

/* ---- checks per start --------------------------------------------------- */

/* Can host h take a meeting starting at s? Starts must come in increasing
 * order per host (the cursors only move forward). *seats_out gets the free
 * seats (1 unless group). */
static inline bool host_accepts(const engine *e, host_ctx *h, int64_t s, int *seats_out)
{
    const interval *bl = h->blocked.items;
    while (h->bpos < h->blocked.count && bl[h->bpos].end <= s)
        h->bpos++;
    if (h->bpos < h->blocked.count && bl[h->bpos].start <= s)
        return false;
    const session *ses = NULL;
    while (h->spos < h->nsessions && h->sessions[h->spos].start < s)
        h->spos++;
    if (h->spos < h->nsessions && h->sessions[h->spos].start == s)
        ses = &h->sessions[h->spos];
    int seats = 1;
    if (e->m->kind == SLOTS_GROUP) {
        seats = e->m->seats - (ses ? ses->seats : 0);
        if (seats <= 0)
            return false;
    }
    if (h->per_day && !(ses && e->m->kind == SLOTS_GROUP)) {
        int64_t d = day_floor(s + tz_cursor_offset(&h->at, s)) - h->day0;
        if (d >= 0 && d < (int64_t)h->ndays && h->per_day[d] >= e->m->max_bookings_per_day)
            return false;
    }
    *seats_out = seats;
    return true;
}

/* Which hosts take start s: `need` = all of `ask` must (collective), else
 * any. Returns the mask of hosts that can, or 0. */
static inline uint64_t hosts_accept(const engine *e, size_t first, size_t n, bool need,
                                    int64_t s, int *seats_out)
{
    uint64_t mask = 0;
    for (size_t i = first; i < first + n; i++) {
        if (host_accepts(e, &e->hosts[i], s, seats_out))
            mask |= UINT64_C(1) << i;
        else if (need)
            return 0;
    }
    return mask;
}

/* Appends start s if the hosts take it. */
static inline void offer(engine *e, size_t first, size_t n, bool need, int64_t s,
                         slots_result *out)
{
    int seats;
    uint64_t mask = hosts_accept(e, first, n, need, s, &seats);
    if (mask)
        result_push(out, s, s + e->dur, seats, mask);
}

/* A host whose only check is the blocked set (no seats, no daily limit). */
static bool plain(const engine *e, const host_ctx *h)
{
    return e->m->kind != SLOTS_GROUP && !h->per_day;
}

/*
 * The common case as a tight loop: one plain host, starts s, s + step, ...
 * up to `last`, sweep state kept in locals (the output array could alias
 * the host's fields, so the general path reloads them per start). A start
 * inside a blocked range jumps to the first step at or after its end.
 */
static void walk_plain(engine *e, host_ctx *h, uint64_t mask, int64_t s, int64_t last,
                       slots_result *out)
{
    const interval *bl = h->blocked.items;
    const size_t nb = h->blocked.count;
    const int64_t step = e->step, dur = e->dur;
    size_t bp = h->bpos;
    if (s > last)
        return;
    result_reserve(out, (size_t)((last - s) / step) + 1);
    slots_slot *o = out->slots + out->count;
    for (; s <= last; s += step) {
        while (bp < nb && bl[bp].end <= s)
            bp++;
        if (bp < nb && bl[bp].start <= s) {
            s += (bl[bp].end - s - 1) / step * step; /* the loop adds one step */
            continue;
        }
        *o++ = (slots_slot){s, s + dur, 0, 1, mask};
    }
    out->count = (size_t)(o - out->slots);
    h->bpos = bp;
}

/*
 * True when one offset holds over all of [a, b) and no earlier wall time
 * repeats into it (c positioned at a): then the wall-clock steps from a
 * are simply a + k * step, with no resolution needed. Nearly every
 * window qualifies; the ones that contain a change take the slow path.
 */
static bool one_offset(const tz_cursor *c, int64_t a, int64_t b)
{
    const tz_segment *seg = c->segs;
    size_t i = c->i;
    if (i + 1 < c->count && seg[i + 1].start < b)
        return false;
    return i == 0 || seg[i].start + seg[i - 1].offset <= a + seg[i].offset;
}

/*
 * Steps starts through `pieces` on the wall clock of host `ref` and asks
 * hosts [first, first + n) (all of them when `need`, else any); appends
 * the accepted starts to out.
 */
static void walk(engine *e, const interval_set *pieces, size_t ref, size_t first, size_t n,
                 bool need, slots_result *out)
{
    tz_cursor edge, clock;
    tz_cursor_init(&edge, e->hosts[ref].span);
    tz_cursor_init(&clock, e->hosts[ref].span);
    for (size_t p = 0; p < pieces->count; p++) {
        int64_t a = pieces->items[p].start, b = pieces->items[p].end;
        int64_t local = a + tz_cursor_offset(&edge, a);
        result_reserve(out, (size_t)((b - a) / e->step) + 2);
        if (one_offset(&edge, a, b)) {
            int64_t s = a;
            if (s < e->lo)
                s += (e->lo - a + e->step - 1) / e->step * e->step;
            int64_t last = b - e->dur < e->hi - 1 ? b - e->dur : e->hi - 1;
            if (n == 1 && plain(e, &e->hosts[first])) {
                walk_plain(e, &e->hosts[first], UINT64_C(1) << first, s, last, out);
                continue;
            }
            for (; s <= last; s += e->step)
                offer(e, first, n, need, s, out);
            continue;
        }
        int64_t prev = INT64_MIN;
        for (;; local += e->step) {
            int32_t off;
            int64_t s = tz_cursor_resolve(&clock, local, &off);
            if (s + e->dur > b || s >= e->hi)
                break;
            /* s < a: the wall time also came earlier, before this piece
             * (a fold); its first occurrence is the one that counts. */
            if (s <= prev || s < e->lo || s < a)
                continue;
            prev = s;
            offer(e, first, n, need, s, out);
        }
    }
}

/* ---- combining hosts ---------------------------------------------------- */

/* out[base..] = merge of sorted runs a and b, joining equal starts. */
static void merge_runs(const slots_slot *a, size_t na, const slots_slot *b, size_t nb,
                       slots_result *out)
{
    size_t i = 0, j = 0;
    result_reserve(out, na + nb);
    while (i < na || j < nb) {
        if (j >= nb || (i < na && a[i].start < b[j].start)) {
            out->slots[out->count++] = a[i++];
        } else if (i >= na || b[j].start < a[i].start) {
            out->slots[out->count++] = b[j++];
        } else {
            slots_slot s = a[i++];
            s.host_mask |= b[j++].host_mask;
            out->slots[out->count++] = s;
        }
    }
}

static void round_robin(engine *e, slots_result *out)
{
    slots_result acc = {0}, one = {0}, tmp = {0};
    for (size_t h = 0; h < e->nhosts; h++) {
        one.count = 0;
        walk(e, &e->hosts[h].work, h, h, 1, true, &one);
        tmp.count = 0;
        merge_runs(acc.slots, acc.count, one.slots, one.count, &tmp);
        slots_result swap = acc;
        acc = tmp;
        tmp = swap;
    }
    result_reserve(out, acc.count);
    if (acc.count)
        memcpy(out->slots + out->count, acc.slots, acc.count * sizeof *acc.slots);
    out->count += acc.count;
    slots_result_release(&acc);
    slots_result_release(&one);
    slots_result_release(&tmp);
}

static void collective(engine *e, slots_result *out)
{
    interval_set common, next;
    interval_set_init(&common);
    interval_set_init(&next);
    for (size_t i = 0; i < e->hosts[0].work.count; i++)
        interval_set_add(&common, e->hosts[0].work.items[i].start, e->hosts[0].work.items[i].end);
    for (size_t h = 1; h < e->nhosts; h++) {
        interval_set_intersect(&common, &e->hosts[h].work, &next);
        interval_set swap = common;
        common = next;
        next = swap;
    }
    walk(e, &common, 0, 0, e->nhosts, true, out);
    interval_set_release(&common);
    interval_set_release(&next);
}

/*
 * Drops slots outside the viewer's dates and records the viewer offset.
 * Slots are sorted, so one pass walks the viewer's segments alongside;
 * within a segment the dates are a plain instant range, no division.
 */
static void viewer_filter(engine *e, slots_result *out, size_t base)
{
    const tz_segment *seg = e->viewer.segs;
    size_t nseg = e->viewer.count, i = 0;
    const int64_t lo = (int64_t)e->q->first_day * DAY, hi = ((int64_t)e->q->last_day + 1) * DAY;
    size_t w = base;
    for (size_t r = base; r < out->count; r++) {
        int64_t t = out->slots[r].start;
        while (i + 1 < nseg && t >= seg[i + 1].start)
            i++;
        int64_t local = t + seg[i].offset;
        if (local < lo || local >= hi)
            continue;
        if (w != r)
            out->slots[w] = out->slots[r];
        out->slots[w++].viewer_offset = seg[i].offset;
    }
    out->count = w;
}

/* ---- entry point -------------------------------------------------------- */

/* Sets lo/hi and fills the viewer span; false when no start can qualify. */
static bool engine_bounds(engine *e, int64_t *from, int64_t *to)
{
    const slots_query *q = e->q;
    *from = (int64_t)q->first_day * DAY - SPAN_MARGIN;
    *to = ((int64_t)q->last_day + 1) * DAY + SPAN_MARGIN;
    tz_span_fill(&e->viewer, q->viewer_zone, *from, *to);
    int64_t lo = (int64_t)q->first_day * DAY - e->viewer.max_offset;
    int64_t hi = ((int64_t)q->last_day + 1) * DAY - e->viewer.min_offset;
    int64_t notice = q->now + (int64_t)e->m->min_notice_minutes * 60;
    int64_t window = q->now + (int64_t)e->m->window_days * DAY + 1;
    e->lo = lo > notice ? lo : notice;
    e->hi = hi < window ? hi : window;
    return e->lo < e->hi;
}

slots_status slots_compute(const slots_meeting *meeting, const slots_host *hosts, size_t nhosts,
                           const slots_query *query, slots_result *out)
{
    if (!meeting || !hosts || !query || !out || nhosts == 0 || nhosts > SLOTS_MAX_HOSTS ||
        !meeting_ok(meeting, nhosts) || !query_ok(query))
        return SLOTS_EINVAL;
    for (size_t i = 0; i < nhosts; i++)
        if (!host_ok(&hosts[i]))
            return SLOTS_EINVAL;

    engine e = {.m = meeting, .q = query, .nhosts = nhosts};
    e.dur = (int64_t)meeting->duration_minutes * 60;
    e.step = (int64_t)meeting->interval_minutes * 60;
    e.before = (int64_t)meeting->buffer_before_minutes * 60;
    e.after = (int64_t)meeting->buffer_after_minutes * 60;
    int64_t from, to;
    tz_span_init(&e.viewer);
    if (engine_bounds(&e, &from, &to)) {
        host_ctx local[2];
        e.hosts = nhosts <= 2 ? local : xreallocarray(NULL, nhosts, sizeof *e.hosts);
        for (size_t i = 0; i < nhosts; i++)
            host_prepare(&e, &e.hosts[i], &hosts[i], from, to);
        size_t base = out->count;
        if (meeting->kind == SLOTS_ROUND_ROBIN)
            round_robin(&e, out);
        else if (meeting->kind == SLOTS_COLLECTIVE)
            collective(&e, out);
        else
            walk(&e, &e.hosts[0].work, 0, 0, 1, true, out);
        viewer_filter(&e, out, base);
        for (size_t i = 0; i < nhosts; i++)
            host_release(&e.hosts[i]);
        if (e.hosts != local)
            free(e.hosts);
    }
    tz_span_release(&e.viewer);
    return SLOTS_OK;
}
