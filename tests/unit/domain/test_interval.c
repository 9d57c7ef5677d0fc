/*
 * test_interval.c — interval sets (domain/interval.h), checked against a
 * brute-force model: small random sets over a 0..199 domain, compared
 * point by point.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "domain/interval.h"

#define DOMAIN 200

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static void random_set(interval_set *s, size_t n)
{
    interval_set_clear(s);
    for (size_t i = 0; i < n; i++) {
        int64_t a = next_rand() % DOMAIN, len = next_rand() % 20;
        interval_set_add(s, a, a + len); /* len 0 is ignored by add */
    }
}

static void to_bits(const interval_set *s, bool bits[DOMAIN + 40])
{
    memset(bits, 0, DOMAIN + 40);
    for (size_t i = 0; i < s->count; i++)
        for (int64_t p = s->items[i].start; p < s->items[i].end; p++)
            bits[p] = true;
}

static void assert_normalized(const interval_set *s)
{
    for (size_t i = 0; i < s->count; i++) {
        assert_true(s->items[i].start < s->items[i].end);
        if (i > 0)
            assert_true(s->items[i - 1].end < s->items[i].start); /* not even touching */
    }
}

static void assert_bits(const interval_set *s, const bool want[DOMAIN + 40])
{
    bool got[DOMAIN + 40];
    assert_normalized(s);
    to_bits(s, got);
    assert_memory_equal(got, want, DOMAIN + 40);
}

static int cmp_interval(const void *a, const void *b)
{
    const interval *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static void check_sort(interval *v, size_t n)
{
    interval *ref = malloc((n ? n : 1) * sizeof *ref);
    memcpy(ref, v, n * sizeof *v);
    qsort(ref, n, sizeof *ref, cmp_interval);
    interval_sort(v, n);
    assert_memory_equal(v, ref, n * sizeof *v);
    free(ref);
}

static void test_sort(void **state)
{
    (void)state;
    enum { N = 5000 };
    interval *v = malloc(N * sizeof *v);
    for (size_t n = 0; n < 300; n++) { /* every small size, random */
        for (size_t i = 0; i < n; i++)
            v[i] = (interval){next_rand() % 50, next_rand() % 50};
        check_sort(v, n);
    }
    /* Patterns that break naive quicksorts: sorted, reversed, equal,
     * organ pipe, sawtooth. */
    for (int pattern = 0; pattern < 5; pattern++) {
        for (size_t i = 0; i < N; i++) {
            int64_t k = pattern == 0   ? (int64_t)i
                        : pattern == 1 ? (int64_t)(N - i)
                        : pattern == 2 ? 7
                        : pattern == 3 ? (int64_t)(i < N / 2 ? i : N - i)
                                       : (int64_t)(i % 17);
            v[i] = (interval){k, -k};
        }
        check_sort(v, N);
    }
    for (size_t i = 0; i < N; i++)
        v[i] = (interval){(int64_t)next_rand() << 20, INT64_MAX - next_rand()};
    check_sort(v, N);
    free(v);
}

static void test_normalize(void **state)
{
    (void)state;
    interval_set s;
    interval_set_init(&s);
    interval_set_add(&s, 10, 20);
    interval_set_add(&s, 20, 30); /* touching: merged */
    interval_set_add(&s, 5, 7);
    interval_set_add(&s, 8, 9);
    interval_set_add(&s, 6, 8);   /* bridges 5-7 and 8-9 */
    interval_set_add(&s, 40, 40); /* empty: ignored */
    interval_set_add(&s, 50, 45); /* reversed: ignored */
    interval_set_add(&s, 12, 15); /* inside */
    interval_set_normalize(&s);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.items[0].start, 5);
    assert_int_equal(s.items[0].end, 9);
    assert_int_equal(s.items[1].start, 10);
    assert_int_equal(s.items[1].end, 30);
    interval_set_clear(&s);
    interval_set_normalize(&s);
    assert_int_equal(s.count, 0);
    for (int round = 0; round < 2000; round++) {
        random_set(&s, next_rand() % 30);
        bool want[DOMAIN + 40];
        to_bits(&s, want);
        interval_set_normalize(&s);
        assert_bits(&s, want);
    }
    interval_set_release(&s);
    assert_null(s.items);
}

static void test_set_operations(void **state)
{
    (void)state;
    interval_set a, b, out;
    interval_set_init(&a);
    interval_set_init(&b);
    interval_set_init(&out);
    for (int round = 0; round < 3000; round++) {
        random_set(&a, next_rand() % 25);
        random_set(&b, next_rand() % 25);
        interval_set_normalize(&a);
        interval_set_normalize(&b);
        bool ba[DOMAIN + 40], bb[DOMAIN + 40], want[DOMAIN + 40];
        to_bits(&a, ba);
        to_bits(&b, bb);
        interval_set_union(&a, &b, &out);
        for (int p = 0; p < DOMAIN + 40; p++)
            want[p] = ba[p] || bb[p];
        assert_bits(&out, want);
        interval_set_intersect(&a, &b, &out);
        for (int p = 0; p < DOMAIN + 40; p++)
            want[p] = ba[p] && bb[p];
        assert_bits(&out, want);
        interval_set_subtract(&a, &b, &out);
        for (int p = 0; p < DOMAIN + 40; p++)
            want[p] = ba[p] && !bb[p];
        assert_bits(&out, want);
        for (int p = -1; p < DOMAIN + 40; p++) {
            assert_int_equal(interval_set_contains(&a, p), p >= 0 && ba[p]);
            int64_t len = next_rand() % 10;
            bool any = false;
            for (int64_t q = p; q < p + len; q++)
                any = any || (q >= 0 && q < DOMAIN + 40 && ba[q]);
            assert_int_equal(interval_set_overlaps(&a, p, p + len), any);
        }
    }
    interval_set_release(&a);
    interval_set_release(&b);
    interval_set_release(&out);
}

static void test_edges(void **state)
{
    (void)state;
    interval_set a, b, out;
    interval_set_init(&a);
    interval_set_init(&b);
    interval_set_init(&out);
    /* Empty operands. */
    interval_set_union(&a, &b, &out);
    assert_int_equal(out.count, 0);
    interval_set_add(&a, INT64_MIN, INT64_MAX);
    interval_set_subtract(&a, &b, &out);
    assert_int_equal(out.count, 1);
    interval_set_intersect(&a, &b, &out);
    assert_int_equal(out.count, 0);
    assert_false(interval_set_overlaps(&b, 0, 10));
    assert_false(interval_set_contains(&b, 0));
    /* Half-open: touching is not overlapping. */
    interval_set_add(&b, 10, 20);
    assert_false(interval_set_overlaps(&b, 0, 10));
    assert_false(interval_set_overlaps(&b, 20, 30));
    assert_true(interval_set_overlaps(&b, 19, 30));
    assert_false(interval_set_overlaps(&b, 15, 15)); /* empty query */
    assert_true(interval_set_contains(&b, 10));
    assert_false(interval_set_contains(&b, 20));
    /* Subtracting the middle leaves two pieces; extremes do not overflow. */
    interval_set_subtract(&a, &b, &out);
    assert_int_equal(out.count, 2);
    assert_int_equal(out.items[0].end, 10);
    assert_int_equal(out.items[1].start, 20);
    assert_int_equal(out.items[1].end, INT64_MAX);
    interval_set_reserve(&out, 1000);
    assert_true(out.cap - out.count >= 1000);
    interval_set_release(&a);
    interval_set_release(&b);
    interval_set_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_set_operations),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
