/*
 * pg_meeting.c — meeting types and their hosts on PostgreSQL. A type and
 * its host list are read in one statement (the hosts as a comma-separated
 * column, in position order).
 */
#include <libpq-fe.h>
#include <string.h>

#include "store/postgres/pg_util.h"

#define MT_COLS "id, user_id, name, slug, description, kind, duration_minutes," \
    " buffer_before_minutes, buffer_after_minutes, slot_interval_minutes, min_notice_minutes," \
    " booking_window_days, coalesce(max_bookings_per_day, 0), seats, questions::text, location," \
    " color, is_active, " PG_EPOCH("created_at") ", " PG_EPOCH("updated_at") "," \
    " array_to_string(ARRAY(SELECT h.user_id FROM meeting_type_hosts h" \
    " WHERE h.meeting_type_id = meeting_types.id ORDER BY h.position), ','), reminder_minutes"

/* The fields both insert and update write, from position 1 of p on. */
static void add_mt_fields(pg_params *p, const store_meeting_type *m)
{
    pg_p_text(p, m->name);
    pg_p_text(p, m->slug);
    pg_p_text(p, m->description);
    pg_p_text(p, m->kind);
    pg_p_int(p, m->duration_minutes);
    pg_p_int(p, m->buffer_before_minutes);
    pg_p_int(p, m->buffer_after_minutes);
    pg_p_int(p, m->slot_interval_minutes);
    pg_p_int(p, m->min_notice_minutes);
    pg_p_int(p, m->booking_window_days);
    if (m->max_bookings_per_day > 0)
        pg_p_int(p, m->max_bookings_per_day);
    else
        pg_p_text(p, NULL);
    pg_p_int(p, m->seats);
    pg_p_text(p, m->questions_json);
    pg_p_text(p, m->location);
    pg_p_text(p, m->color);
    pg_p_bool(p, m->is_active);
}

static void add_host_array(pg_params *p, const store_meeting_type *m)
{
    strbuf *arr = pg_p_array_begin(p);
    for (size_t i = 0; i < m->nhosts; i++) {
        if (!pg_uuid_valid(m->host_ids[i]))
            p->bad_value = true; /* not a user: a foreign-key clash on SQLite */
        pg_array_text(arr, m->host_ids[i]);
    }
    pg_p_array_end(p, arr);
}

static store_conflict mt_conflict(const pg_conn *c)
{
    return strcmp(c->constraint, "idx_meeting_types_slug") == 0 ? STORE_CONFLICT_SLUG
                                                                : STORE_CONFLICT_OTHER;
}

/* ---------------------------------------------------------------- insert */

typedef struct mt_write {
    const store_meeting_type *m;
    store_conflict *conflict;
} mt_write;

static store_rc insert_body(pg_conn *c, void *ctx)
{
    mt_write *w = ctx;
    store_rc r = pg_lock_hosts(c, NULL, NULL, (const char *const *)w->m->host_ids, w->m->nhosts);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    add_mt_fields(&p, w->m);
    pg_p_uuid(&p, w->m->id);
    pg_p_uuid(&p, w->m->user_id);
    pg_p_time(&p, w->m->created_at);
    pg_p_time(&p, w->m->updated_at);
    add_host_array(&p, w->m);
    c->constraint[0] = '\0';
    r = pg_exec(c, PS_MT_INSERT,
                         "WITH m AS (INSERT INTO meeting_types (name, slug, description, kind,"
                         " duration_minutes, buffer_before_minutes, buffer_after_minutes,"
                         " slot_interval_minutes, min_notice_minutes, booking_window_days,"
                         " max_bookings_per_day, seats, questions, location, color, is_active, id,"
                         " user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                         " $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17::uuid, $18::uuid,"
                         " to_timestamp($19), to_timestamp($20)) RETURNING id)"
                         " INSERT INTO meeting_type_hosts (meeting_type_id, user_id, position)"
                         " SELECT m.id, h.u, h.n - 1 FROM m,"
                         " unnest($21::uuid[]) WITH ORDINALITY AS h(u, n)",
                         &p, NULL, "meeting type insert");
    pg_params_release(&p);
    if (r == STORE_CONFLICT)
        *w->conflict = mt_conflict(c);
    return r;
}

store_rc pg_mt_insert(store_conn *base, const store_meeting_type *m, store_conflict *conflict)
{
    *conflict = STORE_CONFLICT_NONE;
    mt_write w = {m, conflict};
    return pg_atomic((pg_conn *)base, insert_body, &w, true, "meeting type insert");
}

/* ---------------------------------------------------------------- read */

/* Splits "a,b,c" into the type's host ids. */
static void read_hosts(arena *a, const char *list, store_meeting_type *m)
{
    size_t n = *list ? 1 : 0;
    for (const char *s = list; *s; s++)
        n += *s == ',';
    m->host_ids = arena_calloc(a, n + 1, sizeof(char *));
    m->nhosts = 0;
    const char *start = list;
    while (n && m->nhosts < n) {
        const char *comma = strchr(start, ',');
        size_t len = comma ? (size_t)(comma - start) : strlen(start);
        m->host_ids[m->nhosts++] = arena_strndup(a, start, len);
        start += len + 1;
    }
}

static void read_mt(arena *a, const PGresult *r, int row, store_meeting_type *m)
{
    memset(m, 0, sizeof(*m));
    m->id = pg_text(a, r, row, 0, false);
    m->user_id = pg_text(a, r, row, 1, false);
    m->name = pg_text(a, r, row, 2, false);
    m->slug = pg_text(a, r, row, 3, false);
    m->description = pg_text(a, r, row, 4, false);
    m->kind = pg_text(a, r, row, 5, false);
    m->duration_minutes = (int)pg_int(r, row, 6);
    m->buffer_before_minutes = (int)pg_int(r, row, 7);
    m->buffer_after_minutes = (int)pg_int(r, row, 8);
    m->slot_interval_minutes = (int)pg_int(r, row, 9);
    m->min_notice_minutes = (int)pg_int(r, row, 10);
    m->booking_window_days = (int)pg_int(r, row, 11);
    m->max_bookings_per_day = (int)pg_int(r, row, 12); /* NULL reads as 0 */
    m->seats = (int)pg_int(r, row, 13);
    m->questions_json = pg_text(a, r, row, 14, false);
    m->location = pg_text(a, r, row, 15, false);
    m->color = pg_text(a, r, row, 16, false);
    m->is_active = pg_bool(r, row, 17);
    m->created_at = pg_int(r, row, 18);
    m->updated_at = pg_int(r, row, 19);
    read_hosts(a, PQgetvalue(r, row, 20), m);
    store_reminders_parse(PQgetisnull(r, row, 21) ? NULL : PQgetvalue(r, row, 21), m);
}

store_rc pg_mt_get(store_conn *base, arena *a, const char *id, const char *user_id,
                   const char *slug, store_meeting_type *out)
{
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    PGresult *res;
    store_rc r;
    if (id) {
        /* In a write transaction (reschedule, edit) lock the type's hosts
         * before reading their rules: the check that follows must hold. */
        if ((r = pg_lock_hosts(c, id, NULL, NULL, 0)) != STORE_OK)
            return r;
        pg_p_uuid(&p, id);
        r = pg_exec(c, PS_MT_GET, "SELECT " MT_COLS " FROM meeting_types"
                                  " WHERE id = $1::uuid AND deleted_at IS NULL",
                    &p, &res, "meeting type get");
    } else {
        pg_p_uuid(&p, user_id);
        pg_p_text(&p, slug);
        r = pg_exec(c, PS_MT_GET_SLUG, "SELECT " MT_COLS " FROM meeting_types"
                                       " WHERE user_id = $1::uuid AND slug = $2"
                                       " AND deleted_at IS NULL",
                    &p, &res, "meeting type get");
    }
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK)
        read_mt(a, res, 0, out);
    PQclear(res);
    return r;
}

store_rc pg_mt_list(store_conn *base, arena *a, const char *user_id, bool active_only,
                    store_meeting_type **out, size_t *count)
{
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, user_id);
    PGresult *res;
    store_rc r = active_only
        ? pg_exec(c, PS_MT_LIST_ACTIVE, "SELECT " MT_COLS " FROM meeting_types"
                  " WHERE user_id = $1::uuid AND deleted_at IS NULL AND is_active"
                  " ORDER BY created_at, id", &p, &res, "meeting type list")
        : pg_exec(c, PS_MT_LIST, "SELECT " MT_COLS " FROM meeting_types"
                  " WHERE user_id = $1::uuid AND deleted_at IS NULL"
                  " ORDER BY created_at, id", &p, &res, "meeting type list");
    *out = NULL;
    *count = 0;
    if (r == STORE_NOT_FOUND) { /* no such user: no types */
        *out = arena_calloc(a, 1, sizeof(**out));
        return STORE_OK;
    }
    if (r != STORE_OK)
        return r;
    int n = PQntuples(res);
    store_meeting_type *items = arena_calloc(a, (size_t)n + 1, sizeof(*items));
    for (int i = 0; i < n; i++)
        read_mt(a, res, i, &items[i]);
    PQclear(res);
    *out = items;
    *count = (size_t)n;
    return STORE_OK;
}

/* ---------------------------------------------------------------- update, delete */

static store_rc update_row(pg_conn *c, const store_meeting_type *m, store_conflict *conflict)
{
    pg_params p;
    pg_params_init(&p);
    add_mt_fields(&p, m);
    pg_p_time(&p, m->updated_at);
    pg_p_uuid(&p, m->id);
    int64_t changed;
    c->constraint[0] = '\0';
    store_rc r = pg_exec_count(c, PS_MT_UPDATE,
                               "UPDATE meeting_types SET name = $1, slug = $2, description = $3,"
                               " kind = $4, duration_minutes = $5, buffer_before_minutes = $6,"
                               " buffer_after_minutes = $7, slot_interval_minutes = $8,"
                               " min_notice_minutes = $9, booking_window_days = $10,"
                               " max_bookings_per_day = $11, seats = $12, questions = $13::jsonb,"
                               " location = $14, color = $15, is_active = $16,"
                               " updated_at = to_timestamp($17)"
                               " WHERE id = $18::uuid AND deleted_at IS NULL",
                               &p, &changed, "meeting type update");
    if (r == STORE_CONFLICT)
        *conflict = mt_conflict(c);
    return r == STORE_OK && changed == 0 ? STORE_NOT_FOUND : r;
}

/* Replaces the host list: delete all, insert in order (as SQLite does). */
static store_rc write_hosts(pg_conn *c, const store_meeting_type *m)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, m->id);
    int64_t changed;
    store_rc r = pg_exec_count(c, PS_MT_HOSTS_DELETE,
                               "DELETE FROM meeting_type_hosts WHERE meeting_type_id = $1::uuid",
                               &p, &changed, "meeting type hosts delete");
    if (r != STORE_OK || m->nhosts == 0)
        return r;
    add_host_array(&p, m);
    r = pg_exec(c, PS_MT_HOSTS_INSERT,
                "INSERT INTO meeting_type_hosts (meeting_type_id, user_id, position)"
                " SELECT $1::uuid, h.u, h.n - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS h(u, n)",
                &p, NULL, "meeting type hosts insert");
    pg_params_release(&p);
    /* A host that is not a user violates the foreign key: not a slug clash. */
    return r;
}

static store_rc update_body(pg_conn *c, void *ctx)
{
    mt_write *w = ctx;
    /* The update bumps the schedule versions of the owner and of old and
     * new hosts: take their writer locks first, in order, as bookings do. */
    store_rc r = pg_lock_hosts(c, w->m->id, NULL, (const char *const *)w->m->host_ids,
                               w->m->nhosts);
    if (r == STORE_OK)
        r = update_row(c, w->m, w->conflict);
    if (r == STORE_OK)
        r = write_hosts(c, w->m);
    return r;
}

store_rc pg_mt_update(store_conn *base, const store_meeting_type *m, store_conflict *conflict)
{
    *conflict = STORE_CONFLICT_NONE;
    mt_write w = {m, conflict};
    return pg_atomic((pg_conn *)base, update_body, &w, false, "meeting type update");
}

store_rc pg_mt_delete(store_conn *base, const char *id, int64_t now)
{
    store_rc r = pg_lock_hosts((pg_conn *)base, id, NULL, NULL, 0);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_time(&p, now);
    pg_p_uuid(&p, id);
    int64_t changed;
    r = pg_exec_count((pg_conn *)base, PS_MT_DELETE,
                               "UPDATE meeting_types SET deleted_at = to_timestamp($1),"
                               " is_active = false, updated_at = to_timestamp($1)"
                               " WHERE id = $2::uuid AND deleted_at IS NULL",
                               &p, &changed, "meeting type delete");
    return r == STORE_OK && changed == 0 ? STORE_NOT_FOUND : r;
}
