/*
 * transport.h — handing a finished message to the world: SMTP through
 * libcurl, or an .eml file in the data folder (the embedded default).
 *
 * SMTP: CALENDULA_SMTP_URL (smtp://user:pass@host:port, or smtps://),
 * STARTTLS whenever the server offers it. A 5xx answer is permanent; a
 * 4xx answer, a refused or broken connection or a timeout is temporary.
 * The URL holds a password: it is never logged (describe() leaves it out).
 *
 * Files: DATA_DIR/mail/outbox/<Message-ID>.eml, written under a temporary
 * name, synced, then renamed, so a reader never sees half a file and a
 * resent message replaces its earlier copy instead of adding one.
 *
 * A transport is safe to share between threads; call curl_global_init()
 * once before any thread uses one.
 */
#ifndef CALENDULA_MAIL_TRANSPORT_H
#define CALENDULA_MAIL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"

typedef enum mail_send_rc {
    MAIL_SENT,
    MAIL_TEMPFAIL, /* retry later */
    MAIL_PERMFAIL, /* will never work: dead letter */
    MAIL_ABORTED,  /* abandoned because the worker is stopping */
} mail_send_rc;

typedef struct mail_transport mail_transport;

/* From the configuration: SMTP when smtp_url is set, else files. */
mail_transport *mail_transport_new(const config *cfg);
void mail_transport_free(mail_transport *t);

/* "smtp://host:port" (no credentials) or "files in DIR". */
const char *mail_transport_describe(const mail_transport *t);

/*
 * Sends msg (len bytes, CRLF lines) from envelope address `from` to `to`.
 * message_id names the file in file mode. err gets a sentence without
 * secrets on failure.
 */
mail_send_rc mail_transport_send(mail_transport *t, const char *from, const char *to,
                                 const char *message_id, const char *msg, size_t len,
                                 char *err, size_t errsize);

/*
 * For a prompt shutdown: the connections of sends in progress are shut
 * down, so those sends return MAIL_ABORTED at once (even while waiting for
 * the server's answer), and so does every later send. Thread-safe.
 */
void mail_transport_interrupt(mail_transport *t);

#endif
