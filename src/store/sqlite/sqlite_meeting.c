/* sqlite_meeting.c — meeting types and their hosts on SQLite. */
#include <sqlite3.h>
#include <string.h>

#include "store/sqlite/sqlite_util.h"

#define MT_COLS "id, user_id, name, slug, description, kind, duration_minutes," \
    " buffer_before_minutes, buffer_after_minutes, slot_interval_minutes, min_notice_minutes," \
    " booking_window_days, max_bookings_per_day, seats, questions, location, color, is_active," \
    " created_at, updated_at"
/* What the reads return: the columns above, then the reminder lead times. */
#define MT_READ_COLS MT_COLS ", reminder_minutes"

static void bind_mt_fields(sqlite3_stmt *st, const store_meeting_type *m, int pos)
{
    sq_bind_text(st, pos++, m->name);
    sq_bind_text(st, pos++, m->slug);
    sq_bind_text(st, pos++, m->description);
    sq_bind_text(st, pos++, m->kind);
    sqlite3_bind_int(st, pos++, m->duration_minutes);
    sqlite3_bind_int(st, pos++, m->buffer_before_minutes);
    sqlite3_bind_int(st, pos++, m->buffer_after_minutes);
    sqlite3_bind_int(st, pos++, m->slot_interval_minutes);
    sqlite3_bind_int(st, pos++, m->min_notice_minutes);
    sqlite3_bind_int(st, pos++, m->booking_window_days);
    if (m->max_bookings_per_day > 0)
        sqlite3_bind_int(st, pos++, m->max_bookings_per_day);
    else
        sqlite3_bind_null(st, pos++);
    sqlite3_bind_int(st, pos++, m->seats);
    sq_bind_text(st, pos++, m->questions_json);
    sq_bind_text(st, pos++, m->location);
    sq_bind_text(st, pos++, m->color);
    sqlite3_bind_int(st, pos++, m->is_active ? 1 : 0);
}

static store_conflict mt_conflict(sq_conn *c)
{
    return strstr(sqlite3_errmsg(c->db), "slug") ? STORE_CONFLICT_SLUG : STORE_CONFLICT_OTHER;
}

static store_rc write_hosts(sq_conn *c, const store_meeting_type *m)
{
    sqlite3_stmt *st = sq_stmt(c, ST_MT_HOSTS_DELETE,
                               "DELETE FROM meeting_type_hosts WHERE meeting_type_id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, m->id);
    store_rc r = sq_exec_stmt(c, st, "meeting type hosts delete");
    for (size_t i = 0; r == STORE_OK && i < m->nhosts; i++) {
        st = sq_stmt(c, ST_MT_HOST_INSERT,
                     "INSERT INTO meeting_type_hosts (meeting_type_id, user_id, position)"
                     " VALUES (?,?,?)");
        if (!st)
            return STORE_ERROR;
        sq_bind_text(st, 1, m->id);
        sq_bind_text(st, 2, m->host_ids[i]);
        sqlite3_bind_int(st, 3, (int)i);
        r = sq_exec_stmt(c, st, "meeting type host insert");
    }
    /* A host that is not a user violates the foreign key: not a slug clash. */
    return r;
}

store_rc sq_mt_insert(store_conn *base, const store_meeting_type *m, store_conflict *conflict)
{
    sq_conn *c = (sq_conn *)base;
    *conflict = STORE_CONFLICT_NONE;
    store_rc r = sq_savepoint(c);
    if (r != STORE_OK)
        return r;
    sqlite3_stmt *st = sq_stmt(c, ST_MT_INSERT,
                               "INSERT INTO meeting_types (" MT_COLS ") VALUES"
                               " (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
                               "?19,?20)");
    if (!st) {
        sq_rollback_to(c);
        return STORE_ERROR;
    }
    sq_bind_text(st, 1, m->id);
    sq_bind_text(st, 2, m->user_id);
    bind_mt_fields(st, m, 3);
    sq_bind_int64(st, 19, m->created_at);
    sq_bind_int64(st, 20, m->updated_at);
    r = sq_exec_stmt(c, st, "meeting type insert");
    if (r == STORE_CONFLICT) {
        *conflict = mt_conflict(c);
    } else if (r == STORE_OK) {
        r = write_hosts(c, m);
        if (r == STORE_CONFLICT)
            *conflict = STORE_CONFLICT_OTHER;
    }
    if (r != STORE_OK) {
        sq_rollback_to(c);
        return r;
    }
    return sq_release(c);
}

static void read_mt(arena *a, sqlite3_stmt *st, void *out)
{
    store_meeting_type *m = out;
    memset(m, 0, sizeof(*m));
    m->id = sq_col_text(a, st, 0, false);
    m->user_id = sq_col_text(a, st, 1, false);
    m->name = sq_col_text(a, st, 2, false);
    m->slug = sq_col_text(a, st, 3, false);
    m->description = sq_col_text(a, st, 4, false);
    m->kind = sq_col_text(a, st, 5, false);
    m->duration_minutes = sqlite3_column_int(st, 6);
    m->buffer_before_minutes = sqlite3_column_int(st, 7);
    m->buffer_after_minutes = sqlite3_column_int(st, 8);
    m->slot_interval_minutes = sqlite3_column_int(st, 9);
    m->min_notice_minutes = sqlite3_column_int(st, 10);
    m->booking_window_days = sqlite3_column_int(st, 11);
    m->max_bookings_per_day = sqlite3_column_int(st, 12); /* NULL reads as 0 */
    m->seats = sqlite3_column_int(st, 13);
    m->questions_json = sq_col_text(a, st, 14, false);
    m->location = sq_col_text(a, st, 15, false);
    m->color = sq_col_text(a, st, 16, false);
    m->is_active = sqlite3_column_int(st, 17) != 0;
    m->created_at = sqlite3_column_int64(st, 18);
    m->updated_at = sqlite3_column_int64(st, 19);
    store_reminders_parse((const char *)sqlite3_column_text(st, 20), m);
}

static store_rc read_hosts(sq_conn *c, arena *a, store_meeting_type *m)
{
    sqlite3_stmt *st = sq_stmt(c, ST_MT_HOSTS_GET,
                               "SELECT user_id FROM meeting_type_hosts WHERE meeting_type_id = ?"
                               " ORDER BY position");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, m->id);
    size_t cap = 0;
    m->nhosts = 0;
    m->host_ids = arena_array_reserve(a, NULL, 0, &cap, sizeof(char *));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        m->host_ids = arena_array_reserve(a, m->host_ids, m->nhosts, &cap, sizeof(char *));
        m->host_ids[m->nhosts++] = sq_col_text(a, st, 0, false);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : sq_rc(c, rc, "meeting type hosts");
}

store_rc sq_mt_get(store_conn *base, arena *a, const char *id, const char *user_id,
                   const char *slug, store_meeting_type *out)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st;
    if (id) {
        st = sq_stmt(c, ST_MT_GET, "SELECT " MT_READ_COLS " FROM meeting_types"
                                   " WHERE id = ? AND deleted_at IS NULL");
        if (!st)
            return STORE_ERROR;
        sq_bind_text(st, 1, id);
    } else {
        st = sq_stmt(c, ST_MT_GET_SLUG, "SELECT " MT_READ_COLS " FROM meeting_types"
                                        " WHERE user_id = ? AND slug = ? AND deleted_at IS NULL");
        if (!st)
            return STORE_ERROR;
        sq_bind_text(st, 1, user_id);
        sq_bind_text(st, 2, slug);
    }
    store_rc r = sq_step_one(c, st, "meeting type get", read_mt, a, out);
    return r == STORE_OK ? read_hosts(c, a, out) : r;
}

store_rc sq_mt_list(store_conn *base, arena *a, const char *user_id, bool active_only,
                    store_meeting_type **out, size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = active_only
        ? sq_stmt(c, ST_MT_LIST_ACTIVE, "SELECT " MT_READ_COLS " FROM meeting_types WHERE user_id = ?"
                  " AND deleted_at IS NULL AND is_active = 1 ORDER BY created_at, id")
        : sq_stmt(c, ST_MT_LIST, "SELECT " MT_READ_COLS " FROM meeting_types WHERE user_id = ?"
                  " AND deleted_at IS NULL ORDER BY created_at, id");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, user_id);
    size_t cap = 0, n = 0;
    store_meeting_type *items = arena_array_reserve(a, NULL, 0, &cap, sizeof(*items));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        items = arena_array_reserve(a, items, n, &cap, sizeof(*items));
        read_mt(a, st, &items[n++]);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_rc(c, rc, "meeting type list");
    for (size_t i = 0; i < n; i++) {
        store_rc r = read_hosts(c, a, &items[i]);
        if (r != STORE_OK)
            return r;
    }
    *out = items;
    *count = n;
    return STORE_OK;
}

store_rc sq_mt_update(store_conn *base, const store_meeting_type *m, store_conflict *conflict)
{
    sq_conn *c = (sq_conn *)base;
    *conflict = STORE_CONFLICT_NONE;
    store_rc r = sq_savepoint(c);
    if (r != STORE_OK)
        return r;
    sqlite3_stmt *st = sq_stmt(c, ST_MT_UPDATE,
                               "UPDATE meeting_types SET name=?1, slug=?2, description=?3, kind=?4,"
                               " duration_minutes=?5, buffer_before_minutes=?6,"
                               " buffer_after_minutes=?7, slot_interval_minutes=?8,"
                               " min_notice_minutes=?9, booking_window_days=?10,"
                               " max_bookings_per_day=?11, seats=?12, questions=?13, location=?14,"
                               " color=?15, is_active=?16, updated_at=?17"
                               " WHERE id=?18 AND deleted_at IS NULL");
    if (!st) {
        sq_rollback_to(c);
        return STORE_ERROR;
    }
    bind_mt_fields(st, m, 1);
    sq_bind_int64(st, 17, m->updated_at);
    sq_bind_text(st, 18, m->id);
    r = sq_exec_stmt(c, st, "meeting type update");
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        r = STORE_NOT_FOUND;
    if (r == STORE_CONFLICT)
        *conflict = mt_conflict(c);
    if (r == STORE_OK)
        r = write_hosts(c, m);
    if (r != STORE_OK) {
        sq_rollback_to(c);
        return r;
    }
    return sq_release(c);
}

store_rc sq_mt_delete(store_conn *base, const char *id, int64_t now)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_MT_DELETE,
                               "UPDATE meeting_types SET deleted_at = ?, is_active = 0,"
                               " updated_at = ? WHERE id = ? AND deleted_at IS NULL");
    if (!st)
        return STORE_ERROR;
    sq_bind_int64(st, 1, now);
    sq_bind_int64(st, 2, now);
    sq_bind_text(st, 3, id);
    store_rc r = sq_exec_stmt(c, st, "meeting type delete");
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        return STORE_NOT_FOUND;
    return r;
}
