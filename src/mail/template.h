/*
 * template.h — the words of each notification: subject, plain text and
 * HTML, for the invitee or a host.
 *
 * Inputs are already localised strings (mail/datefmt.h); user text
 * (names, titles, notes, reasons) is escaped for HTML here. Pure: no I/O.
 */
#ifndef CALENDULA_MAIL_TEMPLATE_H
#define CALENDULA_MAIL_TEMPLATE_H

#include <stdbool.h>

#include "base/arena.h"

typedef enum mail_kind {
    MAIL_CONFIRMATION,
    MAIL_RESCHEDULE,
    MAIL_CANCELLATION,
    MAIL_REMINDER,
} mail_kind;

/* "confirmation", "reschedule", "cancellation", "reminder". */
const char *mail_kind_name(mail_kind k);
bool mail_kind_parse(const char *s, mail_kind *out);

typedef struct mail_view {
    mail_kind kind;
    bool to_host;              /* a host's copy; else the invitee's */
    const char *recipient_name;
    const char *meeting_name;
    const char *host_names;    /* "Ann" or "Ann, Bo" */
    const char *invitee_name;
    const char *invitee_email;
    const char *location;      /* may be NULL or "" */
    const char *notes;         /* the invitee's notes; may be NULL or "" */
    const char *reason;        /* cancellation or reschedule reason; may be NULL or "" */
    const char *when;          /* start, formatted for the recipient */
    const char *until;         /* end time, formatted for the recipient */
    const char *zone_label;    /* "America/New_York, UTC-04:00" */
    const char *previous_when; /* reschedule: the old start; may be NULL */
    const char *manage_url;    /* invitee's reschedule/cancel link; may be NULL */
    int minutes_before;        /* reminder: how far ahead */
} mail_view;

typedef struct mail_rendered {
    const char *subject; /* one line */
    const char *text;    /* "\n" line ends */
    const char *html;
} mail_rendered;

/* Renders v into strings allocated in a. */
void mail_render(arena *a, const mail_view *v, mail_rendered *out);

/* "1 hour", "24 hours", "30 minutes", "1 day 2 hours" (English). */
const char *mail_lead_time(arena *a, int minutes);

#endif
