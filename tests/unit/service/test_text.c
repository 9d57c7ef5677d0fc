/* test_text.c — user text checks and the login rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "service/ratelimit.h"
#include "service/text.h"
#include "service/users.h"

static void test_lines(void **state)
{
    (void)state;
    assert_int_equal(text_chars("h\xc3\xa9llo"), 5);
    assert_true(text_valid_line("Zoë", 1, 3));
    assert_false(text_valid_line("", 1, 10));
    assert_false(text_valid_line("   ", 1, 10));
    assert_true(text_valid_line("", 0, 10));
    assert_false(text_valid_line("a\r\nBcc: x", 1, 100)); /* header injection shape */
    assert_false(text_valid_line("a\tb", 1, 100));
    assert_true(text_valid_block("line one\nline two\ttab", 100));
    assert_false(text_valid_block("bell\a", 100));
    assert_false(text_valid_line("abcdef", 1, 5));
}

static void test_lower(void **state)
{
    (void)state;
    arena *a = arena_new();
    assert_string_equal(text_lower(a, "Ann@Example.COM"), "ann@example.com");
    arena_free(a);
}

static void test_emails_and_usernames(void **state)
{
    (void)state;
    assert_true(users_email_valid("a@b.io"));
    assert_true(users_email_valid("first.last+tag@sub.example.com"));
    assert_false(users_email_valid("no-at.example.com"));
    assert_false(users_email_valid("a@b"));
    assert_false(users_email_valid("a@@b.io"));
    assert_false(users_email_valid("a b@c.io"));
    assert_false(users_email_valid("a@b.io\r\nBcc: x@y.z"));
    assert_true(users_username_valid("ann"));
    assert_true(users_username_valid("a-1"));
    assert_false(users_username_valid("an"));
    assert_false(users_username_valid("-ann"));
    assert_false(users_username_valid("Ann"));
    assert_false(users_username_valid("api"));
    assert_false(users_username_valid("dashboard"));
    assert_false(users_username_valid("a2345678901234567890123456789012345678901"));
}

static void test_ratelimit(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(900);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ratelimit_take(rl, "k", 3, 1000 + i), 0);
    assert_int_equal(ratelimit_take(rl, "k", 3, 1010), 890); /* the window began at 1000 */
    assert_int_equal(ratelimit_take(rl, "other", 3, 1010), 0);
    ratelimit_refund(rl, "k");
    assert_int_equal(ratelimit_take(rl, "k", 3, 1011), 0); /* the refunded attempt */
    assert_int_equal(ratelimit_take(rl, "k", 3, 1012), 888);
    assert_int_equal(ratelimit_take(rl, "k", 3, 1900), 0); /* window over: a new one */
    ratelimit_reset(rl, "k");
    assert_int_equal(ratelimit_take(rl, "k", 1, 1901), 0);
    assert_int_not_equal(ratelimit_take(rl, "k", 1, 1902), 0);
    /* A flood of distinct keys never grows memory and never crashes. */
    char key[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof(key), "flood-%d", i);
        ratelimit_take(rl, key, 5, 2000);
    }
    ratelimit_free(rl);
}

static void test_locale_tags(void **state)
{
    (void)state;
    char out[TEXT_LOCALE_MAX + 1];
    const struct {
        const char *in, *want;
    } good[] = {
        {"en", "en"}, {"de-DE", "de-DE"}, {"pt_br", "pt-BR"}, {"ZH-hant-tw", "zh-Hant-TW"},
        {"es-419", "es-419"}, {"sr-Latn-RS", "sr-Latn-RS"}, {"fil", "fil"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(text_locale_tag(good[i].in, strlen(good[i].in), out));
        assert_string_equal(out, good[i].want);
    }
    const char *bad[] = {"", "e", "english", "de-", "-de", "de--DE", "de DE", "de-D",
                         "de-DE-x-y-z", "de\r\nX: y", "de-\xc3\xa9", "12",
                         "a-bbbbbbbbb", "en-US-aaaa-bbbb-cccc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(text_locale_tag(bad[i], strlen(bad[i]), out));
    char long_tag[64];
    memset(long_tag, 'a', sizeof(long_tag));
    memcpy(long_tag, "en-", 3);
    assert_false(text_locale_tag(long_tag, sizeof(long_tag), out));

    assert_true(text_locale_from_accept_language("de-CH, de;q=0.9, en;q=0.5", out));
    assert_string_equal(out, "de-CH");
    assert_true(text_locale_from_accept_language("  fr_fr ;q=1", out));
    assert_string_equal(out, "fr-FR");
    assert_true(text_locale_from_accept_language("*, it;q=0.8", out));
    assert_string_equal(out, "it");
    assert_true(text_locale_from_accept_language("nl;q=0, en-GB;q=0.7", out));
    assert_string_equal(out, "en-GB");
    assert_false(text_locale_from_accept_language("", out));
    assert_false(text_locale_from_accept_language("*;q=0.5, ???", out));
    assert_false(text_locale_from_accept_language("de;q=0.000", out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_lower),
        cmocka_unit_test(test_emails_and_usernames),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_locale_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
