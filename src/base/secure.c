/* secure.c — see secure.h. Thin, documented wrappers over libsodium. */
#include "base/secure.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

#define PW_OPSLIMIT 2ULL
#define PW_MEMLIMIT (19ULL * 1024 * 1024)

bool secure_init(void)
{
    return sodium_init() >= 0;
}

void secure_random(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void secure_hex_encode(const uint8_t *in, size_t len, char *out)
{
    sodium_bin2hex(out, len * 2 + 1, in, len);
}

bool secure_hex_decode(const char *hex, uint8_t *out, size_t out_len)
{
    size_t got = 0;
    if (strlen(hex) != out_len * 2)
        return false;
    if (sodium_hex2bin(out, out_len, hex, out_len * 2, NULL, &got, NULL) != 0)
        return false;
    return got == out_len;
}

void secure_uuid(char out[static SECURE_UUID_LEN + 1])
{
    uint8_t b[16];
    char hex[33];
    randombytes_buf(b, sizeof(b));
    /* Version 7 (RFC 9562): the first 48 bits are the Unix time in ms, so
     * ids made later sort later and the indexes they key grow at their end
     * instead of touching a random page per insert. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x70);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    secure_hex_encode(b, sizeof(b), hex);
    size_t o = 0;
    for (size_t i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        out[o++] = hex[i];
    }
    out[o] = '\0';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool secure_uuid_valid(const char *s)
{
    if (!s || strlen(s) != SECURE_UUID_LEN)
        return false;
    for (size_t i = 0; i < SECURE_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return true;
}

void secure_token(char out[static SECURE_TOKEN_LEN + 1])
{
    uint8_t b[32];
    randombytes_buf(b, sizeof(b));
    sodium_bin2base64(out, SECURE_TOKEN_LEN + 1, b, sizeof(b),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof(b));
}

void secure_sha256_hex(const void *data, size_t len, char out[static SECURE_HASH_HEX_LEN + 1])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    secure_hex_encode(h, sizeof(h), out);
}

void secure_hmac_hex(const uint8_t key[static 32], const void *data, size_t len,
                     char out[static SECURE_HASH_HEX_LEN + 1])
{
    uint8_t h[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, h);
    secure_hex_encode(h, sizeof(h), out);
}

bool secure_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    if (alen != blen)
        return false;
    return sodium_memcmp(a, b, alen) == 0;
}

bool secure_password_hash(const char *password, size_t len, char out[static SECURE_PWHASH_MAX])
{
    _Static_assert(crypto_pwhash_STRBYTES <= SECURE_PWHASH_MAX, "pwhash buffer");
    return crypto_pwhash_str_alg(out, password, len, PW_OPSLIMIT, PW_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool secure_password_verify(const char *encoded, const char *password, size_t len)
{
    return crypto_pwhash_str_verify(encoded, password, len) == 0;
}

char *secure_seal(const uint8_t key[static 32], const char *plain, size_t len)
{
    size_t boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    uint8_t *box = xmalloc(boxlen);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const uint8_t *)plain, len, box,
                          key);
    size_t b64len = sodium_base64_ENCODED_LEN(boxlen, sodium_base64_VARIANT_ORIGINAL);
    char *out = xmalloc(b64len);
    sodium_bin2base64(out, b64len, box, boxlen, sodium_base64_VARIANT_ORIGINAL);
    free(box);
    return out;
}

char *secure_unseal(const uint8_t key[static 32], const char *sealed, size_t *len_out)
{
    size_t slen = strlen(sealed);
    uint8_t *box = xmalloc(slen + 1);
    size_t boxlen = 0;
    char *plain = NULL;
    if (sodium_base642bin(box, slen + 1, sealed, slen, NULL, &boxlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        goto out;
    size_t len = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    plain = xmalloc(len + 1);
    if (crypto_secretbox_open_easy((uint8_t *)plain, box + crypto_secretbox_NONCEBYTES,
                                   boxlen - crypto_secretbox_NONCEBYTES, box, key) != 0) {
        free(plain);
        plain = NULL;
        goto out;
    }
    plain[len] = '\0';
    if (len_out)
        *len_out = len;
out:
    free(box);
    return plain;
}
