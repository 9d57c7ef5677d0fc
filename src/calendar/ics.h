/*
 * ics.h — iCalendar (RFC 5545) text for one booking, written with libical
 * (which escapes TEXT values and folds long lines).
 *
 * The UID is stable for a booking (id@calendula); SEQUENCE follows the
 * booking's version so calendar clients replace older copies.
 */
#ifndef CALENDULA_CALENDAR_ICS_H
#define CALENDULA_CALENDAR_ICS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ics_method {
    ICS_PUBLISH = 0, /* a download or feed */
    ICS_REQUEST,     /* an invitation or update in an email */
    ICS_CANCEL,      /* a cancellation in an email */
} ics_method;

typedef struct ics_event {
    const char *booking_id;
    int64_t start, end;  /* UTC instants */
    int64_t stamp;       /* DTSTAMP: when this version was made */
    int sequence;        /* version - 1 */
    bool cancelled;
    const char *summary;
    const char *description; /* may be NULL */
    const char *location;    /* may be NULL */
    const char *organizer_name, *organizer_email;
    const char *attendee_name, *attendee_email;
} ics_event;

/* The VCALENDAR text (CRLF line ends); the caller frees it with free(). */
char *ics_render(const ics_event *ev, ics_method method);

#endif
