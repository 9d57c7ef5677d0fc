/*
 * interval.h — sets of half-open int64_t intervals [start, end).
 *
 * An interval_set is a growable array of intervals. Most operations want
 * it normalized: sorted by start, no two intervals overlapping or
 * touching, none empty. interval_set_normalize() makes it so; the set
 * operations take normalized inputs and give normalized outputs.
 * Memory comes from base/xalloc.h (aborts on exhaustion).
 */
#ifndef CALENDULA_DOMAIN_INTERVAL_H
#define CALENDULA_DOMAIN_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct interval {
    int64_t start, end; /* [start, end) */
} interval;

typedef struct interval_set {
    interval *items;
    size_t count;
    size_t cap;
} interval_set;

/* An empty set owning no memory. */
void interval_set_init(interval_set *s);

/* Frees the set's memory and leaves it empty. */
void interval_set_release(interval_set *s);

/* Makes room for at least `n` more intervals without reallocating. */
void interval_set_reserve(interval_set *s, size_t n);

/* Empties the set, keeping its memory for reuse. */
static inline void interval_set_clear(interval_set *s)
{
    s->count = 0;
}


/* Appends [start, end) as is (no sorting, no merging); empty or reversed
 * intervals (end <= start) are ignored. Inline: hot in the slot engine. */
static inline void interval_set_add(interval_set *s, int64_t start, int64_t end)
{
    if (end <= start)
        return;
    if (s->count == s->cap)
        interval_set_reserve(s, 1);
    s->items[s->count].start = start;
    s->items[s->count].end = end;
    s->count++;
}

/* Sorts by start (then end) in place: O(n log n), no allocation. */
void interval_sort(interval *v, size_t n);

/* Sorts, then merges overlapping and touching intervals. */
void interval_set_normalize(interval_set *s);

/*
 * out = a ∪ b, a ∩ b, a \ b. Inputs normalized; out must be a different
 * set from both inputs; its previous contents are replaced.
 */
void interval_set_union(const interval_set *a, const interval_set *b, interval_set *out);
void interval_set_intersect(const interval_set *a, const interval_set *b, interval_set *out);
void interval_set_subtract(const interval_set *a, const interval_set *b, interval_set *out);

/* True when [start, end) overlaps an interval of the normalized set s
 * (binary search; an empty query overlaps nothing). */
bool interval_set_overlaps(const interval_set *s, int64_t start, int64_t end);

/* True when point lies in an interval of the normalized set s. */
bool interval_set_contains(const interval_set *s, int64_t point);

#endif
