/* bookings.c — see bookings.h. */
#include "service/bookings.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/reminders.h"
#include "service/meeting_types.h"
#include "service/slot_service.h"
#include "service/text.h"
#include "service/tzdb.h"
#include "service/users.h"

#define NOTES_MAX 5000
#define ANSWER_MAX 5000
#define REASON_MAX 1000

/* ---------------------------------------------------------------- input checks */

static svc_rc check_answer(const json_t *q, const json_t *answers, svc_error *e, arena *ar)
{
    const char *id = json_string_value(json_object_get(q, "id"));
    const char *type = json_string_value(json_object_get(q, "type"));
    bool required = json_is_true(json_object_get(q, "required"));
    json_t *v = json_object_get(answers, id);
    const char *field = arena_printf(ar, "answers.%s", id);
    bool empty = !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
                 (json_is_boolean(v) && !json_is_true(v) && strcmp(type, "checkbox") == 0);
    if (empty)
        return required ? svc_fail(e, SVC_VALIDATION, "This question needs an answer.", field)
                        : SVC_OK;
    if (strcmp(type, "checkbox") == 0)
        return json_is_boolean(v) ? SVC_OK
                                  : svc_fail(e, SVC_VALIDATION, "Answer true or false.", field);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
        !text_valid_block(json_string_value(v), ANSWER_MAX))
        return svc_fail(e, SVC_VALIDATION, "Answers are text of up to 5000 characters.", field);
    if (strcmp(type, "select") == 0) {
        json_t *opts = json_object_get(q, "options");
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o) {
            if (json_equal(o, v))
                return SVC_OK;
        }
        return svc_fail(e, SVC_VALIDATION, "Pick one of the offered options.", field);
    }
    return SVC_OK;
}

/* Answers must be an object keyed by question id; unknown ids are refused. */
static svc_rc check_answers(arena *ar, const store_meeting_type *m, const char *answers_json,
                            const char **clean_out, svc_error *e)
{
    json_t *qs = json_loads(m->questions_json, 0, NULL);
    json_t *answers = answers_json ? json_loads(answers_json, 0, NULL) : json_object();
    svc_rc rc = SVC_OK;
    if (!json_is_object(answers)) {
        rc = svc_fail(e, SVC_VALIDATION, "answers must be an object keyed by question id.",
                      "answers");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(answers, key, val) {
        bool known = false;
        size_t i;
        json_t *q;
        json_array_foreach(qs, i, q) known |= strcmp(json_string_value(json_object_get(q, "id")), key) == 0;
        if (!known) {
            rc = svc_fail(e, SVC_VALIDATION, "There is no question with this id.",
                          arena_printf(ar, "answers.%.64s", key));
            goto out;
        }
    }
    size_t i;
    json_t *q;
    json_array_foreach(qs, i, q) {
        if ((rc = check_answer(q, answers, e, ar)) != SVC_OK)
            goto out;
    }
    char *text = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
    *clean_out = arena_strdup(ar, text);
    free(text);
out:
    json_decref(qs);
    json_decref(answers);
    return rc;
}

/* Checks the invitee's fields; locale gets the canonical language tag (en-US by default). */
static svc_rc check_input(const booking_input *in, char locale[static TEXT_LOCALE_MAX + 1],
                          svc_error *e)
{
    if (!text_valid_line(in->invitee_name, 1, 200))
        return svc_fail(e, SVC_VALIDATION, "The name must be 1 to 200 characters on one line.",
                        "invitee_name");
    if (!users_email_valid(in->invitee_email))
        return svc_fail(e, SVC_VALIDATION, "That is not a valid email address.", "invitee_email");
    if (!tzdb_is_valid(in->invitee_timezone))
        return svc_fail(e, SVC_INVALID_TIME_ZONE,
                        "Unknown time zone; use an IANA name such as Europe/Paris.",
                        "invitee_timezone");
    if (in->notes && !text_valid_block(in->notes, NOTES_MAX))
        return svc_fail(e, SVC_VALIDATION, "Notes are limited to 5000 characters.", "notes");
    snprintf(locale, TEXT_LOCALE_MAX + 1, "en-US");
    if (in->invitee_locale &&
        !text_locale_tag(in->invitee_locale, strlen(in->invitee_locale), locale))
        return svc_fail(e, SVC_VALIDATION,
                        "invitee_locale must be a language tag such as en-US or de-DE.",
                        "invitee_locale");
    return SVC_OK;
}

/* ---------------------------------------------------------------- holds and events */

static int popcount64(uint64_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/*
 * The hosts a new booking holds: every host for collective, one rotating
 * candidate for round robin, the owner otherwise.
 */
static svc_rc choose_hosts(store_conn *c, arena *ar, const store_meeting_type *m,
                           const slots_slot *slot, const char ***hosts, size_t *n, svc_error *e)
{
    const char **out = arena_calloc(ar, m->nhosts + 1, sizeof(char *));
    *hosts = out;
    *n = 0;
    if (strcmp(m->kind, "collective") == 0) {
        for (size_t i = 0; i < m->nhosts; i++)
            out[(*n)++] = m->host_ids[i];
        return SVC_OK;
    }
    if (strcmp(m->kind, "round_robin") != 0) {
        out[(*n)++] = m->host_ids[0];
        return SVC_OK;
    }
    int64_t booked = 0;
    store_rc rc = store_booking_count_type(c, m->id, &booked);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    int candidates = popcount64(slot->host_mask);
    int pick = (int)(booked % (candidates ? candidates : 1));
    for (size_t i = 0; i < m->nhosts && i < 64; i++) {
        if ((slot->host_mask >> i) & 1) {
            if (pick-- == 0) {
                out[(*n)++] = m->host_ids[i];
                break;
            }
        }
    }
    return *n ? SVC_OK : svc_fail(e, SVC_SLOT_UNAVAILABLE, "That time is no longer available.",
                                  "start_time");
}

static store_booking_host *make_holds(arena *ar, const store_meeting_type *m, int64_t start,
                                      const char **hosts, size_t n)
{
    store_booking_host *h = arena_calloc(ar, n + 1, sizeof(*h));
    int64_t end = start + (int64_t)m->duration_minutes * 60;
    bool group = strcmp(m->kind, "group") == 0;
    for (size_t i = 0; i < n; i++) {
        h[i].host_user_id = hosts[i];
        h[i].busy_start = start - (int64_t)m->buffer_before_minutes * 60;
        h[i].busy_end = end + (int64_t)m->buffer_after_minutes * 60;
        h[i].group_key = group ? arena_printf(ar, "%s@%lld", m->id, (long long)start) : NULL;
        h[i].seats = group ? m->seats : 1;
    }
    return h;
}

/* An outbox row, made before it is written (outside the write lock when it can be). */
typedef struct outbox_row {
    char event_id[SECURE_UUID_LEN + 1];
    const char *topic;
    int64_t at;    /* due: now for events, earlier than the start for reminders */
    char *payload; /* JSON, in the arena */
} outbox_row;

/* An outbox row about b; `extra` (may be NULL; consumed) adds fields to the payload. */
static void make_row(arena *ar, outbox_row *r, const char *topic, const store_booking *b,
                     int64_t at, json_t *extra)
{
    secure_uuid(r->event_id);
    r->topic = topic;
    r->at = at;
    json_t *p = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "event_id", r->event_id, "topic",
                          topic, "booking_id", b->id, "version", b->version, "start_time",
                          (json_int_t)b->start_time, "end_time", (json_int_t)b->end_time);
    if (extra)
        json_object_update(p, extra);
    json_decref(extra);
    char *payload = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    r->payload = arena_strdup(ar, payload);
    free(payload);
}

static store_outbox_row outbox_of(const store_booking *b, const outbox_row *r)
{
    return (store_outbox_row){r->event_id, r->topic, b->id, r->payload, r->at};
}

static store_rc write_row(store_conn *c, arena *ar, const char *topic, const store_booking *b,
                          int64_t at, int64_t now, json_t *extra)
{
    outbox_row r;
    make_row(ar, &r, topic, b, at, extra);
    store_outbox_row row = outbox_of(b, &r);
    return store_outbox_insert_many(c, &row, 1, now);
}

static store_rc write_event(store_conn *c, arena *ar, const char *topic, const store_booking *b,
                            int64_t now)
{
    return write_row(c, ar, topic, b, now, now, NULL);
}

/* ---------------------------------------------------------------- notifications */

#define REMINDER_TOPIC "booking.reminder"

#define MAX_REMINDER_ROWS \
    (STORE_MAX_REMINDERS > CONFIG_MAX_REMINDERS ? STORE_MAX_REMINDERS : CONFIG_MAX_REMINDERS)

/*
 * The reminder rows of b, whose meeting type m has its reminders loaded:
 * one per configured lead time that is still ahead (a booking made 30
 * minutes ahead gets no 1-hour reminder). The worker checks again at send
 * time that the booking still stands as it was.
 */
static size_t make_reminders(app *a, arena *ar, const store_meeting_type *m,
                             const store_booking *b, int64_t now,
                             outbox_row rows[static MAX_REMINDER_ROWS])
{
    if (!store_supports_jobs(a->store))
        return 0;
    /* The meeting type's own lead times, else the server's (CALENDULA_REMINDERS). */
    const int *minutes = m->reminders_custom ? m->reminder_minutes : a->cfg->reminders;
    int count = m->reminders_custom ? m->nreminders : a->cfg->nreminders;
    jobs_reminder due[MAX_REMINDER_ROWS];
    size_t n = jobs_reminders_due(b->start_time, minutes, (size_t)count, now, due);
    for (size_t i = 0; i < n; i++)
        make_row(ar, &rows[i], REMINDER_TOPIC, b, due[i].due_at,
                 json_pack("{s:i}", "minutes_before", due[i].minutes_before));
    return n;
}

/* m: b's meeting type, as read with its reminder lead times. */
static store_rc schedule_reminders(app *a, store_conn *c, arena *ar, const store_meeting_type *m,
                                   const store_booking *b, int64_t now)
{
    outbox_row rows[MAX_REMINDER_ROWS];
    size_t n = make_reminders(a, ar, m, b, now, rows);
    store_outbox_row out[MAX_REMINDER_ROWS];
    for (size_t i = 0; i < n; i++)
        out[i] = outbox_of(b, &rows[i]);
    return store_outbox_insert_many(c, out, n, now);
}

/* Pending reminders of a booking that moved or was cancelled are withdrawn. */
static store_rc withdraw_reminders(app *a, store_conn *c, const store_booking *b, const char *why,
                                   int64_t now)
{
    if (!store_supports_jobs(a->store))
        return STORE_OK;
    return store_outbox_withdraw(c, b->id, REMINDER_TOPIC, why, now, NULL);
}

/*
 * The manage token, sealed with the server key, so that later emails can
 * carry the invitee's manage link (the booking keeps only its hash).
 */
static char *seal_token(app *a, arena *ar, const char *token)
{
    if (!store_supports_jobs(a->store))
        return NULL;
    char *sealed = secure_seal(a->cfg->secret_key, token, strlen(token));
    char *copy = arena_strdup(ar, sealed);
    free(sealed);
    return copy;
}

/* Maps a failed write: a refused hold means someone else got there first. */
static svc_rc write_fail(svc_error *e, store_rc rc)
{
    if (rc == STORE_CONFLICT)
        return svc_fail(e, SVC_SLOT_UNAVAILABLE, "That time is no longer available.",
                        "start_time");
    return svc_store_fail(e, rc);
}

/* ---------------------------------------------------------------- create */

/*
 * What a new booking writes, made before the write transaction so that the
 * serial part (the write lock on SQLite, the host locks on PostgreSQL)
 * holds only the checks and the inserts: ids, the manage token, its hash
 * and sealed copy, and the outbox rows' payloads.
 */
typedef struct create_plan {
    store_booking booking; /* all but the host, chosen in the transaction */
    char *sealed_token;    /* NULL when the store keeps no jobs */
    outbox_row created;
    outbox_row reminders[MAX_REMINDER_ROWS];
    size_t nreminders;
} create_plan;

static void plan_create(app *a, arena *ar, const store_meeting_type *m, const booking_input *in,
                        const char *answers, const char *locale, booking_result *out,
                        create_plan *p)
{
    int64_t now = svc_now(a);
    char *id = arena_alloc(ar, SECURE_UUID_LEN + 1);
    secure_uuid(id);
    secure_token(out->manage_token);
    char *token_hash = arena_alloc(ar, SECURE_HASH_HEX_LEN + 1);
    secure_sha256_hex(out->manage_token, SECURE_TOKEN_LEN, token_hash);
    p->booking = (store_booking){
        .id = id, .meeting_type_id = m->id,
        .invitee_name = arena_strdup(ar, in->invitee_name),
        .invitee_email = (char *)text_lower(ar, in->invitee_email),
        .invitee_timezone = arena_strdup(ar, in->invitee_timezone),
        .start_time = in->start, .end_time = in->start + (int64_t)m->duration_minutes * 60,
        .status = "confirmed", .notes = arena_strdup(ar, in->notes ? in->notes : ""),
        .answers_json = (char *)answers, .manage_token_hash = token_hash, .version = 1,
        .created_at = now, .updated_at = now, .invitee_locale = arena_strdup(ar, locale),
    };
    p->sealed_token = seal_token(a, ar, out->manage_token);
    make_row(ar, &p->created, "booking.created", &p->booking, now, NULL);
    p->nreminders = make_reminders(a, ar, m, &p->booking, now, p->reminders);
}

/*
 * The slot check made before the write transaction, in one read snapshot,
 * where write transactions run one at a time (store_serial_writes),
 * with the schedule versions of every user it depends on (the meeting
 * type's owner and hosts: their bookings, rules, overrides, zones and
 * meeting types all bump them). If the versions are unchanged inside the
 * write transaction, nothing the check read has changed and its answer
 * stands; the serial part of a booking is then the standing-booking
 * lookup, the version reads and the inserts. Otherwise the transaction
 * checks again.
 */
typedef struct precheck {
    bool valid; /* a free slot, no standing booking, hosts chosen */
    slots_slot slot;
    const char **hosts;
    size_t nhosts;
    slot_watch watch;
} precheck;

/*
 * Runs the check outside the write transaction. A time that is not free
 * in the snapshot is refused here, without a write (SVC_SLOT_UNAVAILABLE);
 * anything else unusual (a standing booking, a store error) is left to the
 * write transaction to settle.
 */
static svc_rc precheck_run(app *a, store_conn *c, arena *ar, const store_meeting_type *m,
                           const store_booking *b, precheck *pc, svc_error *e)
{
    memset(pc, 0, sizeof(*pc));
    if (store_begin(c, false) != STORE_OK)
        return SVC_OK;
    svc_rc rc = SVC_OK;
    store_booking standing;
    if (slot_watch_read(c, ar, m, &pc->watch) == STORE_OK &&
        store_booking_find_standing(c, ar, m->id, b->start_time, b->invitee_email, &standing) ==
            STORE_NOT_FOUND) {
        if (slot_service_check(a, c, ar, m, b->start_time, NULL, &pc->slot, e) == SVC_OK)
            pc->valid = choose_hosts(c, ar, m, &pc->slot, &pc->hosts, &pc->nhosts, e) == SVC_OK;
        if (e->rc == SVC_SLOT_UNAVAILABLE)
            rc = e->rc;
        else
            svc_fail(e, SVC_OK, NULL, NULL);
    }
    store_rollback(c); /* a read: nothing to keep */
    return rc;
}

/*
 * last: nothing but the commit follows (no commit hook); a failed insert
 * may then be the commit's answer (store_booking_create), which
 * bookings_create maps as this does.
 */
static svc_rc create_in_tx(app *a, store_conn *c, arena *ar, const store_meeting_type *m,
                           create_plan *p, const precheck *pc, bool last, booking_result *out,
                           svc_error *e)
{
    store_booking *b = &p->booking;
    const char **hosts = pc->hosts;
    size_t nhosts = pc->nhosts;
    /* First, the host locks (PostgreSQL, see pg_store.c): what is read
     * after them is then what the insert meets. */
    store_rc rc = store_lock_meeting_type(c, m);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    rc = store_booking_find_standing(c, ar, m->id, b->start_time, b->invitee_email,
                                     &out->booking);
    if (rc == STORE_OK) {
        out->existing = true;
        return SVC_OK;
    }
    if (rc != STORE_NOT_FOUND)
        return svc_store_fail(e, rc);
    if (!pc->valid || !slot_watch_unchanged(c, &pc->watch)) {
        slots_slot slot;
        if (slot_service_check(a, c, ar, m, b->start_time, NULL, &slot, e) != SVC_OK)
            return e->rc;
        if (choose_hosts(c, ar, m, &slot, &hosts, &nhosts, e) != SVC_OK)
            return e->rc;
    }
    b->host_user_id = (char *)hosts[0];
    out->booking = *b;
    int64_t now = b->created_at;
    store_outbox_row rows[1 + MAX_REMINDER_ROWS];
    size_t nrows = 0;
    if (store_supports_jobs(a->store)) {
        rows[nrows++] = outbox_of(b, &p->created);
        for (size_t i = 0; i < p->nreminders; i++)
            rows[nrows++] = outbox_of(b, &p->reminders[i]);
    }
    rc = store_booking_create(c, b, make_holds(ar, m, b->start_time, hosts, nhosts), nhosts,
                              p->sealed_token, rows, nrows, now, last);
    return rc == STORE_OK ? SVC_OK : write_fail(e, rc);
}

/* The write of a new booking, for store_write: possibly run on another thread. */
typedef struct create_work {
    app *a;
    arena *ar;
    const store_meeting_type *m;
    create_plan *plan;
    const precheck *pc;
    booking_commit_hook hook;
    void *hook_ctx;
    booking_result *out;
    svc_error *e;
    bool refused; /* the checks or the hook said no; e says why */
} create_work;

static store_rc create_write(store_conn *c, void *ctx)
{
    create_work *w = ctx;
    w->refused = false; /* a run again (store_write) starts afresh */
    w->out->existing = false;
    svc_fail(w->e, SVC_OK, NULL, NULL);
    if (create_in_tx(w->a, c, w->ar, w->m, w->plan, w->pc, !w->hook, w->out, w->e) != SVC_OK ||
        (w->hook && w->hook(w->hook_ctx, c, w->out, w->e) != SVC_OK)) {
        w->refused = true;
        return STORE_ERROR;
    }
    return STORE_OK;
}

svc_rc bookings_create(app *a, arena *ar, const booking_input *in, booking_commit_hook hook,
                       void *hook_ctx, booking_result *out, svc_error *e)
{
    memset(out, 0, sizeof(*out));
    char locale[TEXT_LOCALE_MAX + 1];
    if (check_input(in, locale, e) != SVC_OK)
        return e->rc;
    store_meeting_type m;
    if (mt_get(a, ar, in->meeting_type_id, &m, e) != SVC_OK)
        return e->rc;
    if (!m.is_active)
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    const char *answers = "{}";
    if (check_answers(ar, &m, in->answers_json, &answers, e) != SVC_OK)
        return e->rc;
    create_plan plan;
    plan_create(a, ar, &m, in, answers, locale, out, &plan);
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    precheck pc = {0};
    if (store_serial_writes(a->store) &&
        precheck_run(a, c, ar, &m, &plan.booking, &pc, e) != SVC_OK)
        return e->rc;
    create_work w = {a, ar, &m, &plan, &pc, hook, hook_ctx, out, e, false};
    store_rc rc = store_write(c, create_write, &w);
    if (w.refused)
        return e->rc;
    if (rc != STORE_OK)
        return write_fail(e, rc);
    if (out->existing)
        memset(out->manage_token, 0, sizeof(out->manage_token)); /* not ours to hand out */
    return SVC_OK;
}

/* ---------------------------------------------------------------- access */

/* Host by session, or invitee by manage token; anyone else sees "not found". */
static svc_rc load_accessible(store_conn *c, arena *ar, const char *id, const booking_access *who,
                              store_booking *b, const char **actor, svc_error *e)
{
    if (!secure_uuid_valid(id))
        return svc_fail(e, SVC_NOT_FOUND, "No such booking.", NULL);
    store_rc rc = store_booking_get(c, ar, text_lower(ar, id), b);
    if (rc == STORE_NOT_FOUND)
        return svc_fail(e, SVC_NOT_FOUND, "No such booking.", NULL);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    if (who->token) {
        char h[SECURE_HASH_HEX_LEN + 1];
        secure_sha256_hex(who->token, strlen(who->token), h);
        if (secure_equal(h, SECURE_HASH_HEX_LEN, b->manage_token_hash,
                         strlen(b->manage_token_hash))) {
            *actor = "invitee";
            return SVC_OK;
        }
    }
    if (who->user) {
        rc = store_booking_is_host(c, b->id, who->user->id);
        if (rc == STORE_OK) {
            *actor = "host";
            return SVC_OK;
        }
        if (rc != STORE_NOT_FOUND)
            return svc_store_fail(e, rc);
    }
    return svc_fail(e, SVC_NOT_FOUND, "No such booking.", NULL);
}

svc_rc bookings_get(app *a, arena *ar, const char *id, const booking_access *who,
                    store_booking *out, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    const char *actor;
    return load_accessible(c, ar, id, who, out, &actor, e);
}

/* ---------------------------------------------------------------- reschedule */

static svc_rc reschedule_in_tx(app *a, store_conn *c, arena *ar, const char *id,
                               const booking_access *who, int64_t start, const char *reason,
                               int version, store_booking *b, svc_error *e)
{
    const char *actor;
    if (load_accessible(c, ar, id, who, b, &actor, e) != SVC_OK)
        return e->rc;
    if (strcmp(b->status, "confirmed") != 0)
        return svc_fail(e, SVC_BOOKING_CANCELLED, "A cancelled booking cannot be rescheduled.",
                        NULL);
    if (version && version != b->version)
        return svc_fail(e, SVC_VERSION_CONFLICT,
                        "The booking changed since you loaded it; reload and try again.",
                        "version");
    store_meeting_type m;
    store_rc rc = store_meeting_type_get(c, ar, b->meeting_type_id, &m);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND
                   ? svc_fail(e, SVC_SLOT_UNAVAILABLE, "This meeting type no longer takes bookings.",
                              "start_time")
                   : svc_store_fail(e, rc);
    slots_slot slot;
    if (slot_service_check(a, c, ar, &m, start, b->id, &slot, e) != SVC_OK)
        return e->rc;
    char **hosts;
    size_t nhosts;
    if ((rc = store_booking_hosts_get(c, ar, b->id, &hosts, &nhosts)) != STORE_OK)
        return svc_store_fail(e, rc);
    for (size_t i = 0; i < nhosts; i++) { /* the assigned hosts must all be free then */
        size_t k = 0;
        while (k < m.nhosts && strcmp(m.host_ids[k], hosts[i]) != 0)
            k++;
        if (k == m.nhosts || k >= 64 || !((slot.host_mask >> k) & 1))
            return svc_fail(e, SVC_SLOT_UNAVAILABLE, "That time is no longer available.",
                            "start_time");
    }
    int64_t old_start = b->start_time, old_end = b->end_time;
    b->start_time = start;
    b->end_time = start + (int64_t)m.duration_minutes * 60;
    b->version++;
    b->updated_at = svc_now(a);
    rc = store_booking_move(c, b, make_holds(ar, &m, start, (const char **)hosts, nhosts), nhosts,
                            old_start, old_end, reason, actor);
    if (rc == STORE_OK)
        rc = write_row(c, ar, "booking.rescheduled", b, b->updated_at, b->updated_at,
                       json_pack("{s:I, s:I, s:s?}", "previous_start_time", (json_int_t)old_start,
                                 "previous_end_time", (json_int_t)old_end, "reason", reason));
    if (rc == STORE_OK)
        rc = withdraw_reminders(a, c, b, "withdrawn: the booking was rescheduled", b->updated_at);
    if (rc == STORE_OK)
        rc = schedule_reminders(a, c, ar, &m, b, b->updated_at);
    return rc == STORE_OK ? SVC_OK : write_fail(e, rc);
}

/* A change of a booking, for store_write: its check and writes, run in one transaction. */
typedef struct change_work {
    app *a;
    arena *ar;
    const char *id;
    const booking_access *who;
    int64_t start;      /* reschedule: the new start */
    const char *reason;
    int version;        /* reschedule: the version the caller saw, or 0 */
    store_booking *out;
    svc_error *e;
    bool refused;       /* a check said no, or a write failed; e says why */
} change_work;

static store_rc change_done(change_work *w, svc_rc rc)
{
    w->refused = rc != SVC_OK;
    return w->refused ? STORE_ERROR : STORE_OK;
}

static store_rc reschedule_write(store_conn *c, void *ctx)
{
    change_work *w = ctx;
    svc_fail(w->e, SVC_OK, NULL, NULL); /* a run again (store_write) starts afresh */
    return change_done(w, reschedule_in_tx(w->a, c, w->ar, w->id, w->who, w->start, w->reason,
                                           w->version, w->out, w->e));
}

svc_rc bookings_reschedule(app *a, arena *ar, const char *id, const booking_access *who,
                           int64_t start, const char *reason, int version, store_booking *out,
                           svc_error *e)
{
    if (reason && !text_valid_block(reason, REASON_MAX))
        return svc_fail(e, SVC_VALIDATION, "The reason is limited to 1000 characters.", "reason");
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    change_work w = {a, ar, id, who, start, reason, version, out, e, false};
    store_rc rc = store_write(c, reschedule_write, &w);
    if (w.refused)
        return e->rc;
    return rc == STORE_OK ? SVC_OK : write_fail(e, rc);
}

/* ---------------------------------------------------------------- cancel */

static svc_rc cancel_in_tx(change_work *w, store_conn *c)
{
    store_booking *b = w->out;
    const char *actor;
    if (load_accessible(c, w->ar, w->id, w->who, b, &actor, w->e) != SVC_OK)
        return w->e->rc;
    if (strcmp(b->status, "cancelled") == 0) /* repeating a cancel answers the same */
        return SVC_OK;
    b->status = "cancelled";
    b->cancellation_reason = arena_strdup(w->ar, w->reason ? w->reason : "");
    b->version++;
    b->updated_at = svc_now(w->a);
    store_rc rc = store_booking_cancel(c, b);
    if (rc == STORE_OK)
        rc = write_event(c, w->ar, "booking.cancelled", b, b->updated_at);
    if (rc == STORE_OK)
        rc = withdraw_reminders(w->a, c, b, "withdrawn: the booking was cancelled",
                                b->updated_at);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(w->e, rc);
}

static store_rc cancel_write(store_conn *c, void *ctx)
{
    change_work *w = ctx;
    svc_fail(w->e, SVC_OK, NULL, NULL); /* a run again (store_write) starts afresh */
    return change_done(w, cancel_in_tx(w, c));
}

svc_rc bookings_cancel(app *a, arena *ar, const char *id, const booking_access *who,
                       const char *reason, store_booking *out, svc_error *e)
{
    if (reason && !text_valid_block(reason, REASON_MAX))
        return svc_fail(e, SVC_VALIDATION, "The reason is limited to 1000 characters.", "reason");
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    change_work w = {a, ar, id, who, 0, reason, 0, out, e, false};
    store_rc rc = store_write(c, cancel_write, &w);
    if (w.refused)
        return e->rc;
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc bookings_list(app *a, arena *ar, const store_booking_filter *f, store_booking **out,
                     size_t *count, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_booking_list(c, ar, f, out, count);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}
