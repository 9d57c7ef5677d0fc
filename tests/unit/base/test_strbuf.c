/* test_strbuf.c — growable buffers honour their maximum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

static void test_append_and_format(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    assert_true(strbuf_append_str(&sb, "abc"));
    assert_true(strbuf_appendf(&sb, "-%d-%s", 7, "z"));
    assert_string_equal(sb.buf, "abc-7-z");
    assert_int_equal(sb.len, 7);
    for (int i = 0; i < 10000; i++)
        assert_true(strbuf_append(&sb, "x", 1));
    assert_int_equal(sb.len, 10007);
    size_t len;
    char *s = strbuf_detach(&sb, &len);
    assert_int_equal(len, 10007);
    assert_null(sb.buf);
    free(s);
}

static void test_maximum(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 10);
    assert_true(strbuf_append_str(&sb, "0123456789"));
    assert_false(strbuf_append_str(&sb, "a"));
    assert_false(strbuf_appendf(&sb, "%s", "more"));
    assert_string_equal(sb.buf, "0123456789");
    strbuf_reset(&sb);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.buf, "");
    strbuf_release(&sb);
}

static void test_binary_data(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 100);
    assert_true(strbuf_append(&sb, "a\0b", 3));
    assert_int_equal(sb.len, 3);
    assert_memory_equal(sb.buf, "a\0b", 4);
    strbuf_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_format),
        cmocka_unit_test(test_maximum),
        cmocka_unit_test(test_binary_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
