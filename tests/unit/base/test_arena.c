/* test_arena.c — the request arena: alignment, growth, strings, cleanups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/arena.h"

static void test_alignment_and_growth(void **state)
{
    (void)state;
    arena *a = arena_new();
    for (int i = 1; i < 2000; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, (size_t)i); /* ASan catches any overlap or overflow */
    }
    void *big = arena_alloc(a, 5u << 20); /* larger than any block */
    memset(big, 1, 5u << 20);
    arena_free(a);
}

static void test_strings(void **state)
{
    (void)state;
    arena *a = arena_new();
    assert_string_equal(arena_strdup(a, "hello"), "hello");
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_strndup(a, "hello", 3), "hel");
    assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    char *z = arena_calloc(a, 10, 10);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    arena_free(a);
}

static int order[3];
static int norder;
static void record(void *p)
{
    order[norder++] = *(int *)p;
}

static void test_cleanups_run_newest_first(void **state)
{
    (void)state;
    static int one = 1, two = 2, three = 3;
    norder = 0;
    arena *a = arena_new();
    arena_on_free(a, record, &one);
    arena_on_free(a, record, &two);
    arena_on_free(a, record, &three);
    arena_free(a);
    assert_int_equal(norder, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[2], 1);
    arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_growth),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_cleanups_run_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
