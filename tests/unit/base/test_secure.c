/* test_secure.c — ids, tokens, hashes, password hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>

#include "base/secure.h"

static void test_uuid(void **state)
{
    (void)state;
    char a[SECURE_UUID_LEN + 1], b[SECURE_UUID_LEN + 1];
    secure_uuid(a);
    secure_uuid(b);
    assert_int_equal(strlen(a), 36);
    assert_true(secure_uuid_valid(a));
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '7'); /* version 7 */
    assert_true(strchr("89ab", a[19]) != NULL);
    /* The first 48 bits are the time in ms: now, and later ids sort later. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long ms = (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
    char hex[13];
    memcpy(hex, a, 8);
    memcpy(hex + 8, a + 9, 4);
    hex[12] = '\0';
    unsigned long long got = strtoull(hex, NULL, 16);
    assert_true(got <= ms && ms - got < 5000);
    struct timespec two_ms = {0, 2000000};
    nanosleep(&two_ms, NULL);
    char c[SECURE_UUID_LEN + 1];
    secure_uuid(c);
    assert_true(strcmp(a, c) < 0);
    assert_false(secure_uuid_valid("not-a-uuid"));
    assert_false(secure_uuid_valid("f04a01d3-f09f-4c61-b8fa-e6183aa7cff"));
    assert_false(secure_uuid_valid("f04a01d3-f09f-4c61-b8fa-e6183aa7cffg"));
    assert_false(secure_uuid_valid("f04a01d3xf09f-4c61-b8fa-e6183aa7cff4"));
    assert_true(secure_uuid_valid("F04A01D3-F09F-4C61-B8FA-E6183AA7CFF4"));
}

static void test_token_and_hash(void **state)
{
    (void)state;
    char t[SECURE_TOKEN_LEN + 1], u[SECURE_TOKEN_LEN + 1];
    secure_token(t);
    secure_token(u);
    assert_int_equal(strlen(t), 43);
    assert_string_not_equal(t, u);
    for (const char *p = t; *p; p++)
        assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    char h[SECURE_HASH_HEX_LEN + 1];
    secure_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    uint8_t key[32] = {0};
    char m[SECURE_HASH_HEX_LEN + 1];
    secure_hmac_hex(key, "abc", 3, m);
    assert_int_equal(strlen(m), 64);
    assert_true(secure_equal("abc", 3, "abc", 3));
    assert_false(secure_equal("abc", 3, "abd", 3));
    assert_false(secure_equal("abc", 3, "abcd", 4));
}

static void test_password(void **state)
{
    (void)state;
    char enc[SECURE_PWHASH_MAX];
    assert_true(secure_password_hash("correct horse", 13, enc));
    assert_non_null(strstr(enc, "$argon2id$"));
    assert_non_null(strstr(enc, "m=19456")); /* 19 MiB, OWASP's minimum */
    assert_true(secure_password_verify(enc, "correct horse", 13));
    assert_false(secure_password_verify(enc, "correct horsE", 13));
    assert_false(secure_password_verify("garbage", "x", 1));
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t in[3] = {0x00, 0xab, 0xff}, out[3];
    char hex[7];
    secure_hex_encode(in, 3, hex);
    assert_string_equal(hex, "00abff");
    assert_true(secure_hex_decode("00ABff", out, 3));
    assert_memory_equal(in, out, 3);
    assert_false(secure_hex_decode("00abf", out, 3));
    assert_false(secure_hex_decode("00abfz", out, 3));
}

int main(void)
{
    assert_true(secure_init());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_token_and_hash),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
