/*
 * notify.h — booking events become emails: the job handlers of mail/.
 *
 * Topics handled:
 *   booking.created, booking.rescheduled, booking.cancelled (rows written
 *   by service/bookings.c with the change) and booking.reminder (rows due
 *   at start - offset): fan out into one "email.send" row per recipient
 *   — the invitee and each host — in the same transaction that marks the
 *   event done, so a crash can neither lose nor double the fan-out. A
 *   reminder whose booking no longer stands as it was (cancelled, moved,
 *   already started) is dropped.
 *   email.send: render the message for the recipient (their zone, en_US
 *   wording and date format), send it, record the attempt in
 *   email_notifications. A Message-ID already recorded as sent is not
 *   sent again; reminders are checked against the booking once more.
 *
 * The invitee's manage link needs the manage token, which is stored only
 * as a hash; bookings keep it sealed with the server key (booking_secrets)
 * and it is unsealed here just for the message. It never reaches a log or
 * email_notifications (the recorded body has it replaced).
 */
#ifndef CALENDULA_MAIL_NOTIFY_H
#define CALENDULA_MAIL_NOTIFY_H

#include "jobs/jobs.h"
#include "mail/transport.h"

#define MAIL_NOTIFY_HANDLERS 5
#define MAIL_TOPIC_EMAIL "email.send"
#define MAIL_TOPIC_REMINDER "booking.reminder"

typedef struct mail_notifier mail_notifier;

/* t must outlive the notifier. */
mail_notifier *mail_notifier_new(app *a, mail_transport *t);
void mail_notifier_free(mail_notifier *n);

/* Fills out with the handlers (for jobs_runner_new); returns their number. */
size_t mail_notifier_handlers(mail_notifier *n, jobs_handler out[static MAIL_NOTIFY_HANDLERS]);

#endif
