/*
 * pg_outbox.c — processing the outbox on PostgreSQL: claims under a lease,
 * settling a claim (fenced by its attempt number), the operator's list,
 * requeue and purge, email attempts, sealed manage tokens and meeting
 * types' reminder lead times. Mirrors sqlite_outbox.c op for op.
 *
 * A claim is one UPDATE over a FOR UPDATE SKIP LOCKED selection: several
 * workers (threads or processes) claim at once, each skipping the rows
 * another one is taking instead of waiting for it, and no row is claimed
 * twice.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_util.h"

#define OB_COLS "id, event_id, topic, aggregate_id, payload::text, status, attempts, " \
    PG_EPOCH("available_at") ", coalesce(" PG_EPOCH("lease_until") ", 0), last_error, " \
    PG_EPOCH("created_at") ", " PG_EPOCH("updated_at")

store_rc pg_outbox_insert_at(store_conn *base, const char *event_id, const char *topic,
                             const char *aggregate_id, const char *payload_json,
                             int64_t available_at, int64_t now)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, event_id);
    pg_p_text(&p, topic);
    pg_p_text(&p, aggregate_id);
    pg_p_text(&p, payload_json);
    pg_p_time(&p, available_at);
    pg_p_time(&p, now);
    return pg_exec((pg_conn *)base, PS_OB_INSERT_AT,
                   "INSERT INTO outbox (event_id, topic, aggregate_id, payload, available_at,"
                   " created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb,"
                   " to_timestamp($5), to_timestamp($6), to_timestamp($6))",
                   &p, NULL, "outbox insert at");
}

void pg_p_outbox_rows(pg_params *p, const store_outbox_row *rows, size_t n)
{
    strbuf *ids = pg_p_array_begin(p), *topics = pg_p_array_begin(p);
    strbuf *aggs = pg_p_array_begin(p), *payloads = pg_p_array_begin(p);
    strbuf *due = pg_p_array_begin(p);
    for (size_t i = 0; i < n; i++) {
        pg_array_text(ids, rows[i].event_id);
        pg_array_text(topics, rows[i].topic);
        pg_array_text(aggs, rows[i].aggregate_id);
        pg_array_text(payloads, rows[i].payload_json);
        pg_array_int(due, rows[i].available_at);
    }
    pg_p_array_end(p, ids);
    pg_p_array_end(p, topics);
    pg_p_array_end(p, aggs);
    pg_p_array_end(p, payloads);
    pg_p_array_end(p, due);
}

/* One statement for all the rows: a booking writes three or more. */
store_rc pg_outbox_insert_many(store_conn *base, const store_outbox_row *rows, size_t n,
                               int64_t now)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_outbox_rows(&p, rows, n);
    pg_p_time(&p, now);
    store_rc r = pg_exec((pg_conn *)base, PS_OB_INSERT_MANY,
                         "INSERT INTO outbox (event_id, topic, aggregate_id, payload,"
                         " available_at, created_at, updated_at)"
                         " SELECT r.id, r.topic, r.agg, r.payload::jsonb, to_timestamp(r.due),"
                         " to_timestamp($6), to_timestamp($6)"
                         " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
                         " $5::bigint[]) WITH ORDINALITY AS r(id, topic, agg, payload, due, n)"
                         " ORDER BY r.n",
                         &p, NULL, "outbox insert many");
    pg_params_release(&p);
    return r;
}

/* The rows of an outbox query as an arena array (empty on NOT_FOUND). */
static store_rc read_jobs(store_rc r, PGresult *res, arena *a, store_outbox_job **out,
                          size_t *count)
{
    if (r != STORE_OK && r != STORE_NOT_FOUND)
        return r;
    int n = res ? PQntuples(res) : 0;
    store_outbox_job *items = arena_calloc(a, (size_t)n + 1, sizeof(*items));
    for (int i = 0; i < n; i++) {
        store_outbox_job *j = &items[i];
        j->id = pg_int(res, i, 0);
        j->event_id = pg_text(a, res, i, 1, false);
        j->topic = pg_text(a, res, i, 2, false);
        j->aggregate_id = pg_text(a, res, i, 3, false);
        j->payload_json = pg_text(a, res, i, 4, false);
        j->status = pg_text(a, res, i, 5, false);
        j->attempts = (int)pg_int(res, i, 6);
        j->available_at = pg_int(res, i, 7);
        j->lease_until = pg_int(res, i, 8);
        j->last_error = pg_text(a, res, i, 9, true);
        j->created_at = pg_int(res, i, 10);
        j->updated_at = pg_int(res, i, 11);
    }
    PQclear(res);
    *out = items;
    *count = (size_t)n;
    return STORE_OK;
}

store_rc pg_outbox_claim(store_conn *base, arena *a, int64_t now, int64_t lease_until, int limit,
                         store_outbox_job **out, size_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_time(&p, now);
    pg_p_time(&p, lease_until);
    pg_p_int(&p, limit);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_OB_CLAIM,
                         "WITH d AS (SELECT id FROM outbox"
                         "  WHERE (status = 'pending' AND available_at <= to_timestamp($1))"
                         "     OR (status = 'processing' AND lease_until <= to_timestamp($1))"
                         "  ORDER BY available_at, id LIMIT $3 FOR UPDATE SKIP LOCKED),"
                         " c AS (UPDATE outbox o SET status = 'processing',"
                         "  lease_until = to_timestamp($2), attempts = o.attempts + 1,"
                         "  updated_at = to_timestamp($1) FROM d WHERE o.id = d.id RETURNING o.*)"
                         " SELECT " OB_COLS " FROM c ORDER BY available_at, id",
                         &p, &res, "outbox claim");
    return read_jobs(r, res, a, out, count);
}

store_rc pg_outbox_settle(store_conn *base, const store_outbox_settlement *s)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, s->status);
    pg_p_int(&p, s->attempts);
    pg_p_time(&p, s->available_at);
    pg_p_text(&p, s->last_error);
    pg_p_time(&p, s->now);
    pg_p_int(&p, s->id);
    pg_p_int(&p, s->claimed_attempts);
    int64_t changed;
    store_rc r = pg_exec_count((pg_conn *)base, PS_OB_SETTLE,
                               "UPDATE outbox SET status = $1, attempts = $2,"
                               " available_at = to_timestamp($3), last_error = $4,"
                               " lease_until = NULL, updated_at = to_timestamp($5)"
                               " WHERE id = $6 AND status = 'processing' AND attempts = $7",
                               &p, &changed, "outbox settle");
    return r == STORE_OK && changed == 0 ? STORE_NOT_FOUND : r;
}

store_rc pg_outbox_next_due(store_conn *base, int64_t *when)
{
    PGresult *res = NULL;
    /* Aggregate min() skips NULLs, so an empty side does not hide the other. */
    store_rc r = pg_exec((pg_conn *)base, PS_OB_NEXT_DUE,
                         "SELECT " PG_EPOCH("min(t)") " FROM ("
                         " SELECT min(available_at) AS t FROM outbox WHERE status = 'pending'"
                         " UNION ALL"
                         " SELECT min(lease_until) FROM outbox WHERE status = 'processing') x",
                         NULL, &res, "outbox next due");
    if (r != STORE_OK)
        return r;
    r = PQgetisnull(res, 0, 0) ? STORE_NOT_FOUND : STORE_OK;
    if (r == STORE_OK)
        *when = pg_int(res, 0, 0);
    PQclear(res);
    return r;
}

store_rc pg_outbox_withdraw(store_conn *base, const char *aggregate_id, const char *topic,
                            const char *note, int64_t now, int64_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, aggregate_id);
    pg_p_text(&p, topic);
    pg_p_text(&p, note);
    pg_p_time(&p, now);
    return pg_exec_count((pg_conn *)base, PS_OB_WITHDRAW,
                         "UPDATE outbox SET status = 'done', last_error = $3,"
                         " updated_at = to_timestamp($4) WHERE aggregate_id = $1 AND topic = $2"
                         " AND status = 'pending'",
                         &p, count, "outbox withdraw");
}

store_rc pg_outbox_list(store_conn *base, arena *a, const char *status, int limit,
                        store_outbox_job **out, size_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, status);
    pg_p_int(&p, limit);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_OB_LIST,
                         "SELECT " OB_COLS " FROM outbox WHERE ($1::text IS NULL OR status = $1)"
                         " ORDER BY id LIMIT $2",
                         &p, &res, "outbox list");
    return read_jobs(r, res, a, out, count);
}

store_rc pg_outbox_requeue(store_conn *base, int64_t id, int64_t now, int64_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    pg_p_time(&p, now);
    store_rc r = id > 0
        ? pg_exec_count((pg_conn *)base, PS_OB_REQUEUE_ONE,
                        "UPDATE outbox SET status = 'pending', attempts = 0,"
                        " available_at = to_timestamp($2), lease_until = NULL,"
                        " updated_at = to_timestamp($2) WHERE id = $1 AND status <> 'processing'",
                        &p, count, "outbox requeue")
        : pg_exec_count((pg_conn *)base, PS_OB_REQUEUE_DEAD,
                        "UPDATE outbox SET status = 'pending', attempts = 0,"
                        " available_at = to_timestamp($2), lease_until = NULL,"
                        " updated_at = to_timestamp($2) WHERE status = 'dead' AND $1::bigint = 0",
                        &p, count, "outbox requeue");
    return r == STORE_OK && id > 0 && *count == 0 ? STORE_NOT_FOUND : r;
}

store_rc pg_outbox_purge_dead(store_conn *base, int64_t *count)
{
    return pg_exec_count((pg_conn *)base, PS_OB_PURGE_DEAD,
                         "DELETE FROM outbox WHERE status = 'dead'", NULL, count,
                         "outbox purge dead");
}

store_rc pg_outbox_purge_done(store_conn *base, int64_t before, int limit, int64_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_time(&p, before);
    pg_p_int(&p, limit);
    return pg_exec_count((pg_conn *)base, PS_OB_PURGE_DONE,
                         "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
                         " WHERE status = 'done' AND updated_at < to_timestamp($1) LIMIT $2)",
                         &p, count, "outbox purge done");
}

/* ---------------------------------------------------------------- emails, secrets */

store_rc pg_email_record(store_conn *base, const store_email_attempt *e)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, e->id);
    pg_p_uuid(&p, e->booking_id);
    pg_p_text(&p, e->recipient_email);
    pg_p_text(&p, e->notification_type);
    pg_p_text(&p, e->subject);
    pg_p_text(&p, e->body);
    pg_p_text(&p, e->message_id);
    pg_p_bool(&p, e->sent);
    pg_p_text(&p, e->error);
    pg_p_time(&p, e->created_at);
    return pg_exec((pg_conn *)base, PS_EMAIL_RECORD,
                   "INSERT INTO email_notifications (id, booking_id, recipient_email,"
                   " notification_type, subject, body, message_id, sent_at, status, error,"
                   " created_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7,"
                   " CASE WHEN $8::boolean THEN to_timestamp($10) END,"
                   " CASE WHEN $8::boolean THEN 'sent' ELSE 'failed' END, $9, to_timestamp($10))",
                   &p, NULL, "email record");
}

store_rc pg_email_was_sent(store_conn *base, const char *message_id)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, message_id);
    PGresult *res;
    store_rc r = pg_exec((pg_conn *)base, PS_EMAIL_WAS_SENT,
                         "SELECT 1 FROM email_notifications WHERE message_id = $1"
                         " AND status = 'sent' LIMIT 1",
                         &p, &res, "email was sent");
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    PQclear(res);
    return r;
}

store_rc pg_booking_secret_put(store_conn *base, const char *booking_id, const char *sealed,
                               int64_t now)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, booking_id);
    pg_p_text(&p, sealed);
    pg_p_time(&p, now);
    return pg_exec((pg_conn *)base, PS_SECRET_PUT,
                   "INSERT INTO booking_secrets (booking_id, sealed_manage_token, created_at)"
                   " VALUES ($1::uuid, $2, to_timestamp($3)) ON CONFLICT (booking_id) DO UPDATE"
                   " SET sealed_manage_token = EXCLUDED.sealed_manage_token,"
                   " created_at = EXCLUDED.created_at",
                   &p, NULL, "booking secret put");
}

store_rc pg_booking_secret_get(store_conn *base, arena *a, const char *booking_id, char **sealed)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, booking_id);
    PGresult *res;
    store_rc r = pg_exec((pg_conn *)base, PS_SECRET_GET,
                         "SELECT sealed_manage_token FROM booking_secrets"
                         " WHERE booking_id = $1::uuid",
                         &p, &res, "booking secret get");
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK)
        *sealed = pg_text(a, res, 0, 0, false);
    PQclear(res);
    return r;
}

/* ---------------------------------------------------------------- reminder lead times */

store_rc pg_mt_reminders_put(store_conn *base, const store_meeting_type *m)
{
    pg_conn *c = (pg_conn *)base;
    /* The update bumps the owner's schedule version: writer lock first. */
    store_rc r = pg_lock_hosts(c, m->id, NULL, NULL, 0);
    if (r != STORE_OK)
        return r;
    char text[STORE_MAX_REMINDERS * 12 + 1] = "";
    size_t n = 0;
    for (int i = 0; i < m->nreminders && i < STORE_MAX_REMINDERS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", i ? "," : "",
                              m->reminder_minutes[i]);
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, m->reminders_custom ? text : NULL);
    pg_p_uuid(&p, m->id);
    int64_t changed;
    r = pg_exec_count(c, PS_MT_REMINDERS_PUT,
                      "UPDATE meeting_types SET reminder_minutes = $1 WHERE id = $2::uuid", &p,
                      &changed, "meeting type reminders put");
    return r == STORE_OK && changed == 0 ? STORE_NOT_FOUND : r;
}
