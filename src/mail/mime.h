/*
 * mime.h — Internet messages (RFC 5322) with MIME parts (RFC 2045/2046)
 * and encoded headers (RFC 2047), built as bytes with CRLF line ends.
 *
 * The message shape is fixed: multipart/mixed of a multipart/alternative
 * (text/plain, text/html; UTF-8, quoted-printable) and, when given, an
 * .ics attachment (text/calendar; method=…; base64).
 *
 * Header safety: a header value that holds CR, LF or any other control
 * character is refused (mime_build fails naming the header), so user text
 * can never start a header of its own. Values that are not plain ASCII
 * are sent as RFC 2047 encoded-words; addresses must be plain
 * local@domain. Pure functions: no I/O, no clock.
 */
#ifndef CALENDULA_MAIL_MIME_H
#define CALENDULA_MAIL_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define MIME_MESSAGE_ID_MAX 160 /* without the angle brackets */
#define MIME_DATE_MAX 40

/* True when s has no control characters (CR, LF, NUL…, DEL): safe in a header. */
bool mime_header_value_ok(const char *s);

/* True for a plain address local@domain: visible ASCII without specials. */
bool mime_address_ok(const char *addr);

/*
 * Appends "Name: value" CRLF. Plain ASCII is folded at spaces to 78
 * columns; anything else (or text that looks like an encoded-word) becomes
 * UTF-8 "B" encoded-words of at most 76 characters. false (nothing
 * appended) when the value is not mime_header_value_ok.
 */
bool mime_put_text_header(strbuf *out, const char *name, const char *value);

/*
 * Appends "Name: display <addr>" CRLF; display may be NULL or "". It is
 * quoted when it holds specials, encoded when not ASCII. false when either
 * part is unsafe.
 */
bool mime_put_address_header(strbuf *out, const char *name, const char *display,
                             const char *addr);

/* Quoted-printable (RFC 2045) of UTF-8 text; "\n" or "\r\n" become CRLF line breaks. */
void mime_qp_encode(strbuf *out, const char *text, size_t len);

/* Base64 in lines of 76 characters, each ended by CRLF. */
void mime_base64_lines(strbuf *out, const void *data, size_t len);

/*
 * The Message-ID (without <>) of the email about event_id of booking_id
 * to recipient: "<booking_id>.<16 hex of SHA-256(booking, event,
 * lowercased recipient)>@<domain>". The same inputs always give the same
 * id, so a resent copy is recognisable as a duplicate.
 */
void mime_message_id(const char *booking_id, const char *event_id, const char *recipient,
                     const char *domain, char out[static MIME_MESSAGE_ID_MAX + 1]);

/* RFC 5322 date of an instant in UTC: "Tue, 16 Mar 2027 13:00:00 +0000". */
void mime_date(int64_t t, char out[static MIME_DATE_MAX]);

typedef struct mime_message {
    const char *from_name, *from_addr;
    const char *to_name, *to_addr;
    const char *reply_to_name, *reply_to_addr; /* reply_to_addr may be NULL */
    const char *subject;
    const char *message_id; /* without <> */
    int64_t date;
    const char *text;       /* UTF-8, "\n" line ends */
    const char *html;       /* UTF-8 */
    const char *ics;        /* may be NULL: no attachment */
    const char *ics_method; /* "REQUEST" or "CANCEL" */
} mime_message;

/*
 * Appends the whole message. false (with a sentence naming the header in
 * err) when a header value or address is unsafe; out is then unspecified.
 */
bool mime_build(const mime_message *m, strbuf *out, char *err, size_t errsize);

#endif
