/* notify.c — see notify.h. */
#include "mail/notify.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/secure.h"
#include "base/xalloc.h"
#include "calendar/ics.h"
#include "mail/datefmt.h"
#include "mail/mime.h"
#include "mail/template.h"
#include "service/tzdb.h"

#define MAX_RECIPIENTS 66 /* the invitee and up to 64 hosts, with room */

struct mail_notifier {
    app *app;
    mail_transport *transport;
    char domain[256]; /* of the From address: Message-IDs end with it */
};

mail_notifier *mail_notifier_new(app *a, mail_transport *t)
{
    mail_notifier *n = xcalloc(1, sizeof(*n));
    n->app = a;
    n->transport = t;
    const char *at = strchr(a->cfg->mail_from, '@');
    snprintf(n->domain, sizeof(n->domain), "%s", at ? at + 1 : "calendula.invalid");
    return n;
}

void mail_notifier_free(mail_notifier *n)
{
    free(n);
}

/* ---------------------------------------------------------------- payloads */

/* An outbox payload: a booking event, or one email of one (fields below `to`). */
typedef struct event {
    const char *event_id, *booking_id;
    int version;
    int64_t start, end, previous_start;
    int minutes_before;
    const char *reason; /* a reschedule's reason, or NULL */
    mail_kind kind;
    const char *role; /* email rows: "invitee" or "host" */
    const char *user_id; /* the host's id */
    const char *to;
} event;

static const char *jstr(arena *a, json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? arena_strdup(a, s) : NULL;
}

static int64_t jint(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static bool parse_event(arena *a, const char *payload, bool email, event *ev, char *err,
                        size_t errsize)
{
    memset(ev, 0, sizeof(*ev));
    json_t *o = json_loads(payload, 0, NULL);
    if (o) {
        ev->event_id = jstr(a, o, "event_id");
        ev->booking_id = jstr(a, o, "booking_id");
        ev->version = (int)jint(o, "version");
        ev->start = jint(o, "start_time");
        ev->end = jint(o, "end_time");
        ev->previous_start = jint(o, "previous_start_time");
        ev->minutes_before = (int)jint(o, "minutes_before");
        ev->reason = jstr(a, o, "reason");
        ev->role = jstr(a, o, "role");
        ev->user_id = jstr(a, o, "user_id");
        ev->to = jstr(a, o, "to");
        if (email && !mail_kind_parse(json_string_value(json_object_get(o, "kind")), &ev->kind))
            ev->role = NULL; /* reported below */
    }
    json_decref(o);
    bool ok = o && ev->event_id && ev->booking_id && ev->end > ev->start &&
              (!email || (ev->role && ev->to));
    if (!ok)
        snprintf(err, errsize, "malformed payload");
    return ok;
}

static char *email_payload(const event *ev, mail_kind kind, const char *role,
                           const char *user_id, const char *to)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:s, s:s}", "kind",
                          mail_kind_name(kind), "event_id", ev->event_id, "booking_id",
                          ev->booking_id, "version", ev->version, "start_time",
                          (json_int_t)ev->start, "end_time", (json_int_t)ev->end, "role", role,
                          "to", to);
    if (user_id)
        json_object_set_new(o, "user_id", json_string(user_id));
    if (ev->previous_start)
        json_object_set_new(o, "previous_start_time", json_integer(ev->previous_start));
    if (ev->minutes_before)
        json_object_set_new(o, "minutes_before", json_integer(ev->minutes_before));
    if (ev->reason)
        json_object_set_new(o, "reason", json_string(ev->reason));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* A reminder goes out only for the booking as it was when scheduled, before it starts. */
static bool reminder_stands(const store_booking *b, const event *ev, int64_t now)
{
    return strcmp(b->status, "confirmed") == 0 && b->version == ev->version &&
           b->start_time == ev->start && now < b->start_time;
}

/* ---------------------------------------------------------------- fan-out */

typedef struct recipient {
    const char *role, *user_id, *email;
} recipient;

static size_t add_recipient(recipient *r, size_t n, const char *role, const char *user_id,
                            const char *email)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(r[i].email, email) == 0) /* one email per address and event */
            return n;
    if (n < MAX_RECIPIENTS)
        r[n++] = (recipient){role, user_id, email};
    return n;
}

/* The invitee and every host holding the booking (the assigned host when none is listed). */
static store_rc recipients_of(store_conn *c, arena *a, const store_booking *b, recipient *out,
                              size_t *n)
{
    char **hosts = NULL;
    size_t nhosts = 0;
    store_rc rc = store_booking_hosts_get(c, a, b->id, &hosts, &nhosts);
    if (rc != STORE_OK)
        return rc;
    if (nhosts == 0) {
        hosts = arena_alloc(a, sizeof(char *));
        hosts[0] = b->host_user_id;
        nhosts = 1;
    }
    *n = add_recipient(out, 0, "invitee", NULL, b->invitee_email);
    for (size_t i = 0; i < nhosts; i++) {
        store_user u;
        rc = store_user_get(c, a, hosts[i], &u);
        if (rc == STORE_NOT_FOUND)
            continue;
        if (rc != STORE_OK)
            return rc;
        *n = add_recipient(out, *n, "host", u.id, u.email);
    }
    return STORE_OK;
}

static mail_kind kind_of_topic(const char *topic)
{
    if (strcmp(topic, "booking.rescheduled") == 0)
        return MAIL_RESCHEDULE;
    if (strcmp(topic, "booking.cancelled") == 0)
        return MAIL_CANCELLATION;
    if (strcmp(topic, MAIL_TOPIC_REMINDER) == 0)
        return MAIL_REMINDER;
    return MAIL_CONFIRMATION;
}

/* Inserts the email rows of one event; note tells why none were needed. */
static store_rc fan_out_in_tx(mail_notifier *nf, store_conn *c, jobs_job *job, const event *ev,
                              const char **note)
{
    arena *a = job->arena;
    int64_t now = svc_now(nf->app);
    mail_kind kind = kind_of_topic(job->row->topic);
    store_booking b;
    store_rc rc = store_booking_get(c, a, ev->booking_id, &b);
    if (rc == STORE_NOT_FOUND) {
        *note = "skipped: the booking no longer exists";
        return STORE_OK;
    }
    if (rc != STORE_OK)
        return rc;
    if (kind == MAIL_REMINDER && !reminder_stands(&b, ev, now)) {
        *note = "skipped: the booking was cancelled, moved or has started";
        return STORE_OK;
    }
    recipient rs[MAX_RECIPIENTS];
    size_t n = 0;
    if ((rc = recipients_of(c, a, &b, rs, &n)) != STORE_OK)
        return rc;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        char hex[SECURE_HASH_HEX_LEN + 1];
        secure_sha256_hex(rs[i].email, strlen(rs[i].email), hex);
        const char *child = arena_printf(a, "%s/%.16s", ev->event_id, hex);
        char *payload = email_payload(ev, kind, rs[i].role, rs[i].user_id, rs[i].email);
        rc = store_outbox_insert_at(c, child, MAIL_TOPIC_EMAIL, ev->booking_id, payload, now,
                                    now);
        free(payload);
    }
    return rc;
}

static jobs_verdict fan_out(void *ctx, jobs_job *job)
{
    mail_notifier *nf = ctx;
    event ev;
    if (!parse_event(job->arena, job->row->payload_json, false, &ev, job->error,
                     sizeof(job->error)))
        return JOBS_FAIL;
    store_conn *c = store_conn_get(nf->app->store);
    store_rc rc = c ? store_begin(c, true) : STORE_UNAVAILABLE;
    if (rc != STORE_OK) {
        snprintf(job->error, sizeof(job->error), "database busy or unavailable");
        return JOBS_RETRY;
    }
    const char *note = NULL;
    rc = fan_out_in_tx(nf, c, job, &ev, &note);
    if (rc == STORE_OK)
        rc = jobs_settle_done(c, job, note);
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    if (rc == STORE_OK) {
        log_msg(LOG_INFO, "job %lld %s: %s", (long long)job->row->id, job->row->topic,
                note ? note : "emails queued");
        return JOBS_SETTLED;
    }
    if (rc == STORE_NOT_FOUND || rc == STORE_CONFLICT) { /* another worker holds it now */
        log_msg(LOG_WARN, "job %lld %s: lease lost; left to its new holder",
                (long long)job->row->id, job->row->topic);
        return JOBS_SETTLED;
    }
    snprintf(job->error, sizeof(job->error), "database error while queueing emails");
    return JOBS_RETRY;
}

/* ---------------------------------------------------------------- one email */

/* Everything the message says, read from the store. */
typedef struct facts {
    store_booking booking;
    const char *meeting_name, *location;
    const char *host_names, *host_name, *host_email;
    const char *recipient_name, *zone;
    const char *locale; /* ICU locale id of the recipient ("de_DE") */
} facts;

static store_rc load_facts(store_conn *c, arena *a, const event *ev, facts *f)
{
    store_rc rc = store_booking_get(c, a, ev->booking_id, &f->booking);
    if (rc != STORE_OK)
        return rc;
    const store_booking *b = &f->booking;
    store_meeting_type m;
    rc = store_meeting_type_get(c, a, b->meeting_type_id, &m);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) /* a deleted type keeps its bookings */
        return rc;
    f->meeting_name = rc == STORE_OK ? m.name : "Meeting";
    f->location = rc == STORE_OK ? m.location : "";
    char **hosts = NULL;
    size_t nhosts = 0;
    if ((rc = store_booking_hosts_get(c, a, b->id, &hosts, &nhosts)) != STORE_OK)
        return rc;
    store_user main_host;
    if ((rc = store_user_get(c, a, b->host_user_id, &main_host)) != STORE_OK)
        return rc;
    f->host_name = main_host.name;
    f->host_email = main_host.email;
    f->host_names = main_host.name;
    for (size_t i = 0; i < nhosts; i++) {
        store_user u;
        if (strcmp(hosts[i], b->host_user_id) != 0 &&
            store_user_get(c, a, hosts[i], &u) == STORE_OK)
            f->host_names = arena_printf(a, "%s, %s", f->host_names, u.name);
    }
    if (strcmp(ev->role, "host") == 0) {
        store_user u;
        if ((rc = store_user_get(c, a, ev->user_id ? ev->user_id : "", &u)) != STORE_OK)
            return rc;
        f->recipient_name = u.name;
        f->zone = u.time_zone;
        f->locale = MAIL_LOCALE_DEFAULT; /* hosts have no language setting yet */
    } else {
        f->recipient_name = b->invitee_name;
        f->zone = b->invitee_timezone;
        /* the booking's language tag ("de-DE") as an ICU locale id ("de_DE") */
        char *id = arena_strdup(a, b->invitee_locale && *b->invitee_locale ? b->invitee_locale
                                                                         : MAIL_LOCALE_DEFAULT);
        for (char *p = id; *p; p++)
            if (*p == '-')
                *p = '_';
        f->locale = id;
    }
    return STORE_OK;
}

/* The invitee's manage link, or NULL. The unsealed token is wiped at once. */
static const char *manage_url(mail_notifier *nf, store_conn *c, arena *a, const char *booking_id,
                              bool redacted)
{
    char *sealed = NULL;
    if (store_booking_secret_get(c, a, booking_id, &sealed) != STORE_OK)
        return NULL;
    const char *base = nf->app->cfg->public_url;
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    if (redacted)
        return arena_printf(a, "%.*s/booking/%s?token=[redacted]", (int)blen, base, booking_id);
    size_t len = 0;
    char *token = secure_unseal(nf->app->cfg->secret_key, sealed, &len);
    if (!token)
        return NULL;
    const char *url = arena_printf(a, "%.*s/booking/%s?token=%.*s", (int)blen, base, booking_id,
                                   (int)len, token);
    sodium_memzero(token, len);
    free(token);
    return url;
}

/* Formats an instant for the recipient: date and time, or time only. */
static const char *when(arena *a, const char *locale, const tz_zone *z, int64_t t,
                        mail_date_style style)
{
    char buf[MAIL_DATE_MAX];
    mail_format_wall(locale, style, t + tz_offset_at(z, t), buf, sizeof(buf));
    return arena_strdup(a, buf);
}

static void make_view(mail_notifier *nf, store_conn *c, arena *a, const event *ev,
                      const facts *f, mail_view *v)
{
    const tz_zone *z = tzdb_get(f->zone);
    if (!z)
        z = tzdb_get("UTC");
    char label[128];
    mail_zone_label(z ? tz_zone_name(z) : "UTC", z ? tz_offset_at(z, ev->start) : 0, label,
                    sizeof(label));
    bool to_host = strcmp(ev->role, "host") == 0;
    *v = (mail_view){
        .kind = ev->kind, .to_host = to_host, .recipient_name = f->recipient_name,
        .meeting_name = f->meeting_name, .host_names = f->host_names,
        .invitee_name = f->booking.invitee_name, .invitee_email = f->booking.invitee_email,
        .location = f->location, .notes = f->booking.notes,
        .reason = ev->kind == MAIL_RESCHEDULE ? ev->reason : f->booking.cancellation_reason,
        .when = when(a, f->locale, z, ev->start, MAIL_DATE_TIME),
        .until = when(a, f->locale, z, ev->end, MAIL_TIME),
        .zone_label = arena_strdup(a, label),
        .previous_when = ev->previous_start
                             ? when(a, f->locale, z, ev->previous_start, MAIL_DATE_TIME)
                             : NULL,
        .minutes_before = ev->minutes_before,
    };
    if (!to_host && ev->kind != MAIL_CANCELLATION)
        v->manage_url = manage_url(nf, c, a, ev->booking_id, false);
}

static char *render_ics(const event *ev, const facts *f, int64_t stamp)
{
    const store_booking *b = &f->booking;
    char summary[700];
    snprintf(summary, sizeof(summary), "%s: %s and %s", f->meeting_name, f->host_names,
             b->invitee_name);
    ics_event ie = {
        .booking_id = b->id, .start = ev->start, .end = ev->end, .stamp = stamp,
        .sequence = ev->version > 0 ? ev->version - 1 : 0,
        .cancelled = ev->kind == MAIL_CANCELLATION, .summary = summary,
        .description = b->notes, .location = f->location, .organizer_name = f->host_name,
        .organizer_email = f->host_email, .attendee_name = b->invitee_name,
        .attendee_email = b->invitee_email,
    };
    return ics_render(&ie, ev->kind == MAIL_CANCELLATION ? ICS_CANCEL : ICS_REQUEST);
}

static void record(mail_notifier *nf, store_conn *c, const event *ev, const char *subject,
                   const char *body, const char *message_id, bool sent, const char *error)
{
    char id[SECURE_UUID_LEN + 1];
    secure_uuid(id);
    store_email_attempt at = {
        .id = id, .booking_id = ev->booking_id, .recipient_email = ev->to,
        .notification_type = mail_kind_name(ev->kind), .subject = subject, .body = body,
        .message_id = message_id, .sent = sent, .error = error,
        .created_at = svc_now(nf->app),
    };
    store_rc rc = store_begin(c, true);
    if (rc == STORE_OK && (rc = store_email_record(c, &at)) == STORE_OK)
        rc = store_commit(c);
    else if (rc == STORE_OK)
        store_rollback(c);
    if (rc != STORE_OK)
        log_msg(LOG_WARN, "email %s: the attempt could not be recorded", message_id);
}

/* The message for one recipient (in msg); false when a header is unsafe (job->error says). */
static bool compose(mail_notifier *nf, jobs_job *job, const event *ev, const facts *f,
                    const mail_view *v, const char *message_id, strbuf *msg)
{
    arena *a = job->arena;
    mail_rendered r;
    mail_render(a, v, &r);
    char *ics = render_ics(ev, f, job->row->created_at);
    bool to_host = strcmp(ev->role, "host") == 0;
    mime_message m = {
        .from_name = to_host ? "Calendula" : arena_printf(a, "%s via Calendula", f->host_name),
        .from_addr = nf->app->cfg->mail_from, .to_name = f->recipient_name, .to_addr = ev->to,
        .reply_to_name = to_host ? f->booking.invitee_name : f->host_name,
        .reply_to_addr = to_host ? f->booking.invitee_email : f->host_email,
        .subject = r.subject, .message_id = message_id, .date = svc_now(nf->app),
        .text = r.text, .html = r.html, .ics = ics,
        .ics_method = ev->kind == MAIL_CANCELLATION ? "CANCEL" : "REQUEST",
    };
    bool built = mime_build(&m, msg, job->error, sizeof(job->error));
    free(ics);
    return built;
}

/* Builds and sends one email, records the attempt; returns the verdict for its job. */
static jobs_verdict deliver(mail_notifier *nf, store_conn *c, jobs_job *job, const event *ev,
                            const facts *f, const char *message_id)
{
    mail_view v;
    make_view(nf, c, job->arena, ev, f, &v);
    mail_view kept = v; /* what email_notifications keeps must not hold the token */
    if (v.manage_url)
        kept.manage_url = manage_url(nf, c, job->arena, ev->booking_id, true);
    mail_rendered record_of;
    mail_render(job->arena, &kept, &record_of);
    strbuf msg;
    strbuf_init(&msg, 0);
    mail_send_rc rc = MAIL_PERMFAIL;
    if (compose(nf, job, ev, f, &v, message_id, &msg))
        rc = mail_transport_send(nf->transport, nf->app->cfg->mail_from, ev->to, message_id,
                                 msg.buf, msg.len, job->error, sizeof(job->error));
    if (msg.buf)
        sodium_memzero(msg.buf, msg.len); /* it held the manage token */
    strbuf_release(&msg);
    if (rc == MAIL_ABORTED)
        return JOBS_RELEASE;
    record(nf, c, ev, record_of.subject, record_of.text, message_id, rc == MAIL_SENT,
           rc == MAIL_SENT ? NULL : job->error);
    return rc == MAIL_SENT ? JOBS_DONE : rc == MAIL_PERMFAIL ? JOBS_FAIL : JOBS_RETRY;
}

static jobs_verdict send_email(void *ctx, jobs_job *job)
{
    mail_notifier *nf = ctx;
    arena *a = job->arena;
    event ev;
    if (!parse_event(a, job->row->payload_json, true, &ev, job->error, sizeof(job->error)))
        return JOBS_FAIL;
    store_conn *c = store_conn_get(nf->app->store);
    if (!c) {
        snprintf(job->error, sizeof(job->error), "database unavailable");
        return JOBS_RETRY;
    }
    char message_id[MIME_MESSAGE_ID_MAX + 1];
    mime_message_id(ev.booking_id, ev.event_id, ev.to, nf->domain, message_id);
    store_rc rc = store_email_was_sent(c, message_id);
    if (rc == STORE_OK) {
        snprintf(job->error, sizeof(job->error), "skipped: already sent");
        return JOBS_DONE;
    }
    facts f;
    if (rc == STORE_NOT_FOUND)
        rc = load_facts(c, a, &ev, &f);
    if (rc == STORE_NOT_FOUND) {
        snprintf(job->error, sizeof(job->error), "skipped: the booking or a person is gone");
        return JOBS_DONE;
    }
    if (rc != STORE_OK) {
        snprintf(job->error, sizeof(job->error), "database busy or unavailable");
        return JOBS_RETRY;
    }
    if (ev.kind == MAIL_REMINDER && !reminder_stands(&f.booking, &ev, svc_now(nf->app))) {
        snprintf(job->error, sizeof(job->error),
                 "skipped: the booking was cancelled, moved or has started");
        return JOBS_DONE;
    }
    return deliver(nf, c, job, &ev, &f, message_id);
}

size_t mail_notifier_handlers(mail_notifier *n, jobs_handler out[static MAIL_NOTIFY_HANDLERS])
{
    static const char *const fan_out_topics[] = {"booking.created", "booking.rescheduled",
                                                 "booking.cancelled", MAIL_TOPIC_REMINDER};
    for (size_t i = 0; i < 4; i++)
        out[i] = (jobs_handler){fan_out_topics[i], fan_out, n};
    out[4] = (jobs_handler){MAIL_TOPIC_EMAIL, send_email, n};
    return MAIL_NOTIFY_HANDLERS;
}
