/*
 * bookings.h — book, view, reschedule and cancel, never double-booking.
 *
 * Every write runs in one write transaction that (1) asks the slot engine
 * whether the time is offered right now, (2) writes the booking, its
 * holds on each host (booking_hosts; the database refuses overlapping
 * holds by itself), its history and its outbox event, and (3) lets the
 * caller add rows of its own (the idempotency record) before COMMIT.
 */
#ifndef CALENDULA_SERVICE_BOOKINGS_H
#define CALENDULA_SERVICE_BOOKINGS_H

#include "base/secure.h"
#include "service/service.h"

typedef struct booking_input {
    const char *meeting_type_id;
    int64_t start;
    const char *invitee_name;
    const char *invitee_email;
    const char *invitee_timezone;
    const char *notes;        /* may be NULL */
    const char *answers_json; /* a JSON object text, or NULL */
    const char *invitee_locale; /* language tag for the invitee's emails, or NULL (en-US) */
} booking_input;

typedef struct booking_result {
    store_booking booking;
    char manage_token[SECURE_TOKEN_LEN + 1]; /* set only for a new booking */
    bool existing; /* the same booking already stood: nothing was written */
} booking_result;

/* Who is asking: a signed-in user (a host of the booking) or the manage token. */
typedef struct booking_access {
    const store_user *user; /* may be NULL */
    const char *token;      /* may be NULL */
} booking_access;

/*
 * Runs inside the write transaction just before COMMIT; non-OK aborts it.
 * Like all of the booking's write it may run on another thread (see
 * store_write): it reaches the database only through c.
 */
typedef svc_rc (*booking_commit_hook)(void *ctx, store_conn *c, const booking_result *r,
                                      svc_error *e);

svc_rc bookings_create(app *a, arena *ar, const booking_input *in, booking_commit_hook hook,
                       void *hook_ctx, booking_result *out, svc_error *e);

svc_rc bookings_get(app *a, arena *ar, const char *id, const booking_access *who,
                    store_booking *out, svc_error *e);

/* version 0 = any. */
svc_rc bookings_reschedule(app *a, arena *ar, const char *id, const booking_access *who,
                           int64_t start, const char *reason, int version, store_booking *out,
                           svc_error *e);

/* Cancelling a cancelled booking answers it as it is. */
svc_rc bookings_cancel(app *a, arena *ar, const char *id, const booking_access *who,
                       const char *reason, store_booking *out, svc_error *e);

svc_rc bookings_list(app *a, arena *ar, const store_booking_filter *f, store_booking **out,
                     size_t *count, svc_error *e);

#endif
