/*
 * sqlite_outbox.c — processing the outbox on SQLite: claims under a lease,
 * settling a claim (fenced by its attempt number), the operator's list,
 * requeue and purge, email attempts and sealed manage tokens.
 *
 * A claim is one UPDATE … RETURNING statement: SQLite has a single
 * writer, so two claimers can never pick the same row.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_util.h"

#define OB_COLS "id, event_id, topic, aggregate_id, payload, status, attempts, available_at," \
    " coalesce(lease_until, 0), last_error, created_at, updated_at"

store_rc sq_outbox_insert_at(store_conn *base, const char *event_id, const char *topic,
                             const char *aggregate_id, const char *payload_json,
                             int64_t available_at, int64_t now)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OB_INSERT_AT,
                               "INSERT INTO outbox (event_id, topic, aggregate_id, payload,"
                               " available_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, event_id);
    sq_bind_text(st, 2, topic);
    sq_bind_text(st, 3, aggregate_id);
    sq_bind_text(st, 4, payload_json);
    sq_bind_int64(st, 5, available_at);
    sq_bind_int64(st, 6, now);
    sq_bind_int64(st, 7, now);
    return sq_exec_stmt(c, st, "outbox insert at");
}

static void read_job(arena *a, sqlite3_stmt *st, store_outbox_job *j)
{
    j->id = sqlite3_column_int64(st, 0);
    j->event_id = sq_col_text(a, st, 1, false);
    j->topic = sq_col_text(a, st, 2, false);
    j->aggregate_id = sq_col_text(a, st, 3, false);
    j->payload_json = sq_col_text(a, st, 4, false);
    j->status = sq_col_text(a, st, 5, false);
    j->attempts = sqlite3_column_int(st, 6);
    j->available_at = sqlite3_column_int64(st, 7);
    j->lease_until = sqlite3_column_int64(st, 8);
    j->last_error = sq_col_text(a, st, 9, true);
    j->created_at = sqlite3_column_int64(st, 10);
    j->updated_at = sqlite3_column_int64(st, 11);
}

/* Steps st to the end, collecting rows into an arena array. */
static store_rc read_jobs(sq_conn *c, sqlite3_stmt *st, arena *a, const char *what,
                          store_outbox_job **out, size_t *count)
{
    size_t cap = 0, n = 0;
    store_outbox_job *items = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        items = arena_array_reserve(a, items, n, &cap, sizeof(*items));
        read_job(a, st, &items[n++]);
    }
    store_rc r = rc == SQLITE_DONE ? STORE_OK : sq_rc(c, rc, what);
    sqlite3_reset(st);
    *out = items;
    *count = r == STORE_OK ? n : 0;
    return r;
}

store_rc sq_outbox_claim(store_conn *base, arena *a, int64_t now, int64_t lease_until, int limit,
                         store_outbox_job **out, size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OB_CLAIM,
                               "UPDATE outbox SET status = 'processing', lease_until = ?2,"
                               " attempts = attempts + 1, updated_at = ?1"
                               " WHERE id IN (SELECT id FROM outbox"
                               "  WHERE (status = 'pending' AND available_at <= ?1)"
                               "     OR (status = 'processing' AND lease_until <= ?1)"
                               "  ORDER BY available_at, id LIMIT ?3)"
                               " RETURNING " OB_COLS);
    if (!st)
        return STORE_ERROR;
    sq_bind_int64(st, 1, now);
    sq_bind_int64(st, 2, lease_until);
    sqlite3_bind_int(st, 3, limit);
    return read_jobs(c, st, a, "outbox claim", out, count);
}

store_rc sq_outbox_settle(store_conn *base, const store_outbox_settlement *s)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OB_SETTLE,
                               "UPDATE outbox SET status = ?1, attempts = ?2, available_at = ?3,"
                               " last_error = ?4, lease_until = NULL, updated_at = ?5"
                               " WHERE id = ?6 AND status = 'processing' AND attempts = ?7");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, s->status);
    sqlite3_bind_int(st, 2, s->attempts);
    sq_bind_int64(st, 3, s->available_at);
    sq_bind_text(st, 4, s->last_error);
    sq_bind_int64(st, 5, s->now);
    sq_bind_int64(st, 6, s->id);
    sqlite3_bind_int(st, 7, s->claimed_attempts);
    store_rc r = sq_exec_stmt(c, st, "outbox settle");
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        return STORE_NOT_FOUND;
    return r;
}

store_rc sq_outbox_next_due(store_conn *base, int64_t *when)
{
    sq_conn *c = (sq_conn *)base;
    /* Aggregate min() skips NULLs, so an empty side does not hide the other. */
    sqlite3_stmt *st = sq_stmt(c, ST_OB_NEXT_DUE,
                               "SELECT min(t) FROM ("
                               " SELECT min(available_at) AS t FROM outbox WHERE status = 'pending'"
                               " UNION ALL"
                               " SELECT min(lease_until) FROM outbox WHERE status = 'processing')");
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    store_rc r;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *when = sqlite3_column_int64(st, 0);
        r = STORE_OK;
    } else {
        r = rc == SQLITE_ROW ? STORE_NOT_FOUND : sq_rc(c, rc, "outbox next due");
    }
    sqlite3_reset(st);
    return r;
}

store_rc sq_outbox_withdraw(store_conn *base, const char *aggregate_id, const char *topic,
                            const char *note, int64_t now, int64_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OB_WITHDRAW,
                               "UPDATE outbox SET status = 'done', last_error = ?3,"
                               " updated_at = ?4 WHERE aggregate_id = ?1 AND topic = ?2"
                               " AND status = 'pending'");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, aggregate_id);
    sq_bind_text(st, 2, topic);
    sq_bind_text(st, 3, note);
    sq_bind_int64(st, 4, now);
    return sq_exec_count(c, st, "outbox withdraw", count);
}

store_rc sq_outbox_list(store_conn *base, arena *a, const char *status, int limit,
                        store_outbox_job **out, size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = status ? sq_stmt(c, ST_OB_LIST_STATUS,
                                        "SELECT " OB_COLS " FROM outbox WHERE status = ?1"
                                        " ORDER BY id LIMIT ?2")
                              : sq_stmt(c, ST_OB_LIST,
                                        "SELECT " OB_COLS " FROM outbox WHERE ?1 IS NULL"
                                        " ORDER BY id LIMIT ?2");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, status);
    sqlite3_bind_int(st, 2, limit);
    return read_jobs(c, st, a, "outbox list", out, count);
}

store_rc sq_outbox_requeue(store_conn *base, int64_t id, int64_t now, int64_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = id > 0 ? sq_stmt(c, ST_OB_REQUEUE_ONE,
                                        "UPDATE outbox SET status = 'pending', attempts = 0,"
                                        " available_at = ?2, lease_until = NULL, updated_at = ?2"
                                        " WHERE id = ?1 AND status <> 'processing'")
                              : sq_stmt(c, ST_OB_REQUEUE_DEAD,
                                        "UPDATE outbox SET status = 'pending', attempts = 0,"
                                        " available_at = ?2, lease_until = NULL, updated_at = ?2"
                                        " WHERE status = 'dead' AND ?1 = 0");
    if (!st)
        return STORE_ERROR;
    sq_bind_int64(st, 1, id);
    sq_bind_int64(st, 2, now);
    store_rc r = sq_exec_count(c, st, "outbox requeue", count);
    if (r == STORE_OK && id > 0 && *count == 0)
        return STORE_NOT_FOUND;
    return r;
}

store_rc sq_outbox_purge_dead(store_conn *base, int64_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OB_PURGE_DEAD, "DELETE FROM outbox WHERE status = 'dead'");
    if (!st)
        return STORE_ERROR;
    return sq_exec_count(c, st, "outbox purge dead", count);
}

store_rc sq_outbox_purge_done(store_conn *base, int64_t before, int limit, int64_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OB_PURGE_DONE,
                               "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
                               " WHERE status = 'done' AND updated_at < ? LIMIT ?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, limit);
    return sq_exec_count(c, st, "outbox purge done", count);
}

store_rc sq_email_record(store_conn *base, const store_email_attempt *e)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_EMAIL_RECORD,
                               "INSERT INTO email_notifications (id, booking_id, recipient_email,"
                               " notification_type, subject, body, message_id, sent_at, status,"
                               " error, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, e->id);
    sq_bind_text(st, 2, e->booking_id);
    sq_bind_text(st, 3, e->recipient_email);
    sq_bind_text(st, 4, e->notification_type);
    sq_bind_text(st, 5, e->subject);
    sq_bind_text(st, 6, e->body);
    sq_bind_text(st, 7, e->message_id);
    if (e->sent)
        sq_bind_int64(st, 8, e->created_at);
    else
        sqlite3_bind_null(st, 8);
    sq_bind_text(st, 9, e->sent ? "sent" : "failed");
    sq_bind_text(st, 10, e->error);
    sq_bind_int64(st, 11, e->created_at);
    return sq_exec_stmt(c, st, "email record");
}

store_rc sq_email_was_sent(store_conn *base, const char *message_id)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_EMAIL_WAS_SENT,
                               "SELECT 1 FROM email_notifications WHERE message_id = ?"
                               " AND status = 'sent' LIMIT 1");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, message_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_rc(c, rc, "email was sent");
}

store_rc sq_booking_secret_put(store_conn *base, const char *booking_id, const char *sealed,
                               int64_t now)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SECRET_PUT,
                               "INSERT INTO booking_secrets (booking_id, sealed_manage_token,"
                               " created_at) VALUES (?1, ?2, ?3) ON CONFLICT(booking_id) DO UPDATE"
                               " SET sealed_manage_token = ?2, created_at = ?3");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, booking_id);
    sq_bind_text(st, 2, sealed);
    sq_bind_int64(st, 3, now);
    return sq_exec_stmt(c, st, "booking secret put");
}

static void read_secret(arena *a, sqlite3_stmt *st, void *out)
{
    *(char **)out = sq_col_text(a, st, 0, false);
}

store_rc sq_booking_secret_get(store_conn *base, arena *a, const char *booking_id, char **sealed)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SECRET_GET,
                               "SELECT sealed_manage_token FROM booking_secrets"
                               " WHERE booking_id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, booking_id);
    return sq_step_one(c, st, "booking secret get", read_secret, a, sealed);
}

/* Reminder lead times live in meeting_types.reminder_minutes as "1440,60"
 * ("" = none, NULL = the server default; read by store_reminders_parse). */
store_rc sq_mt_reminders_put(store_conn *base, const store_meeting_type *m)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_MT_REMINDERS_PUT,
                               "UPDATE meeting_types SET reminder_minutes = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    char text[STORE_MAX_REMINDERS * 12 + 1] = "";
    size_t n = 0;
    for (int i = 0; i < m->nreminders && i < STORE_MAX_REMINDERS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", i ? "," : "",
                              m->reminder_minutes[i]);
    sq_bind_text(st, 1, m->reminders_custom ? text : NULL);
    sq_bind_text(st, 2, m->id);
    store_rc r = sq_exec_stmt(c, st, "meeting type reminders put");
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        return STORE_NOT_FOUND;
    return r;
}
