/* mime.c — see mime.h. */
#include "mail/mime.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/secure.h"
#include "base/xalloc.h"

#define LINE_MAX_COLS 78
#define QP_MAX_COLS 76
#define WORD_BYTES 36 /* UTF-8 bytes per encoded-word: 48 base64 chars, 60 in all */

/* ---------------------------------------------------------------- checks */

bool mime_header_value_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool mime_address_ok(const char *addr)
{
    const char *at = addr ? strchr(addr, '@') : NULL;
    if (!at || at == addr || !at[1] || strchr(at + 1, '@') || strlen(addr) > 254)
        return false;
    for (const char *p = addr; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return false;
    }
    return true;
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return strstr(s, "=?") == NULL; /* would read as an encoded-word */
}

/* ---------------------------------------------------------------- encoded-words */

/* Appends encoded-words for s, separated by CRLF SP (a fold). */
static void put_encoded_words(strbuf *out, const char *s)
{
    size_t len = strlen(s), pos = 0;
    while (pos < len) {
        size_t n = len - pos < WORD_BYTES ? len - pos : WORD_BYTES;
        /* Never split a UTF-8 sequence: back off continuation bytes. */
        while (n > 1 && pos + n < len && ((unsigned char)s[pos + n] & 0xc0) == 0x80)
            n--;
        char b64[sodium_base64_ENCODED_LEN(WORD_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + pos, n,
                          sodium_base64_VARIANT_ORIGINAL);
        if (pos)
            strbuf_append_str(out, "\r\n ");
        strbuf_appendf(out, "=?UTF-8?B?%s?=", b64);
        pos += n;
    }
}

/* Appends plain ASCII, folding before a space when a line would pass 78 columns. */
static void put_folded(strbuf *out, const char *s, size_t col)
{
    size_t len = strlen(s);
    while (col + len > LINE_MAX_COLS) {
        size_t room = LINE_MAX_COLS - col, cut = 0;
        for (size_t i = 1; i <= room && i < len; i++)
            if (s[i] == ' ')
                cut = i;
        if (cut == 0) /* one long word: leave it whole (still far below 998) */
            break;
        strbuf_append(out, s, cut);
        strbuf_append_str(out, "\r\n");
        s += cut; /* the space starts the continuation line */
        len -= cut;
        col = 0;
    }
    strbuf_append(out, s, len);
}

bool mime_put_text_header(strbuf *out, const char *name, const char *value)
{
    if (!mime_header_value_ok(value))
        return false;
    strbuf_appendf(out, "%s: ", name);
    if (plain_ascii(value))
        put_folded(out, value, strlen(name) + 2);
    else
        put_encoded_words(out, value);
    strbuf_append_str(out, "\r\n");
    return true;
}

/* atext of RFC 5322 plus spaces between words: no quoting needed. */
static bool phrase_plain(const char *s)
{
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c == ' ' && p != s && p[1]) || strchr("!#$%&'*+-/=?^_`{|}~", c);
        if (!ok)
            return false;
    }
    return true;
}

bool mime_put_address_header(strbuf *out, const char *name, const char *display,
                             const char *addr)
{
    if (!mime_address_ok(addr) || (display && !mime_header_value_ok(display)))
        return false;
    strbuf_appendf(out, "%s: ", name);
    if (display && *display) {
        if (!plain_ascii(display)) {
            put_encoded_words(out, display);
        } else if (phrase_plain(display)) {
            strbuf_append_str(out, display);
        } else {
            strbuf_append_str(out, "\"");
            for (const char *p = display; *p; p++) {
                if (*p == '"' || *p == '\\')
                    strbuf_append_str(out, "\\");
                strbuf_append(out, p, 1);
            }
            strbuf_append_str(out, "\"");
        }
        strbuf_append_str(out, strlen(display) > 40 ? "\r\n <" : " <");
    } else {
        strbuf_append_str(out, "<");
    }
    strbuf_appendf(out, "%s>\r\n", addr);
    return true;
}

/* ---------------------------------------------------------------- bodies */

/* Appends one line (no line break inside) as quoted-printable with soft breaks. */
static void qp_line(strbuf *out, const unsigned char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        bool last = i + 1 == n;
        char enc[4];
        size_t w;
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        if (c == '.' && col == 0) /* keeps naive SMTP relays from dot-stuffing trouble */
            literal = false;
        if (literal) {
            enc[0] = (char)c;
            w = 1;
        } else {
            snprintf(enc, sizeof(enc), "=%02X", c);
            w = 3;
        }
        if (col + w > QP_MAX_COLS - 1) { /* room for the soft break's '=' */
            strbuf_append_str(out, "=\r\n");
            col = 0;
        }
        strbuf_append(out, enc, w);
        col += w;
    }
}

void mime_qp_encode(strbuf *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '\n')
            continue;
        size_t end = i;
        if (end > start && s[end - 1] == '\r')
            end--;
        qp_line(out, s + start, end - start);
        if (i < len)
            strbuf_append_str(out, "\r\n");
        start = i + 1;
    }
}

void mime_base64_lines(strbuf *out, const void *data, size_t len)
{
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(b64len);
    sodium_bin2base64(b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(b64);
    for (size_t i = 0; i < n; i += 76) {
        strbuf_append(out, b64 + i, n - i < 76 ? n - i : 76);
        strbuf_append_str(out, "\r\n");
    }
    free(b64);
}

/* ---------------------------------------------------------------- ids and dates */

void mime_message_id(const char *booking_id, const char *event_id, const char *recipient,
                     const char *domain, char out[static MIME_MESSAGE_ID_MAX + 1])
{
    strbuf key;
    strbuf_init(&key, 0);
    strbuf_appendf(&key, "%s\n%s\n", booking_id, event_id);
    for (const char *p = recipient; *p; p++) {
        char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        strbuf_append(&key, &c, 1);
    }
    char hex[SECURE_HASH_HEX_LEN + 1];
    secure_sha256_hex(key.buf, key.len, hex);
    strbuf_release(&key);
    snprintf(out, MIME_MESSAGE_ID_MAX + 1, "%.64s.%.16s@%.64s", booking_id, hex, domain);
}

void mime_date(int64_t t, char out[static MIME_DATE_MAX])
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int32_t day = (int32_t)civil_floor_div(t, 86400);
    int secs = (int)civil_floor_mod(t, 86400);
    civil_date d = civil_date_from_days(day);
    snprintf(out, MIME_DATE_MAX, "%s, %d %s %04d %02d:%02d:%02d +0000", days[civil_weekday(day)],
             d.day, months[d.month - 1], d.year, secs / 3600, secs / 60 % 60, secs % 60);
}

/* ---------------------------------------------------------------- the message */

static bool fail(char *err, size_t errsize, const char *header)
{
    snprintf(err, errsize, "unsafe %s header value (control characters or a bad address)",
             header);
    return false;
}

static void put_part_header(strbuf *out, const char *boundary, const char *type,
                            const char *encoding)
{
    strbuf_appendf(out, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n",
                   boundary, type, encoding);
}

/* The top-level headers (From … Message-ID); false naming the bad one. */
static bool put_headers(const mime_message *m, strbuf *out, char *err, size_t errsize)
{
    if (!mime_put_address_header(out, "From", m->from_name, m->from_addr))
        return fail(err, errsize, "From");
    if (!mime_put_address_header(out, "To", m->to_name, m->to_addr))
        return fail(err, errsize, "To");
    if (m->reply_to_addr &&
        !mime_put_address_header(out, "Reply-To", m->reply_to_name, m->reply_to_addr))
        return fail(err, errsize, "Reply-To");
    if (!mime_put_text_header(out, "Subject", m->subject))
        return fail(err, errsize, "Subject");
    if (!mime_header_value_ok(m->message_id) || strchr(m->message_id, ' ') ||
        strchr(m->message_id, '>') || strchr(m->message_id, '<'))
        return fail(err, errsize, "Message-ID");
    char date[MIME_DATE_MAX];
    mime_date(m->date, date);
    strbuf_appendf(out, "Date: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                        "Auto-Submitted: auto-generated\r\n",
                   date, m->message_id);
    return true;
}

/* A boundary for this message: "=_<kind>_" and the id's first characters.
 * Quoted-printable and base64 text can never contain "=_". */
static void boundary(char out[static 40], const char *kind, const char *message_id)
{
    snprintf(out, 40, "=_%s_%.16s", kind, message_id);
    for (char *p = out; *p; p++)
        if (*p == '@' || *p == '.')
            *p = '_';
}

bool mime_build(const mime_message *m, strbuf *out, char *err, size_t errsize)
{
    if (!put_headers(m, out, err, errsize))
        return false;
    char mixed[40], alt[40];
    boundary(mixed, "mixed", m->message_id);
    boundary(alt, "alt", m->message_id);
    strbuf_appendf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
                        "This is a MIME message.\r\n"
                        "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
                   mixed, mixed, alt);
    put_part_header(out, alt, "text/plain; charset=utf-8", "quoted-printable");
    mime_qp_encode(out, m->text, strlen(m->text));
    strbuf_append_str(out, "\r\n");
    put_part_header(out, alt, "text/html; charset=utf-8", "quoted-printable");
    mime_qp_encode(out, m->html, strlen(m->html));
    strbuf_appendf(out, "\r\n--%s--\r\n", alt);
    if (m->ics) {
        const char *method = m->ics_method && strcmp(m->ics_method, "CANCEL") == 0 ? "CANCEL"
                                                                                    : "REQUEST";
        strbuf_appendf(out, "--%s\r\nContent-Type: text/calendar; charset=utf-8; method=%s;"
                            " name=\"invite.ics\"\r\n"
                            "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
                            "Content-Transfer-Encoding: base64\r\n\r\n",
                       mixed, method);
        mime_base64_lines(out, m->ics, strlen(m->ics));
    }
    strbuf_appendf(out, "--%s--\r\n", mixed);
    return true;
}
