/*
 * pg_booking.c — bookings, their holds on hosts, history, the outbox and
 * idempotency keys on PostgreSQL. The exclusion constraint and the seat
 * trigger on booking_hosts (migration 0001) refuse an overlapping hold or
 * a full group slot; either surfaces here as STORE_CONFLICT. A booking
 * and its holds are written by one statement, so they are atomic inside
 * or outside a transaction.
 */
#include <libpq-fe.h>
#include <string.h>

#include "store/postgres/pg_util.h"

#define BK_COLS "id, meeting_type_id, host_user_id, invitee_name, invitee_email," \
    " invitee_timezone, " PG_EPOCH("start_time") ", " PG_EPOCH("end_time") ", status, notes," \
    " answers::text, cancellation_reason, manage_token_hash, version, " \
    PG_EPOCH("created_at") ", " PG_EPOCH("updated_at") ", invitee_locale"

/* Arrays of the holds: host ids, busy starts and ends, group keys, seats. */
static void add_holds(pg_params *p, const store_booking_host *hosts, size_t n, bool seats)
{
    strbuf *ids = pg_p_array_begin(p), *starts = pg_p_array_begin(p);
    strbuf *ends = pg_p_array_begin(p), *keys = pg_p_array_begin(p);
    strbuf *counts = seats ? pg_p_array_begin(p) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (!pg_uuid_valid(hosts[i].host_user_id))
            p->bad_value = true;
        pg_array_text(ids, hosts[i].host_user_id);
        pg_array_int(starts, hosts[i].busy_start);
        pg_array_int(ends, hosts[i].busy_end);
        pg_array_text(keys, hosts[i].group_key);
        if (counts)
            pg_array_int(counts, hosts[i].seats);
    }
    pg_p_array_end(p, ids);
    pg_p_array_end(p, starts);
    pg_p_array_end(p, ends);
    pg_p_array_end(p, keys);
    if (counts)
        pg_p_array_end(p, counts);
}

/* $1..$22: the booking's row and its holds, for BK_ROW and BK_HOLDS. */
static void booking_params(pg_params *p, const store_booking *b, const store_booking_host *hosts,
                           size_t nhosts)
{
    pg_p_uuid(p, b->id);
    pg_p_uuid(p, b->meeting_type_id);
    pg_p_uuid(p, b->host_user_id);
    pg_p_text(p, b->invitee_name);
    pg_p_text(p, b->invitee_email);
    pg_p_text(p, b->invitee_timezone);
    pg_p_time(p, b->start_time);
    pg_p_time(p, b->end_time);
    pg_p_text(p, b->status);
    pg_p_text(p, b->notes);
    pg_p_text(p, b->answers_json);
    pg_p_text(p, b->cancellation_reason);
    pg_p_text(p, b->manage_token_hash);
    pg_p_int(p, b->version);
    pg_p_time(p, b->created_at);
    pg_p_time(p, b->updated_at);
    add_holds(p, hosts, nhosts, true);
    pg_p_text(p, b->invitee_locale ? b->invitee_locale : "en-US");
}

#define BK_ROW                                                                                \
    "b AS (INSERT INTO bookings (id, meeting_type_id, host_user_id,"                          \
    " invitee_name, invitee_email, invitee_timezone, start_time, end_time,"                   \
    " status, notes, answers, cancellation_reason, manage_token_hash, version,"               \
    " created_at, updated_at, invitee_locale) VALUES ($1::uuid, $2::uuid,"                    \
    " $3::uuid, $4, $5, $6, to_timestamp($7), to_timestamp($8), $9, $10,"                     \
    " $11::jsonb, $12, $13, $14, to_timestamp($15), to_timestamp($16), $22)"                  \
    " RETURNING id, meeting_type_id, start_time, end_time)"
#define BK_HOLDS                                                                              \
    "INSERT INTO booking_hosts (booking_id, host_user_id, meeting_type_id,"                   \
    " start_time, end_time, busy_start, busy_end, group_key, seats)"                          \
    " SELECT b.id, h.host, b.meeting_type_id, b.start_time, b.end_time,"                      \
    " to_timestamp(h.bs), to_timestamp(h.be), h.gk, h.seats FROM b,"                          \
    " unnest($17::uuid[], $18::bigint[], $19::bigint[], $20::text[],"                         \
    " $21::int[]) WITH ORDINALITY AS h(host, bs, be, gk, seats, n)"                           \
    " ORDER BY h.n"

store_rc pg_booking_insert(store_conn *base, const store_booking *b,
                           const store_booking_host *hosts, size_t nhosts)
{
    pg_params p;
    pg_params_init(&p);
    booking_params(&p, b, hosts, nhosts);
    store_rc r = pg_exec((pg_conn *)base, PS_BK_INSERT, "WITH " BK_ROW " " BK_HOLDS, &p, NULL,
                         "booking insert");
    pg_params_release(&p);
    return r;
}

/* One statement: each round trip costs PostgreSQL more than most of these inserts. */
store_rc pg_booking_create(store_conn *base, const store_booking *b,
                           const store_booking_host *hosts, size_t nhosts, const char *sealed,
                           const store_outbox_row *rows, size_t nrows, int64_t now, bool last)
{
    static const char sql[] =
        "WITH " BK_ROW ", h AS (" BK_HOLDS " RETURNING 1),"
        " s AS (INSERT INTO booking_secrets (booking_id, sealed_manage_token, created_at)"
        " SELECT b.id, $23, to_timestamp($29) FROM b WHERE $23::text IS NOT NULL RETURNING 1)"
        " INSERT INTO outbox (event_id, topic, aggregate_id, payload, available_at, created_at,"
        " updated_at) SELECT r.id, r.topic, r.agg, r.payload::jsonb, to_timestamp(r.due),"
        " to_timestamp($29), to_timestamp($29) FROM b, unnest($24::text[], $25::text[],"
        " $26::text[], $27::text[], $28::bigint[]) WITH ORDINALITY"
        " AS r(id, topic, agg, payload, due, n) ORDER BY r.n";
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    booking_params(&p, b, hosts, nhosts);
    pg_p_text(&p, sealed);
    pg_p_outbox_rows(&p, rows, nrows);
    pg_p_time(&p, now);
    store_rc r = last ? pg_exec_with_commit(c, PS_BK_CREATE, sql, &p, "booking create")
                      : pg_exec(c, PS_BK_CREATE, sql, &p, NULL, "booking create");
    pg_params_release(&p);
    return r;
}

static void read_booking(arena *a, const PGresult *r, int row, store_booking *b)
{
    b->id = pg_text(a, r, row, 0, false);
    b->meeting_type_id = pg_text(a, r, row, 1, false);
    b->host_user_id = pg_text(a, r, row, 2, false);
    b->invitee_name = pg_text(a, r, row, 3, false);
    b->invitee_email = pg_text(a, r, row, 4, false);
    b->invitee_timezone = pg_text(a, r, row, 5, false);
    b->start_time = pg_int(r, row, 6);
    b->end_time = pg_int(r, row, 7);
    b->status = pg_text(a, r, row, 8, false);
    b->notes = pg_text(a, r, row, 9, false);
    b->answers_json = pg_text(a, r, row, 10, false);
    b->cancellation_reason = pg_text(a, r, row, 11, true);
    b->manage_token_hash = pg_text(a, r, row, 12, false);
    b->version = (int)pg_int(r, row, 13);
    b->created_at = pg_int(r, row, 14);
    b->updated_at = pg_int(r, row, 15);
    b->invitee_locale = pg_text(a, r, row, 16, false);
}

/* The first row of a booking query, or STORE_NOT_FOUND. */
static store_rc one_booking(store_rc r, PGresult *res, arena *a, store_booking *out)
{
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK)
        read_booking(a, res, 0, out);
    PQclear(res);
    return r;
}

/*
 * In a write transaction the row is locked (FOR UPDATE): a reschedule and
 * a cancel of one booking take turns, and the second reads what the first
 * committed, as SQLite's single writer would have it.
 */
store_rc pg_booking_get(store_conn *base, arena *a, const char *id, store_booking *out)
{
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, id);
    PGresult *res = NULL;
    store_rc r = c->in_tx && c->write_tx
        ? pg_exec(c, PS_BK_GET_LOCK, "SELECT " BK_COLS " FROM bookings WHERE id = $1::uuid"
                  " FOR UPDATE", &p, &res, "booking get")
        : pg_exec(c, PS_BK_GET, "SELECT " BK_COLS " FROM bookings WHERE id = $1::uuid", &p,
                  &res, "booking get");
    return one_booking(r, res, a, out);
}

/*
 * The type's owner and hosts as the caller read them: the same users
 * pg_lock_hosts would read for the type, unless an edit of its hosts
 * commits in between, and that edit locks the owner too. A type with more
 * hosts than a transaction remembers is left to find_standing's lock.
 */
store_rc pg_booking_lock_type(store_conn *base, const store_meeting_type *m)
{
    const char *users[PG_TX_HOSTS];
    size_t n = 0;
    if (m->nhosts + 1 > PG_TX_HOSTS)
        return STORE_OK;
    users[n++] = m->user_id;
    for (size_t i = 0; i < m->nhosts; i++)
        users[n++] = m->host_ids[i];
    return pg_lock_users((pg_conn *)base, m->id, users, n);
}

/* Called first when booking: the type's writer locks come before the look. */
store_rc pg_booking_find_standing(store_conn *base, arena *a, const char *meeting_type_id,
                                  int64_t start, const char *email, store_booking *out)
{
    pg_conn *c = (pg_conn *)base;
    store_rc r = pg_lock_hosts(c, meeting_type_id, NULL, NULL, 0);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, meeting_type_id);
    pg_p_time(&p, start);
    pg_p_text(&p, email);
    PGresult *res = NULL;
    r = pg_exec(c, PS_BK_STANDING,
                "SELECT " BK_COLS " FROM bookings WHERE meeting_type_id = $1::uuid"
                " AND start_time = to_timestamp($2) AND invitee_email = $3"
                " AND status = 'confirmed' LIMIT 1",
                &p, &res, "booking standing");
    return one_booking(r, res, a, out);
}

store_rc pg_booking_is_host(store_conn *base, const char *booking_id, const char *user_id)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, booking_id);
    pg_p_uuid(&p, user_id);
    PGresult *res;
    store_rc r = pg_exec((pg_conn *)base, PS_BK_IS_HOST,
                         "SELECT 1 FROM bookings b WHERE b.id = $1::uuid AND"
                         " (b.host_user_id = $2::uuid OR EXISTS (SELECT 1 FROM booking_hosts h"
                         " WHERE h.booking_id = b.id AND h.host_user_id = $2::uuid))",
                         &p, &res, "booking is host");
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    PQclear(res);
    return r;
}

store_rc pg_booking_hosts_get(store_conn *base, arena *a, const char *booking_id,
                              char ***host_ids, size_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, booking_id);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_BK_HOSTS,
                         "SELECT host_user_id FROM booking_hosts WHERE booking_id = $1::uuid"
                         " ORDER BY host_user_id",
                         &p, &res, "booking hosts");
    if (r != STORE_OK && r != STORE_NOT_FOUND)
        return r;
    int n = res ? PQntuples(res) : 0;
    char **ids = arena_calloc(a, (size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++)
        ids[i] = pg_text(a, res, i, 0, false);
    PQclear(res);
    *host_ids = ids;
    *count = (size_t)n;
    return STORE_OK;
}

/*
 * The booking, its holds and its history row in one statement. A move keeps
 * the booking's hosts, so locking the booking's hosts covers the new holds.
 */
store_rc pg_booking_move(store_conn *base, const store_booking *b, const store_booking_host *hosts,
                         size_t nhosts, int64_t old_start, int64_t old_end, const char *reason,
                         const char *changed_by)
{
    pg_conn *c = (pg_conn *)base;
    store_rc r = pg_lock_hosts(c, NULL, b->id, NULL, 0);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_time(&p, b->start_time);
    pg_p_time(&p, b->end_time);
    pg_p_int(&p, b->version);
    pg_p_time(&p, b->updated_at);
    pg_p_uuid(&p, b->id);
    add_holds(&p, hosts, nhosts, false);
    pg_p_time(&p, old_start);
    pg_p_time(&p, old_end);
    pg_p_text(&p, reason);
    pg_p_text(&p, changed_by);
    r = pg_exec(c, PS_BK_MOVE,
                "WITH b AS (UPDATE bookings SET start_time = to_timestamp($1),"
                " end_time = to_timestamp($2), version = $3, updated_at = to_timestamp($4)"
                " WHERE id = $5::uuid),"
                " h AS (UPDATE booking_hosts bh SET busy_start = to_timestamp(x.bs),"
                " busy_end = to_timestamp(x.be), group_key = x.gk, start_time = to_timestamp($1),"
                " end_time = to_timestamp($2) FROM unnest($6::uuid[], $7::bigint[],"
                " $8::bigint[], $9::text[]) AS x(host, bs, be, gk)"
                " WHERE bh.booking_id = $5::uuid AND bh.host_user_id = x.host)"
                " INSERT INTO booking_history (booking_id, version, start_time, end_time, reason,"
                " changed_by, changed_at) VALUES ($5::uuid, $3::int - 1, to_timestamp($10),"
                " to_timestamp($11), $12, $13, to_timestamp($4))",
                &p, NULL, "booking move");
    pg_params_release(&p);
    return r;
}

/* The holds' hosts are locked first, in order, like every writer of them. */
store_rc pg_booking_cancel(store_conn *base, const store_booking *b)
{
    pg_conn *c = (pg_conn *)base;
    store_rc r = pg_lock_hosts(c, NULL, b->id, NULL, 0);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, b->cancellation_reason);
    pg_p_int(&p, b->version);
    pg_p_time(&p, b->updated_at);
    pg_p_uuid(&p, b->id);
    int64_t changed;
    return pg_exec_count(c, PS_BK_CANCEL,
                         "WITH b AS (UPDATE bookings SET status = 'cancelled',"
                         " cancellation_reason = $1, version = $2, updated_at = to_timestamp($3)"
                         " WHERE id = $4::uuid)"
                         " UPDATE booking_hosts SET active = false WHERE booking_id = $4::uuid",
                         &p, &changed, "booking cancel");
}

/*
 * A host's bookings: those assigned to them and those they hold as a
 * co-host, by (start_time, id) after the cursor. Ids compare as uuids,
 * whose order is that of their lowercase text, as on SQLite.
 */
store_rc pg_booking_list(store_conn *base, arena *a, const store_booking_filter *f,
                         store_booking **out, size_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, f->host_user_id);
    pg_p_text(&p, f->status);
    pg_p_time(&p, f->from);
    pg_p_time(&p, f->to);
    pg_p_time(&p, f->after_start);
    pg_p_uuid(&p, f->after_id);
    pg_p_int(&p, f->limit);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_BK_LIST,
                         "SELECT " BK_COLS " FROM bookings b WHERE b.id IN ("
                         " SELECT id FROM bookings WHERE host_user_id = $1::uuid UNION ALL"
                         " SELECT booking_id FROM booking_hosts WHERE host_user_id = $1::uuid)"
                         " AND ($2::text IS NULL OR b.status = $2)"
                         " AND b.start_time >= to_timestamp($3) AND b.start_time < to_timestamp($4)"
                         " AND ($6::uuid IS NULL OR (b.start_time, b.id) > (to_timestamp($5),"
                         " $6::uuid))"
                         " ORDER BY b.start_time, b.id LIMIT $7",
                         &p, &res, "booking list");
    if (r != STORE_OK && r != STORE_NOT_FOUND)
        return r;
    int n = res ? PQntuples(res) : 0;
    store_booking *items = arena_calloc(a, (size_t)n + 1, sizeof(*items));
    for (int i = 0; i < n; i++)
        read_booking(a, res, i, &items[i]);
    PQclear(res);
    *out = items;
    *count = (size_t)n;
    return STORE_OK;
}

store_rc pg_booking_count_type(store_conn *base, const char *meeting_type_id, int64_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, meeting_type_id);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_BK_COUNT,
                         "SELECT count(*) FROM bookings WHERE meeting_type_id = $1::uuid"
                         " AND status = 'confirmed'",
                         &p, &res, "booking count");
    *count = res ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    return r == STORE_NOT_FOUND ? STORE_OK : r;
}

/* ---------------------------------------------------------------- idempotency keys */

/*
 * In a write transaction the key is locked first (advisory namespace 3),
 * so of two requests with one key the second waits and then reads the
 * first one's claim — SQLite's one writer gives the same.
 */
store_rc pg_idem_get(store_conn *base, arena *a, const char *scope, const char *key, int64_t now,
                     store_idempotency *out)
{
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, scope);
    pg_p_text(&p, key);
    store_rc r = STORE_OK;
    if (c->in_tx && c->write_tx)
        r = pg_exec(c, PS_LOCK_IDEM,
                    "SELECT pg_advisory_xact_lock(3, hashtext($1 || ' ' || $2))", &p, NULL,
                    "idempotency lock");
    if (r != STORE_OK)
        return r;
    pg_p_time(&p, now);
    PGresult *res;
    r = pg_exec(c, PS_IDEM_GET,
                "SELECT fingerprint, state, coalesce(response_status, 0), response_body, "
                PG_EPOCH("created_at") " FROM idempotency_keys WHERE scope = $1 AND key = $2"
                " AND expires_at > to_timestamp($3)",
                &p, &res, "idempotency get");
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK) {
        out->fingerprint = pg_text(a, res, 0, 0, false);
        out->done = strcmp(PQgetvalue(res, 0, 1), "done") == 0;
        out->status = (int)pg_int(res, 0, 2);
        out->body = pg_text(a, res, 0, 3, true);
        out->created_at = pg_int(res, 0, 4);
    }
    PQclear(res);
    return r;
}

/* One statement: a new key, or an expired one taken over; else CONFLICT. */
store_rc pg_idem_claim(store_conn *base, const char *scope, const char *key,
                       const char *fingerprint, int64_t now, int64_t expires_at)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, scope);
    pg_p_text(&p, key);
    pg_p_text(&p, fingerprint);
    pg_p_time(&p, now);
    pg_p_time(&p, expires_at);
    int64_t changed;
    store_rc r = pg_exec_count((pg_conn *)base, PS_IDEM_CLAIM,
                               "INSERT INTO idempotency_keys AS k (scope, key, fingerprint, state,"
                               " created_at, expires_at) VALUES ($1, $2, $3, 'in_flight',"
                               " to_timestamp($4), to_timestamp($5))"
                               " ON CONFLICT (scope, key) DO UPDATE SET"
                               " fingerprint = EXCLUDED.fingerprint, state = 'in_flight',"
                               " response_status = NULL, response_body = NULL,"
                               " created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at"
                               " WHERE k.expires_at <= EXCLUDED.created_at",
                               &p, &changed, "idempotency claim");
    return r == STORE_OK && changed == 0 ? STORE_CONFLICT : r;
}

store_rc pg_idem_finish(store_conn *base, const char *scope, const char *key, int status,
                        const char *body)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, status);
    pg_p_text(&p, body);
    pg_p_text(&p, scope);
    pg_p_text(&p, key);
    int64_t changed;
    return pg_exec_count((pg_conn *)base, PS_IDEM_FINISH,
                         "UPDATE idempotency_keys SET state = 'done', response_status = $1,"
                         " response_body = $2 WHERE scope = $3 AND key = $4",
                         &p, &changed, "idempotency finish");
}

store_rc pg_idem_release(store_conn *base, const char *scope, const char *key)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, scope);
    pg_p_text(&p, key);
    int64_t changed;
    return pg_exec_count((pg_conn *)base, PS_IDEM_RELEASE,
                         "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2"
                         " AND state = 'in_flight'",
                         &p, &changed, "idempotency release");
}
