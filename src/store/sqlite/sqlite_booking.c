/*
 * sqlite_booking.c — bookings, their holds on hosts, history, the outbox
 * and idempotency keys on SQLite. The no-overlap and seat rules are
 * enforced by triggers (migration 0002); a violation surfaces here as
 * STORE_CONFLICT.
 */
#include <sqlite3.h>
#include <string.h>

#include "store/sqlite/sqlite_util.h"

#define BK_COLS "id, meeting_type_id, host_user_id, invitee_name, invitee_email," \
    " invitee_timezone, start_time, end_time, status, notes, answers, cancellation_reason," \
    " manage_token_hash, version, created_at, updated_at, invitee_locale"

static store_rc insert_hosts(sq_conn *c, const store_booking *b, const store_booking_host *hosts,
                             size_t n)
{
    store_rc r = STORE_OK;
    for (size_t i = 0; r == STORE_OK && i < n; i++) {
        sqlite3_stmt *st = sq_stmt(c, ST_BK_HOST_INSERT,
                                   "INSERT INTO booking_hosts (booking_id, host_user_id,"
                                   " meeting_type_id, start_time, end_time, busy_start, busy_end,"
                                   " group_key, seats) VALUES (?,?,?,?,?,?,?,?,?)");
        if (!st)
            return STORE_ERROR;
        sq_bind_text(st, 1, b->id);
        sq_bind_text(st, 2, hosts[i].host_user_id);
        sq_bind_text(st, 3, b->meeting_type_id);
        sq_bind_int64(st, 4, b->start_time);
        sq_bind_int64(st, 5, b->end_time);
        sq_bind_int64(st, 6, hosts[i].busy_start);
        sq_bind_int64(st, 7, hosts[i].busy_end);
        sq_bind_text(st, 8, hosts[i].group_key);
        sqlite3_bind_int(st, 9, hosts[i].seats);
        r = sq_exec_stmt(c, st, "booking host insert");
    }
    return r;
}

store_rc sq_booking_insert(store_conn *base, const store_booking *b,
                           const store_booking_host *hosts, size_t nhosts)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_INSERT, "INSERT INTO bookings (" BK_COLS ") VALUES"
                                                " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, b->id);
    sq_bind_text(st, 2, b->meeting_type_id);
    sq_bind_text(st, 3, b->host_user_id);
    sq_bind_text(st, 4, b->invitee_name);
    sq_bind_text(st, 5, b->invitee_email);
    sq_bind_text(st, 6, b->invitee_timezone);
    sq_bind_int64(st, 7, b->start_time);
    sq_bind_int64(st, 8, b->end_time);
    sq_bind_text(st, 9, b->status);
    sq_bind_text(st, 10, b->notes);
    sq_bind_text(st, 11, b->answers_json);
    sq_bind_text(st, 12, b->cancellation_reason);
    sq_bind_text(st, 13, b->manage_token_hash);
    sqlite3_bind_int(st, 14, b->version);
    sq_bind_int64(st, 15, b->created_at);
    sq_bind_int64(st, 16, b->updated_at);
    sq_bind_text(st, 17, b->invitee_locale ? b->invitee_locale : "en-US");
    store_rc r = sq_exec_stmt(c, st, "booking insert");
    if (r == STORE_OK)
        r = insert_hosts(c, b, hosts, nhosts);
    return r;
}

static void read_booking(arena *a, sqlite3_stmt *st, void *out)
{
    store_booking *b = out;
    b->id = sq_col_text(a, st, 0, false);
    b->meeting_type_id = sq_col_text(a, st, 1, false);
    b->host_user_id = sq_col_text(a, st, 2, false);
    b->invitee_name = sq_col_text(a, st, 3, false);
    b->invitee_email = sq_col_text(a, st, 4, false);
    b->invitee_timezone = sq_col_text(a, st, 5, false);
    b->start_time = sqlite3_column_int64(st, 6);
    b->end_time = sqlite3_column_int64(st, 7);
    b->status = sq_col_text(a, st, 8, false);
    b->notes = sq_col_text(a, st, 9, false);
    b->answers_json = sq_col_text(a, st, 10, false);
    b->cancellation_reason = sq_col_text(a, st, 11, true);
    b->manage_token_hash = sq_col_text(a, st, 12, false);
    b->version = sqlite3_column_int(st, 13);
    b->created_at = sqlite3_column_int64(st, 14);
    b->updated_at = sqlite3_column_int64(st, 15);
    b->invitee_locale = sq_col_text(a, st, 16, false);
}

store_rc sq_booking_get(store_conn *base, arena *a, const char *id, store_booking *out)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_GET, "SELECT " BK_COLS " FROM bookings WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, id);
    return sq_step_one(c, st, "booking get", read_booking, a, out);
}

store_rc sq_booking_find_standing(store_conn *base, arena *a, const char *meeting_type_id,
                                  int64_t start, const char *email, store_booking *out)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_STANDING,
                               "SELECT " BK_COLS " FROM bookings WHERE meeting_type_id = ?"
                               " AND start_time = ? AND invitee_email = ? AND status = 'confirmed'"
                               " LIMIT 1");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, meeting_type_id);
    sq_bind_int64(st, 2, start);
    sq_bind_text(st, 3, email);
    return sq_step_one(c, st, "booking standing", read_booking, a, out);
}

store_rc sq_booking_is_host(store_conn *base, const char *booking_id, const char *user_id)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_IS_HOST,
                               "SELECT 1 FROM bookings b WHERE b.id = ?1 AND (b.host_user_id = ?2"
                               " OR EXISTS (SELECT 1 FROM booking_hosts h WHERE h.booking_id = b.id"
                               " AND h.host_user_id = ?2))");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, booking_id);
    sq_bind_text(st, 2, user_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_rc(c, rc, "booking is host");
}

store_rc sq_booking_hosts_get(store_conn *base, arena *a, const char *booking_id,
                              char ***host_ids, size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_HOSTS,
                               "SELECT host_user_id FROM booking_hosts WHERE booking_id = ?"
                               " ORDER BY host_user_id");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, booking_id);
    size_t cap = 0, n = 0;
    char **ids = arena_array_reserve(a, NULL, 0, &cap, sizeof(char *));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ids = arena_array_reserve(a, ids, n, &cap, sizeof(char *));
        ids[n++] = sq_col_text(a, st, 0, false);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_rc(c, rc, "booking hosts");
    *host_ids = ids;
    *count = n;
    return STORE_OK;
}

static store_rc write_history(sq_conn *c, const store_booking *b, int64_t old_start,
                              int64_t old_end, const char *reason, const char *changed_by)
{
    sqlite3_stmt *st = sq_stmt(c, ST_BK_HISTORY,
                               "INSERT INTO booking_history (booking_id, version, start_time,"
                               " end_time, reason, changed_by, changed_at) VALUES (?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, b->id);
    sqlite3_bind_int(st, 2, b->version - 1);
    sq_bind_int64(st, 3, old_start);
    sq_bind_int64(st, 4, old_end);
    sq_bind_text(st, 5, reason);
    sq_bind_text(st, 6, changed_by);
    sq_bind_int64(st, 7, b->updated_at);
    return sq_exec_stmt(c, st, "booking history");
}

store_rc sq_booking_move(store_conn *base, const store_booking *b,
                         const store_booking_host *hosts, size_t nhosts, int64_t old_start,
                         int64_t old_end, const char *reason, const char *changed_by)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_MOVE,
                               "UPDATE bookings SET start_time = ?, end_time = ?, version = ?,"
                               " updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_int64(st, 1, b->start_time);
    sq_bind_int64(st, 2, b->end_time);
    sqlite3_bind_int(st, 3, b->version);
    sq_bind_int64(st, 4, b->updated_at);
    sq_bind_text(st, 5, b->id);
    store_rc r = sq_exec_stmt(c, st, "booking move");
    for (size_t i = 0; r == STORE_OK && i < nhosts; i++) {
        st = sq_stmt(c, ST_BK_HOST_MOVE,
                     "UPDATE booking_hosts SET busy_start = ?1, busy_end = ?2, group_key = ?3,"
                     " start_time = ?6, end_time = ?7 WHERE booking_id = ?4 AND host_user_id = ?5");
        if (!st)
            return STORE_ERROR;
        sq_bind_int64(st, 1, hosts[i].busy_start);
        sq_bind_int64(st, 2, hosts[i].busy_end);
        sq_bind_text(st, 3, hosts[i].group_key);
        sq_bind_text(st, 4, b->id);
        sq_bind_text(st, 5, hosts[i].host_user_id);
        sq_bind_int64(st, 6, b->start_time);
        sq_bind_int64(st, 7, b->end_time);
        r = sq_exec_stmt(c, st, "booking host move");
    }
    if (r == STORE_OK)
        r = write_history(c, b, old_start, old_end, reason, changed_by);
    return r;
}

store_rc sq_booking_cancel(store_conn *base, const store_booking *b)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_CANCEL,
                               "UPDATE bookings SET status = 'cancelled', cancellation_reason = ?,"
                               " version = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, b->cancellation_reason);
    sqlite3_bind_int(st, 2, b->version);
    sq_bind_int64(st, 3, b->updated_at);
    sq_bind_text(st, 4, b->id);
    store_rc r = sq_exec_stmt(c, st, "booking cancel");
    if (r != STORE_OK)
        return r;
    st = sq_stmt(c, ST_BK_HOSTS_RELEASE, "UPDATE booking_hosts SET active = 0 WHERE booking_id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, b->id);
    return sq_exec_stmt(c, st, "booking hosts release");
}

store_rc sq_booking_list(store_conn *base, arena *a, const store_booking_filter *f,
                         store_booking **out, size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_LIST,
                               "SELECT " BK_COLS " FROM bookings b WHERE (b.host_user_id = ?1 OR"
                               " EXISTS (SELECT 1 FROM booking_hosts h WHERE h.booking_id = b.id"
                               " AND h.host_user_id = ?1))"
                               " AND (?2 IS NULL OR b.status = ?2)"
                               " AND b.start_time >= ?3 AND b.start_time < ?4"
                               " AND (?6 IS NULL OR b.start_time > ?5"
                               "      OR (b.start_time = ?5 AND b.id > ?6))"
                               " ORDER BY b.start_time, b.id LIMIT ?7");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, f->host_user_id);
    sq_bind_text(st, 2, f->status);
    sq_bind_int64(st, 3, f->from);
    sq_bind_int64(st, 4, f->to);
    sq_bind_int64(st, 5, f->after_start);
    sq_bind_text(st, 6, f->after_id);
    sqlite3_bind_int(st, 7, f->limit);
    store_booking *items = arena_alloc(a, ((size_t)f->limit + 1) * sizeof(*items));
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)f->limit)
        read_booking(a, st, &items[n++]);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sq_rc(c, rc, "booking list");
    *out = items;
    *count = n;
    return STORE_OK;
}

store_rc sq_booking_count_type(store_conn *base, const char *meeting_type_id, int64_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BK_COUNT,
                               "SELECT count(*) FROM bookings WHERE meeting_type_id = ?"
                               " AND status = 'confirmed'");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, meeting_type_id);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : sq_rc(c, rc, "booking count");
}

static void read_idem(arena *a, sqlite3_stmt *st, void *out)
{
    store_idempotency *i = out;
    i->fingerprint = sq_col_text(a, st, 0, false);
    i->done = strcmp((const char *)sqlite3_column_text(st, 1), "done") == 0;
    i->status = sqlite3_column_int(st, 2);
    i->body = sq_col_text(a, st, 3, true);
    i->created_at = sqlite3_column_int64(st, 4);
}

store_rc sq_idem_get(store_conn *base, arena *a, const char *scope, const char *key, int64_t now,
                     store_idempotency *out)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_IDEM_GET,
                               "SELECT fingerprint, state, coalesce(response_status, 0),"
                               " response_body, created_at FROM idempotency_keys"
                               " WHERE scope = ? AND key = ? AND expires_at > ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, scope);
    sq_bind_text(st, 2, key);
    sq_bind_int64(st, 3, now);
    return sq_step_one(c, st, "idempotency get", read_idem, a, out);
}

store_rc sq_idem_claim(store_conn *base, const char *scope, const char *key,
                       const char *fingerprint, int64_t now, int64_t expires_at)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_IDEM_PURGE,
                               "DELETE FROM idempotency_keys WHERE scope = ? AND key = ?"
                               " AND expires_at <= ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, scope);
    sq_bind_text(st, 2, key);
    sq_bind_int64(st, 3, now);
    store_rc r = sq_exec_stmt(c, st, "idempotency purge");
    if (r != STORE_OK)
        return r;
    st = sq_stmt(c, ST_IDEM_CLAIM,
                 "INSERT INTO idempotency_keys (scope, key, fingerprint, state, created_at,"
                 " expires_at) VALUES (?,?,?,'in_flight',?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, scope);
    sq_bind_text(st, 2, key);
    sq_bind_text(st, 3, fingerprint);
    sq_bind_int64(st, 4, now);
    sq_bind_int64(st, 5, expires_at);
    return sq_exec_stmt(c, st, "idempotency claim");
}

store_rc sq_idem_finish(store_conn *base, const char *scope, const char *key, int status,
                        const char *body)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_IDEM_FINISH,
                               "UPDATE idempotency_keys SET state = 'done', response_status = ?,"
                               " response_body = ? WHERE scope = ? AND key = ?");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int(st, 1, status);
    sq_bind_text(st, 2, body);
    sq_bind_text(st, 3, scope);
    sq_bind_text(st, 4, key);
    return sq_exec_stmt(c, st, "idempotency finish");
}

store_rc sq_idem_release(store_conn *base, const char *scope, const char *key)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_IDEM_RELEASE,
                               "DELETE FROM idempotency_keys WHERE scope = ? AND key = ?"
                               " AND state = 'in_flight'");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, scope);
    sq_bind_text(st, 2, key);
    return sq_exec_stmt(c, st, "idempotency release");
}
