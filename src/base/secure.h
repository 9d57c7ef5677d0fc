/*
 * secure.h — random identifiers, tokens, hashes and passwords (libsodium).
 *
 * Call secure_init() once before any thread uses these.
 */
#ifndef CALENDULA_BASE_SECURE_H
#define CALENDULA_BASE_SECURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECURE_UUID_LEN 36       /* xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx */
#define SECURE_TOKEN_LEN 43      /* 32 random bytes, base64url without padding */
#define SECURE_HASH_HEX_LEN 64   /* SHA-256 in lowercase hex */
#define SECURE_PWHASH_MAX 128    /* crypto_pwhash_STRBYTES */

/* Initialises libsodium; false if it cannot. */
bool secure_init(void);

void secure_random(void *buf, size_t len);

/*
 * Version 7 UUID (RFC 9562), lowercase, NUL-terminated: 48 bits of Unix
 * time in milliseconds, then 74 random bits. Later ids sort after earlier
 * ones (from the next millisecond on), which keeps index inserts local.
 */
void secure_uuid(char out[static SECURE_UUID_LEN + 1]);

/* True for a canonical UUID text (any version, either case). */
bool secure_uuid_valid(const char *s);

/* 256-bit random token as base64url text. */
void secure_token(char out[static SECURE_TOKEN_LEN + 1]);

/* SHA-256 of data as lowercase hex, NUL-terminated. */
void secure_sha256_hex(const void *data, size_t len, char out[static SECURE_HASH_HEX_LEN + 1]);

/* HMAC-SHA-256(key, data) as lowercase hex. key is 32 bytes. */
void secure_hmac_hex(const uint8_t key[static 32], const void *data, size_t len,
                     char out[static SECURE_HASH_HEX_LEN + 1]);

/* Constant-time equality of two equal-length buffers; false if lengths differ. */
bool secure_equal(const void *a, size_t alen, const void *b, size_t blen);

/*
 * Argon2id password hash (libsodium's encoded string, salt included).
 * Parameters meet OWASP's minimum (t=2, m=19 MiB, p=1). false on OOM.
 */
bool secure_password_hash(const char *password, size_t len, char out[static SECURE_PWHASH_MAX]);
bool secure_password_verify(const char *encoded, const char *password, size_t len);

/*
 * Authenticated encryption (XSalsa20-Poly1305) of text with a 32-byte
 * key: secure_seal returns base64 of nonce||ciphertext (free() it);
 * secure_unseal returns the plaintext (free() it) or NULL if the text was
 * altered or the key is wrong.
 */
char *secure_seal(const uint8_t key[static 32], const char *plain, size_t len);
char *secure_unseal(const uint8_t key[static 32], const char *sealed, size_t *len_out);

/* Hex encode/decode helpers. decode returns false on bad input or size. */
void secure_hex_encode(const uint8_t *in, size_t len, char *out /* 2*len+1 */);
bool secure_hex_decode(const char *hex, uint8_t *out, size_t out_len);

#endif
