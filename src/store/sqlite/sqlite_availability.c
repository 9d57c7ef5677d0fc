/* sqlite_availability.c — weekly rules and date overrides on SQLite. */
#include <sqlite3.h>
#include <string.h>

#include "base/civil.h"
#include "store/sqlite/sqlite_util.h"

store_rc sq_rules_get(store_conn *base, arena *a, const char *user_id, store_rule **out,
                      size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_RULES_GET,
                               "SELECT id, day_of_week, start_minute, end_minute"
                               " FROM availability_rules WHERE user_id = ? AND is_active = 1"
                               " ORDER BY day_of_week, start_minute");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, user_id);
    size_t cap = 0, n = 0;
    store_rule *rules = arena_array_reserve(a, NULL, 0, &cap, sizeof(*rules));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rules = arena_array_reserve(a, rules, n, &cap, sizeof(*rules));
        rules[n].id = sq_col_text(a, st, 0, false);
        rules[n].day_of_week = sqlite3_column_int(st, 1);
        rules[n].start_minute = sqlite3_column_int(st, 2);
        rules[n].end_minute = sqlite3_column_int(st, 3);
        n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_rc(c, rc, "rules get");
    *out = rules;
    *count = n;
    return STORE_OK;
}

store_rc sq_rules_replace(store_conn *base, const char *user_id, const store_rule *rules,
                          size_t count, int64_t now)
{
    sq_conn *c = (sq_conn *)base;
    store_rc r = sq_savepoint(c);
    if (r != STORE_OK)
        return r;
    sqlite3_stmt *st = sq_stmt(c, ST_RULES_DELETE, "DELETE FROM availability_rules WHERE user_id = ?");
    if (st) {
        sq_bind_text(st, 1, user_id);
        r = sq_exec_stmt(c, st, "rules delete");
    } else {
        r = STORE_ERROR;
    }
    for (size_t i = 0; r == STORE_OK && i < count; i++) {
        st = sq_stmt(c, ST_RULE_INSERT,
                     "INSERT INTO availability_rules (id, user_id, day_of_week, start_minute,"
                     " end_minute, created_at) VALUES (?,?,?,?,?,?)");
        if (!st) {
            r = STORE_ERROR;
            break;
        }
        sq_bind_text(st, 1, rules[i].id);
        sq_bind_text(st, 2, user_id);
        sqlite3_bind_int(st, 3, rules[i].day_of_week);
        sqlite3_bind_int(st, 4, rules[i].start_minute);
        sqlite3_bind_int(st, 5, rules[i].end_minute);
        sq_bind_int64(st, 6, now);
        r = sq_exec_stmt(c, st, "rule insert");
    }
    if (r != STORE_OK) {
        sq_rollback_to(c);
        return r;
    }
    return sq_release(c);
}

/* Appends a window to the last override, growing its array in the arena. */
static void add_window(arena *a, store_override *o, size_t *cap, int start, int end)
{
    o->windows = arena_array_reserve(a, o->windows, o->nwindows, cap, sizeof(*o->windows));
    o->windows[o->nwindows].start_minute = start;
    o->windows[o->nwindows].end_minute = end;
    o->nwindows++;
}

store_rc sq_overrides_get(store_conn *base, arena *a, const char *user_id, int32_t from_day,
                          int32_t to_day, store_override **out, size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OVR_GET,
                               "SELECT o.date, i.start_minute, i.end_minute FROM date_overrides o"
                               " LEFT JOIN date_override_intervals i"
                               " ON i.user_id = o.user_id AND i.date = o.date"
                               " WHERE o.user_id = ? AND o.date BETWEEN ? AND ?"
                               " ORDER BY o.date, i.start_minute");
    if (!st)
        return STORE_ERROR;
    char from[11], to[11];
    civil_format_date(from_day, from);
    civil_format_date(to_day, to);
    sq_bind_text(st, 1, user_id);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, to, -1, SQLITE_TRANSIENT);
    size_t cap = 0, n = 0, wcap = 0;
    store_override *items = arena_array_reserve(a, NULL, 0, &cap, sizeof(*items));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        int32_t day;
        if (!d || !civil_parse_date(d, strlen(d), &day))
            continue;
        if (n == 0 || items[n - 1].day != day) {
            items = arena_array_reserve(a, items, n, &cap, sizeof(*items));
            items[n++] = (store_override){day, NULL, 0};
            wcap = 0;
        }
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            add_window(a, &items[n - 1], &wcap, sqlite3_column_int(st, 1),
                       sqlite3_column_int(st, 2));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_rc(c, rc, "overrides get");
    *out = items;
    *count = n;
    return STORE_OK;
}

store_rc sq_override_delete(store_conn *base, const char *user_id, int32_t day)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_OVR_DELETE,
                               "DELETE FROM date_overrides WHERE user_id = ? AND date = ?");
    if (!st)
        return STORE_ERROR;
    char date[11];
    civil_format_date(day, date);
    sq_bind_text(st, 1, user_id);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    return sq_exec_stmt(c, st, "override delete");
}

store_rc sq_override_put(store_conn *base, const char *user_id, const store_override *o,
                         int64_t now)
{
    sq_conn *c = (sq_conn *)base;
    store_rc r = sq_savepoint(c);
    if (r != STORE_OK)
        return r;
    char date[11];
    civil_format_date(o->day, date);
    r = sq_override_delete(base, user_id, o->day);
    sqlite3_stmt *st = r == STORE_OK ? sq_stmt(c, ST_OVR_INSERT,
                                               "INSERT INTO date_overrides (user_id, date,"
                                               " created_at) VALUES (?,?,?)")
                                     : NULL;
    if (st) {
        sq_bind_text(st, 1, user_id);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
        sq_bind_int64(st, 3, now);
        r = sq_exec_stmt(c, st, "override insert");
    } else if (r == STORE_OK) {
        r = STORE_ERROR;
    }
    for (size_t i = 0; r == STORE_OK && i < o->nwindows; i++) {
        st = sq_stmt(c, ST_OVR_INTERVAL_INSERT,
                     "INSERT INTO date_override_intervals (user_id, date, start_minute,"
                     " end_minute) VALUES (?,?,?,?)");
        if (!st) {
            r = STORE_ERROR;
            break;
        }
        sq_bind_text(st, 1, user_id);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, o->windows[i].start_minute);
        sqlite3_bind_int(st, 4, o->windows[i].end_minute);
        r = sq_exec_stmt(c, st, "override interval insert");
    }
    if (r != STORE_OK) {
        sq_rollback_to(c);
        return r;
    }
    return sq_release(c);
}

/*
 * The host's active busy ranges that meet [from, to). The index slice
 * starts at the last range outside a group slot that starts at or before
 * `from` (P), not a whole day before it: the overlap triggers keep every
 * earlier range, which shares no group slot with P, from overlapping P,
 * so it ends before `from` (see migration 0008). A host booked back to
 * back with 5-minute meetings had 288 rows in the day's slice.
 */
store_rc sq_busy_get(store_conn *base, arena *a, const char *host_id, int64_t from, int64_t to,
                     const char *meeting_type_id, const char *exclude_booking, store_busy **out,
                     size_t *count)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_BUSY_GET,
                               "SELECT h.start_time, h.end_time, h.busy_start, h.busy_end,"
                               " h.meeting_type_id = ?4 FROM booking_hosts h"
                               " WHERE h.host_user_id = ?1 AND h.active = 1"
                               " AND h.busy_start >= coalesce((SELECT p.busy_start"
                               "  FROM booking_hosts p WHERE p.host_user_id = ?1"
                               "  AND p.active = 1 AND p.group_key IS NULL"
                               "  AND p.busy_start <= ?2 AND p.busy_start > ?2 - 86400"
                               "  ORDER BY p.busy_start DESC LIMIT 1), ?2 - 86399)"
                               " AND h.busy_start < ?3"
                               " AND h.busy_end > ?2 AND h.booking_id IS NOT ?5"
                               " ORDER BY h.busy_start");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, host_id);
    sq_bind_int64(st, 2, from);
    sq_bind_int64(st, 3, to);
    sq_bind_text(st, 4, meeting_type_id);
    sq_bind_text(st, 5, exclude_booking);
    size_t cap = 0, n = 0;
    store_busy *items = arena_array_reserve(a, NULL, 0, &cap, sizeof(*items));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        items = arena_array_reserve(a, items, n, &cap, sizeof(*items));
        items[n++] = (store_busy){
            .start = sqlite3_column_int64(st, 0), .end = sqlite3_column_int64(st, 1),
            .busy_start = sqlite3_column_int64(st, 2), .busy_end = sqlite3_column_int64(st, 3),
            .same_type = sqlite3_column_int(st, 4) != 0, .seats = 1,
        };
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_rc(c, rc, "busy get");
    *out = items;
    *count = n;
    return STORE_OK;
}

store_rc sq_schedule_version(store_conn *base, const char *user_id, int64_t *version)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SCHEDULE_VERSION,
                               "SELECT version FROM schedule_versions WHERE user_id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, user_id);
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_rc(c, rc, "schedule version");
}
