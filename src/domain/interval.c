/*
 * interval.c — sets of half-open intervals; see interval.h.
 *
 * The sort is written out (introsort: quicksort with a median of three,
 * insertion sort for short runs, heapsort when recursion gets deep)
 * rather than calling qsort(): the slot engine sorts a few hundred busy
 * intervals per request, and an inlined comparison is several times
 * faster than qsort's callback, while the heapsort fallback keeps hostile
 * input (an uploaded calendar) from making it quadratic.
 */
#include "domain/interval.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void interval_set_init(interval_set *s)
{
    memset(s, 0, sizeof *s);
}

void interval_set_release(interval_set *s)
{
    free(s->items);
    interval_set_init(s);
}

void interval_set_reserve(interval_set *s, size_t n)
{
    if (n <= s->cap - s->count)
        return;
    size_t cap = s->cap ? s->cap : 8;
    while (cap - s->count < n) {
        if (cap > SIZE_MAX / 2)
            cap = s->count + n; /* xreallocarray rejects an overflow */
        else
            cap *= 2;
    }
    s->items = xreallocarray(s->items, cap, sizeof *s->items);
    s->cap = cap;
}

/* ---- sorting ------------------------------------------------------------ */

static inline bool less(const interval *a, const interval *b)
{
    return a->start < b->start || (a->start == b->start && a->end < b->end);
}

static inline void swap(interval *a, interval *b)
{
    interval t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(interval *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        interval x = v[i];
        size_t j = i;
        while (j > 0 && less(&x, &v[j - 1])) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void sift_down(interval *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && less(&v[child], &v[child + 1]))
            child++;
        if (!less(&v[root], &v[child]))
            return;
        swap(&v[root], &v[child]);
        root = child;
    }
}

static void heap_sort(interval *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end-- > 1;) {
        swap(&v[0], &v[end]);
        sift_down(v, 0, end);
    }
}

/* Partitions around the median of first, middle and last; returns the
 * pivot's final index. */
static size_t partition(interval *v, size_t n)
{
    size_t mid = n / 2;
    if (less(&v[mid], &v[0]))
        swap(&v[mid], &v[0]);
    if (less(&v[n - 1], &v[0]))
        swap(&v[n - 1], &v[0]);
    if (less(&v[n - 1], &v[mid]))
        swap(&v[n - 1], &v[mid]);
    swap(&v[mid], &v[n - 2]); /* pivot parked at n - 2; v[n-1] >= pivot */
    interval pivot = v[n - 2];
    size_t i = 0, j = n - 2;
    for (;;) {
        while (less(&v[++i], &pivot)) {
        }
        while (less(&pivot, &v[--j])) {
        }
        if (i >= j)
            break;
        swap(&v[i], &v[j]);
    }
    swap(&v[i], &v[n - 2]);
    return i;
}

static void intro_sort(interval *v, size_t n, int depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        size_t p = partition(v, n);
        /* Recurse into the smaller side, loop on the larger. */
        if (p < n - p - 1) {
            intro_sort(v, p, depth);
            v += p + 1;
            n -= p + 1;
        } else {
            intro_sort(v + p + 1, n - p - 1, depth);
            n = p;
        }
    }
    insertion_sort(v, n);
}

void interval_sort(interval *v, size_t n)
{
    size_t k = 1;
    while (k < n && !less(&v[k], &v[k - 1]))
        k++;
    if (k >= n)
        return; /* already sorted, as rows from a store often are */
    int depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    intro_sort(v, n, depth);
}

void interval_set_normalize(interval_set *s)
{
    if (s->count == 0)
        return;
    interval_sort(s->items, s->count);
    size_t w = 0;
    for (size_t r = 1; r < s->count; r++) {
        if (s->items[r].start <= s->items[w].end) {
            if (s->items[r].end > s->items[w].end)
                s->items[w].end = s->items[r].end;
        } else {
            s->items[++w] = s->items[r];
        }
    }
    s->count = w + 1;
}

/* ---- set operations ----------------------------------------------------- */

/* Appends [start, end) to a normalized out, merging with its last item. */
static void append_merge(interval_set *out, int64_t start, int64_t end)
{
    if (end <= start)
        return;
    if (out->count > 0 && start <= out->items[out->count - 1].end) {
        if (end > out->items[out->count - 1].end)
            out->items[out->count - 1].end = end;
        return;
    }
    interval_set_add(out, start, end);
}

void interval_set_union(const interval_set *a, const interval_set *b, interval_set *out)
{
    size_t i = 0, j = 0;
    interval_set_clear(out);
    interval_set_reserve(out, a->count + b->count);
    while (i < a->count || j < b->count) {
        const interval *x;
        if (j >= b->count || (i < a->count && a->items[i].start <= b->items[j].start))
            x = &a->items[i++];
        else
            x = &b->items[j++];
        append_merge(out, x->start, x->end);
    }
}

void interval_set_intersect(const interval_set *a, const interval_set *b, interval_set *out)
{
    size_t i = 0, j = 0;
    interval_set_clear(out);
    while (i < a->count && j < b->count) {
        const interval *x = &a->items[i], *y = &b->items[j];
        int64_t lo = x->start > y->start ? x->start : y->start;
        int64_t hi = x->end < y->end ? x->end : y->end;
        if (lo < hi)
            interval_set_add(out, lo, hi);
        if (x->end < y->end)
            i++;
        else
            j++;
    }
}

void interval_set_subtract(const interval_set *a, const interval_set *b, interval_set *out)
{
    size_t j = 0;
    interval_set_clear(out);
    for (size_t i = 0; i < a->count; i++) {
        int64_t cur = a->items[i].start, end = a->items[i].end;
        while (j < b->count && b->items[j].end <= cur)
            j++;
        for (size_t k = j; k < b->count && b->items[k].start < end; k++) {
            if (b->items[k].start > cur)
                interval_set_add(out, cur, b->items[k].start);
            if (b->items[k].end > cur)
                cur = b->items[k].end;
            if (cur >= end)
                break;
        }
        interval_set_add(out, cur, end);
    }
}

/* Index of the first interval whose end is after point (count if none). */
static size_t first_ending_after(const interval_set *s, int64_t point)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->items[mid].end <= point)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool interval_set_overlaps(const interval_set *s, int64_t start, int64_t end)
{
    if (end <= start)
        return false;
    size_t i = first_ending_after(s, start);
    return i < s->count && s->items[i].start < end;
}

bool interval_set_contains(const interval_set *s, int64_t point)
{
    size_t i = first_ending_after(s, point);
    return i < s->count && s->items[i].start <= point;
}
