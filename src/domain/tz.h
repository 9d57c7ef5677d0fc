/*
 * tz.h — time zones from TZif data (RFC 8536, versions 1 to 4).
 *
 * A tz_zone is parsed once from the bytes of a TZif file (the caller does
 * the I/O: see service/tzdb.h) and is immutable afterwards, so one zone
 * may be shared by any number of threads. Offsets are seconds east of UTC
 * (New York in winter is -18000). Instants are int64_t seconds since the
 * Unix epoch; "local" values are the same count taken on the wall clock
 * (local = instant + offset), so local / 86400 is the civil day number.
 *
 * Wall-clock resolution rules, used everywhere a local time becomes an
 * instant:
 *  - a local time skipped by a forward jump (a gap) resolves to the first
 *    instant after the gap;
 *  - a local time that happens twice (a fold) resolves to the earlier
 *    instant.
 *
 * For hot loops, tz_span_fill() lists the offsets over a range once and a
 * tz_cursor walks that list, so per-slot work is a comparison or two.
 */
#ifndef CALENDULA_DOMAIN_TZ_H
#define CALENDULA_DOMAIN_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tz_zone tz_zone;

/*
 * Parses TZif bytes (data, len; not retained) into a new zone named `name`
 * (copied). Returns NULL on anything malformed, truncated or unsupported:
 * bad magic or version, inconsistent counts, unsorted transitions, type
 * indexes out of range, offsets outside -24:59:59..+25:59:59, a footer
 * that is not a valid POSIX TZ string, or leap-second records (we keep
 * POSIX time; the "right/" files are not supported). Never reads outside
 * data[0..len). The caller owns the result: free it with tz_zone_free().
 */
tz_zone *tz_parse_tzif(const char *name, const uint8_t *data, size_t len);

/* Frees a zone from tz_parse_tzif(). NULL is allowed. */
void tz_zone_free(tz_zone *zone);

/* The name given to tz_parse_tzif(); owned by the zone. */
const char *tz_zone_name(const tz_zone *zone);

/*
 * UTC offset in seconds at `instant`: binary search over the transitions,
 * then the footer's POSIX TZ rule after the last transition (or the last
 * transition's type when the file has no rule).
 */
int32_t tz_offset_at(const tz_zone *zone, int64_t instant);

/*
 * Resolves a local wall-clock value (seconds, local = instant + offset) to
 * an instant with the gap and fold rules above.
 */
int64_t tz_local_to_utc(const tz_zone *zone, int64_t local);

/*
 * Same, for wall-clock `minute` (0..1440; 1440 is the next midnight) of
 * civil day `day` (days since 1970-01-01).
 */
int64_t tz_wall_to_utc(const tz_zone *zone, int32_t day, int minute);

/* A run of instants with one offset: from `start` to the next segment. */
typedef struct tz_segment {
    int64_t start;
    int32_t offset;
} tz_segment;

/*
 * The offsets over [from, to), in order: segs[0].start == from, each
 * segment lasts until the next one's start (the last one until `to`),
 * and neighbours always differ in offset. Owns segs.
 */
typedef struct tz_span {
    tz_segment *segs;
    size_t count;
    size_t cap;
    int64_t from, to;
    int32_t min_offset, max_offset; /* over all segments */
} tz_span;

/* An empty span; release it with tz_span_release(). */
void tz_span_init(tz_span *span);

/*
 * Replaces the span's contents with the offsets of `zone` over [from, to)
 * (to <= from is treated as [from, from + 1)). Reuses the span's memory.
 */
void tz_span_fill(tz_span *span, const tz_zone *zone, int64_t from, int64_t to);

/* Frees the span's memory and leaves it empty. */
void tz_span_release(tz_span *span);

/* Offset at `instant` by binary search in a filled span (clamped to it). */
int32_t tz_span_offset_at(const tz_span *span, int64_t instant);

/*
 * A position in a filled span. Queries may go in any order and are always
 * right; they cost O(1) when each query is at or after the previous one
 * (the engine's sweeps), so keep one cursor per monotone sequence.
 * Queries outside [span.from, span.to) are answered from the nearest
 * segment, so fill the span with a margin.
 */
typedef struct tz_cursor {
    const tz_segment *segs;
    size_t count;
    size_t i;
} tz_cursor;

static inline void tz_cursor_init(tz_cursor *c, const tz_span *span)
{
    c->segs = span->segs;
    c->count = span->count;
    c->i = 0;
}

/* Offset at `instant`. */
static inline int32_t tz_cursor_offset(tz_cursor *c, int64_t instant)
{
    size_t i = c->i;
    while (i > 0 && instant < c->segs[i].start)
        i--;
    while (i + 1 < c->count && instant >= c->segs[i + 1].start)
        i++;
    c->i = i;
    return c->segs[i].offset;
}

/*
 * Resolves local wall-clock seconds to an instant (gap: first instant
 * after it; fold: earlier instant) and stores the offset in force at the
 * result in *offset_out. Segment i covers local times from
 * segs[i].start + offset_i up to (not including) segs[i+1].start + offset_i;
 * the first segment whose local range ends after `local` is the one.
 */
static inline int64_t tz_cursor_resolve(tz_cursor *c, int64_t local, int32_t *offset_out)
{
    const tz_segment *s = c->segs;
    size_t i = c->i;
    while (i > 0 && local < s[i].start + s[i - 1].offset)
        i--;
    while (i + 1 < c->count && local >= s[i + 1].start + s[i].offset)
        i++;
    c->i = i;
    *offset_out = s[i].offset;
    if (local >= s[i].start + s[i].offset)
        return local - s[i].offset;
    return s[i].start; /* inside a gap: the first instant after it */
}

#endif
