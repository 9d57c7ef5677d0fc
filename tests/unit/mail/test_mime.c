/*
 * test_mime.c — header encoding and injection, quoted-printable, base64,
 * Message-IDs, dates and the shape of a whole message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secure.h"
#include "mail/mime.h"

/* ---- helpers: decoders written independently of the encoders ---- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes quoted-printable (CRLF line ends) into out; returns its length. */
static size_t qp_decode(const char *s, char *out)
{
    size_t n = 0;
    while (*s) {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=') {
            assert_true(hexval(s[1]) >= 0 && hexval(s[2]) >= 0);
            out[n++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 3;
        } else if (s[0] == '\r' && s[1] == '\n') {
            out[n++] = '\n';
            s += 2;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    return n;
}

/* Every physical line (CRLF separated) is at most max characters. */
static void assert_lines_within(const char *s, size_t max)
{
    const char *line = s;
    for (const char *p = s;; p++) {
        if (*p == '\0' || (p[0] == '\r' && p[1] == '\n')) {
            if ((size_t)(p - line) > max)
                fail_msg("line of %zu > %zu: %.*s", (size_t)(p - line), max, (int)(p - line),
                         line);
            if (!*p)
                return;
            line = p + 2;
        }
    }
}

/* Decodes a header value made of encoded-words (folded) back to text. */
static void decode_words(const char *v, char *out)
{
    size_t n = 0;
    while (*v) {
        while (*v == '\r' || *v == '\n' || *v == ' ')
            v++;
        if (!*v)
            break;
        assert_memory_equal(v, "=?UTF-8?B?", 10);
        const char *end = strstr(v + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - v <= 75); /* RFC 2047: an encoded-word is at most 75 characters */
        unsigned char bin[100];
        size_t len = 0;
        assert_int_equal(sodium_base642bin(bin, sizeof(bin), v + 10, (size_t)(end - v - 10), NULL,
                                           &len, NULL, sodium_base64_VARIANT_ORIGINAL),
                         0);
        /* each word holds whole UTF-8 characters */
        assert_true(len == 0 || (bin[0] & 0xc0) != 0x80);
        memcpy(out + n, bin, len);
        n += len;
        v = end + 2;
    }
    out[n] = '\0';
}

static const char *header_value(strbuf *sb, const char *name)
{
    size_t n = strlen(name);
    assert_memory_equal(sb->buf, name, n);
    assert_memory_equal(sb->buf + n, ": ", 2);
    return sb->buf + n + 2;
}

/* ---- tests ---- */

static void test_header_value_ok(void **state)
{
    (void)state;
    assert_true(mime_header_value_ok("Intro call: Zoë & Ann"));
    assert_false(mime_header_value_ok("Hi\r\nBcc: evil@example.com"));
    assert_false(mime_header_value_ok("Hi\nBcc: evil@example.com"));
    assert_false(mime_header_value_ok("Hi\rThere"));
    assert_false(mime_header_value_ok("tab\there"));
    assert_false(mime_header_value_ok("del\x7f"));
    assert_true(mime_address_ok("ann@example.com"));
    assert_false(mime_address_ok("ann@example.com\r\nBcc: x@y.z"));
    assert_false(mime_address_ok("ann@example.com, eve@example.com"));
    assert_false(mime_address_ok("Ann <ann@example.com>"));
    assert_false(mime_address_ok("no-at-sign"));
    assert_false(mime_address_ok("a@b@c"));
    assert_false(mime_address_ok("zoë@example.com"));
}

static void test_text_header_ascii_and_folding(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    assert_true(mime_put_text_header(&sb, "Subject", "Confirmed: Intro call"));
    assert_string_equal(sb.buf, "Subject: Confirmed: Intro call\r\n");
    strbuf_reset(&sb);
    char longv[400] = "";
    for (int i = 0; i < 30; i++)
        strcat(longv, i ? " word" : "Start");
    strcat(longv, " end");
    assert_true(mime_put_text_header(&sb, "Subject", longv));
    assert_lines_within(sb.buf, 78);
    /* unfolding (dropping CRLF before the space) gives the value back */
    char unfolded[500];
    size_t n = 0;
    for (const char *p = header_value(&sb, "Subject"); *p; p++)
        if (*p != '\r' && *p != '\n')
            unfolded[n++] = *p;
    unfolded[n] = '\0';
    assert_string_equal(unfolded, longv);
    strbuf_release(&sb);
}

static void test_text_header_encoded_words(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    assert_true(mime_put_text_header(&sb, "Subject", "Zoë"));
    assert_string_equal(sb.buf, "Subject: =?UTF-8?B?Wm/Dqw==?=\r\n");
    strbuf_reset(&sb);
    /* long and full of multi-byte characters: split only between characters */
    const char *v = "Réunion d’équipe avec Zoë Ångström — mardi 16 mars 2027 à 9:00 "
                    "(heure de Paris) 日本語のテキストも含む件名です";
    assert_true(mime_put_text_header(&sb, "Subject", v));
    assert_lines_within(sb.buf, 76);
    char decoded[600];
    char *value = strdup(header_value(&sb, "Subject"));
    value[strlen(value) - 2] = '\0'; /* the final CRLF */
    decode_words(value, decoded);
    free(value);
    assert_string_equal(decoded, v);
    /* ASCII that looks like an encoded-word is encoded, not passed through */
    strbuf_reset(&sb);
    assert_true(mime_put_text_header(&sb, "Subject", "=?UTF-8?B?SGk=?="));
    assert_non_null(strstr(sb.buf, "=?UTF-8?B?PT9VVEYtOD9CP1NHaz0/PQ==?="));
    strbuf_release(&sb);
}

static void test_header_injection_refused(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    assert_false(mime_put_text_header(&sb, "Subject", "Hello\r\nBcc: evil@example.com"));
    assert_false(mime_put_text_header(&sb, "Subject", "Hello\nBcc: evil@example.com"));
    assert_false(mime_put_address_header(&sb, "To", "Eve\r\nBcc: evil@example.com",
                                         "eve@example.com"));
    assert_false(mime_put_address_header(&sb, "To", "Eve", "eve@example.com>\r\nBcc: x@y.z"));
    assert_int_equal(sb.len, 0); /* nothing half-written */
    strbuf_release(&sb);
}

static void test_address_header(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    assert_true(mime_put_address_header(&sb, "To", "Ann Lee", "ann@example.com"));
    assert_string_equal(sb.buf, "To: Ann Lee <ann@example.com>\r\n");
    strbuf_reset(&sb);
    assert_true(mime_put_address_header(&sb, "To", "Lee, Ann \"AL\" \\o/", "ann@example.com"));
    assert_string_equal(sb.buf, "To: \"Lee, Ann \\\"AL\\\" \\\\o/\" <ann@example.com>\r\n");
    strbuf_reset(&sb);
    assert_true(mime_put_address_header(&sb, "From", "Zoë via Calendula", "cal@example.com"));
    assert_string_equal(sb.buf, "From: =?UTF-8?B?Wm/DqyB2aWEgQ2FsZW5kdWxh?= <cal@example.com>\r\n");
    strbuf_reset(&sb);
    assert_true(mime_put_address_header(&sb, "To", NULL, "ann@example.com"));
    assert_string_equal(sb.buf, "To: <ann@example.com>\r\n");
    strbuf_release(&sb);
}

static void test_quoted_printable(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    const char *in = "h\xc3\xa9llo = 1\n.dot\ntrailing  \nx";
    mime_qp_encode(&sb, in, strlen(in));
    assert_string_equal(sb.buf, "h=C3=A9llo =3D 1\r\n=2Edot\r\ntrailing =20\r\nx");
    char text[3000], decoded[3000];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", "Ünïcödé and plain words, ");
    text[n++] = '\n';
    memset(text + n, '=', 200);
    n += 200;
    text[n] = '\0';
    strbuf_reset(&sb);
    mime_qp_encode(&sb, text, n);
    assert_lines_within(sb.buf, 76);
    qp_decode(sb.buf, decoded);
    assert_string_equal(decoded, text);
    strbuf_reset(&sb); /* CRLF input is not doubled */
    mime_qp_encode(&sb, "a\r\nb", 4);
    assert_string_equal(sb.buf, "a\r\nb");
    strbuf_release(&sb);
}

static void test_base64_lines(void **state)
{
    (void)state;
    strbuf sb;
    strbuf_init(&sb, 0);
    unsigned char data[300];
    for (int i = 0; i < 300; i++)
        data[i] = (unsigned char)(i * 7);
    mime_base64_lines(&sb, data, sizeof(data));
    assert_lines_within(sb.buf, 76);
    assert_int_equal(sb.buf[76], '\r');
    char joined[500];
    size_t n = 0;
    for (const char *p = sb.buf; *p; p++)
        if (*p != '\r' && *p != '\n')
            joined[n++] = *p;
    unsigned char back[300];
    size_t len = 0;
    assert_int_equal(sodium_base642bin(back, sizeof(back), joined, n, NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL), 0);
    assert_int_equal(len, 300);
    assert_memory_equal(back, data, 300);
    strbuf_release(&sb);
}

static void test_message_id_is_deterministic(void **state)
{
    (void)state;
    const char *b = "4fd17650-fcb5-45af-a558-14992ade49ef";
    char a1[MIME_MESSAGE_ID_MAX + 1], a2[MIME_MESSAGE_ID_MAX + 1], a3[MIME_MESSAGE_ID_MAX + 1],
        a4[MIME_MESSAGE_ID_MAX + 1];
    mime_message_id(b, "ev-1", "ann@example.com", "example.org", a1);
    mime_message_id(b, "ev-1", "Ann@Example.COM", "example.org", a2);
    mime_message_id(b, "ev-2", "ann@example.com", "example.org", a3);
    mime_message_id(b, "ev-1", "bo@example.com", "example.org", a4);
    assert_string_equal(a1, a2);
    assert_string_not_equal(a1, a3);
    assert_string_not_equal(a1, a4);
    assert_memory_equal(a1, b, strlen(b));
    assert_non_null(strstr(a1, "@example.org"));
    assert_int_equal(strlen(a1), strlen(b) + 1 + 16 + strlen("@example.org"));
}

static void test_date(void **state)
{
    (void)state;
    char d[MIME_DATE_MAX];
    mime_date(1805202000, d); /* 2027-03-16T13:00:00Z */
    assert_string_equal(d, "Tue, 16 Mar 2027 13:00:00 +0000");
    mime_date(0, d);
    assert_string_equal(d, "Thu, 1 Jan 1970 00:00:00 +0000");
}

static mime_message sample(void)
{
    return (mime_message){
        .from_name = "Ann via Calendula", .from_addr = "cal@example.org",
        .to_name = "Zoë", .to_addr = "zoe@example.com",
        .reply_to_name = "Ann", .reply_to_addr = "ann@example.com",
        .subject = "Confirmed: Intro call", .message_id = "b-1.abcdef0123456789@example.org",
        .date = 1805202000, .text = "Hello Zoë,\nsee you.\n", .html = "<p>Hello Zo&euml;</p>",
        .ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", .ics_method = "REQUEST",
    };
}

static void test_build_message(void **state)
{
    (void)state;
    mime_message m = sample();
    strbuf sb;
    strbuf_init(&sb, 0);
    char err[200];
    assert_true(mime_build(&m, &sb, err, sizeof(err)));
    const char *s = sb.buf;
    assert_non_null(strstr(s, "\r\nMessage-ID: <b-1.abcdef0123456789@example.org>\r\n"));
    assert_non_null(strstr(s, "\r\nDate: Tue, 16 Mar 2027 13:00:00 +0000\r\n"));
    assert_non_null(strstr(s, "\r\nReply-To: Ann <ann@example.com>\r\n"));
    assert_non_null(strstr(s, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(s, "Content-Type: multipart/mixed; boundary=\""));
    assert_non_null(strstr(s, "Content-Type: multipart/alternative; boundary=\""));
    assert_non_null(strstr(s, "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n\r\nHello Zo=C3=AB,"));
    assert_non_null(strstr(s, "Content-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(s, "Content-Type: text/calendar; charset=utf-8; method=REQUEST;"));
    assert_non_null(strstr(s, "Content-Disposition: attachment; filename=\"invite.ics\""));
    /* headers end before the first blank line; no bare LF anywhere */
    const char *blank = strstr(s, "\r\n\r\n");
    assert_non_null(blank);
    assert_non_null(strstr(s, "Subject: Confirmed: Intro call\r\n"));
    assert_true(strstr(s, "Subject:") < blank);
    for (const char *p = s; *p; p++)
        if (*p == '\n')
            assert_int_equal(p[-1], '\r');
    assert_lines_within(s, 998);
    /* the closing boundaries are there, alternative inside mixed */
    const char *alt_end = strstr(s, "--=_alt_");
    assert_non_null(alt_end);
    assert_non_null(strstr(s, "--\r\n--=_mixed_"));
    size_t len = strlen(s);
    assert_true(len > 6 && memcmp(s + len - 4, "--\r\n", 4) == 0);
    strbuf_release(&sb);

    m.ics_method = "CANCEL";
    strbuf_init(&sb, 0);
    assert_true(mime_build(&m, &sb, err, sizeof(err)));
    assert_non_null(strstr(sb.buf, "method=CANCEL;"));
    strbuf_release(&sb);
}

static void test_build_refuses_injection(void **state)
{
    (void)state;
    char err[200];
    strbuf sb;
    mime_message m = sample();
    m.subject = "Intro\r\nBcc: evil@example.com";
    strbuf_init(&sb, 0);
    assert_false(mime_build(&m, &sb, err, sizeof(err)));
    assert_non_null(strstr(err, "Subject"));
    strbuf_release(&sb);
    m = sample();
    m.to_name = "Zoë\nBcc: evil@example.com";
    strbuf_init(&sb, 0);
    assert_false(mime_build(&m, &sb, err, sizeof(err)));
    assert_non_null(strstr(err, "To"));
    strbuf_release(&sb);
    m = sample();
    m.message_id = "x>\r\nBcc: evil@example.com";
    strbuf_init(&sb, 0);
    assert_false(mime_build(&m, &sb, err, sizeof(err)));
    strbuf_release(&sb);
}

int main(void)
{
    secure_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_value_ok),
        cmocka_unit_test(test_text_header_ascii_and_folding),
        cmocka_unit_test(test_text_header_encoded_words),
        cmocka_unit_test(test_header_injection_refused),
        cmocka_unit_test(test_address_header),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_base64_lines),
        cmocka_unit_test(test_message_id_is_deterministic),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_build_message),
        cmocka_unit_test(test_build_refuses_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
