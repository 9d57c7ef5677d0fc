/*
 * pg_availability.c — weekly rules, date overrides, a host's holds for the
 * slot engine and schedule versions on PostgreSQL. Civil dates travel as
 * day numbers: date '1970-01-01' + n in, date - date '1970-01-01' out, so
 * no DateStyle can change their meaning.
 */
#include <libpq-fe.h>
#include <string.h>

#include "store/postgres/pg_util.h"

#define EPOCH_DATE "DATE '1970-01-01'"

store_rc pg_rules_get(store_conn *base, arena *a, const char *user_id, store_rule **out,
                      size_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, user_id);
    PGresult *res;
    store_rc r = pg_exec((pg_conn *)base, PS_RULES_GET,
                         "SELECT id, day_of_week, start_minute, end_minute FROM availability_rules"
                         " WHERE user_id = $1::uuid AND is_active"
                         " ORDER BY day_of_week, start_minute",
                         &p, &res, "rules get");
    int n = r == STORE_OK ? PQntuples(res) : 0;
    if (r != STORE_OK && r != STORE_NOT_FOUND) /* NOT_FOUND: not a user id, no rules */
        return r;
    store_rule *rules = arena_calloc(a, (size_t)n + 1, sizeof(*rules));
    for (int i = 0; i < n; i++) {
        rules[i].id = pg_text(a, res, i, 0, false);
        rules[i].day_of_week = (int)pg_int(res, i, 1);
        rules[i].start_minute = (int)pg_int(res, i, 2);
        rules[i].end_minute = (int)pg_int(res, i, 3);
    }
    PQclear(res);
    *out = rules;
    *count = (size_t)n;
    return STORE_OK;
}

typedef struct rules_write {
    const char *user_id;
    const store_rule *rules;
    size_t count;
    int64_t now;
} rules_write;

static store_rc rules_insert(pg_conn *c, const rules_write *w)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, w->user_id);
    pg_p_time(&p, w->now);
    strbuf *ids = pg_p_array_begin(&p), *dows = pg_p_array_begin(&p);
    strbuf *starts = pg_p_array_begin(&p), *ends = pg_p_array_begin(&p);
    for (size_t i = 0; i < w->count; i++) {
        if (!pg_uuid_valid(w->rules[i].id))
            p.bad_value = true;
        pg_array_text(ids, w->rules[i].id);
        pg_array_int(dows, w->rules[i].day_of_week);
        pg_array_int(starts, w->rules[i].start_minute);
        pg_array_int(ends, w->rules[i].end_minute);
    }
    pg_p_array_end(&p, ids);
    pg_p_array_end(&p, dows);
    pg_p_array_end(&p, starts);
    pg_p_array_end(&p, ends);
    store_rc r = pg_exec(c, PS_RULES_INSERT,
                         "INSERT INTO availability_rules (id, user_id, day_of_week, start_minute,"
                         " end_minute, created_at) SELECT r.id, $1::uuid, r.dow, r.s, r.e,"
                         " to_timestamp($2) FROM unnest($3::uuid[], $4::int[], $5::int[],"
                         " $6::int[]) WITH ORDINALITY AS r(id, dow, s, e, n) ORDER BY r.n",
                         &p, NULL, "rules insert");
    pg_params_release(&p);
    return r;
}

static store_rc rules_body(pg_conn *c, void *ctx)
{
    rules_write *w = ctx;
    /* Replacements of one user's rules take turns (and bookings of that
     * user with them): without the lock, a second replacement's delete
     * would miss the rows the first one inserts, leaving both sets. */
    store_rc r = pg_lock_hosts(c, NULL, NULL, &w->user_id, 1);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, w->user_id);
    int64_t changed;
    r = pg_exec_count(c, PS_RULES_DELETE, "DELETE FROM availability_rules WHERE user_id = $1::uuid",
                      &p, &changed, "rules delete");
    if (r == STORE_OK && w->count > 0)
        r = rules_insert(c, w);
    return r;
}

store_rc pg_rules_replace(store_conn *base, const char *user_id, const store_rule *rules,
                          size_t count, int64_t now)
{
    rules_write w = {user_id, rules, count, now};
    return pg_atomic((pg_conn *)base, rules_body, &w, false, "rules replace");
}

/* Appends a window to an override, growing its array in the arena. */
static void add_window(arena *a, store_override *o, size_t *cap, int start, int end)
{
    o->windows = arena_array_reserve(a, o->windows, o->nwindows, cap, sizeof(*o->windows));
    o->windows[o->nwindows++] = (store_window){start, end};
}

/*
 * Folds the joined rows [first, end) (one per window, or one with NULLs),
 * whose columns col, col + 1, col + 2 are day, start, end, into overrides.
 */
static store_override *fold_overrides(arena *a, const PGresult *res, int first, int end, int col,
                                      size_t *count)
{
    store_override *items = arena_calloc(a, (size_t)(end - first) + 1, sizeof(*items));
    size_t n = 0, wcap = 0;
    for (int i = first; i < end; i++) {
        int32_t day = (int32_t)pg_int(res, i, col);
        if (n == 0 || items[n - 1].day != day) {
            items[n++] = (store_override){day, NULL, 0};
            wcap = 0;
        }
        if (!PQgetisnull(res, i, col + 1))
            add_window(a, &items[n - 1], &wcap, (int)pg_int(res, i, col + 1),
                       (int)pg_int(res, i, col + 2));
    }
    *count = n;
    return items;
}

store_rc pg_overrides_get(store_conn *base, arena *a, const char *user_id, int32_t from_day,
                          int32_t to_day, store_override **out, size_t *count)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, user_id);
    pg_p_day(&p, from_day);
    pg_p_day(&p, to_day);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_OVR_GET,
                         "SELECT o.date - " EPOCH_DATE ", i.start_minute, i.end_minute"
                         " FROM date_overrides o LEFT JOIN date_override_intervals i"
                         " ON i.user_id = o.user_id AND i.date = o.date"
                         " WHERE o.user_id = $1::uuid AND o.date BETWEEN " EPOCH_DATE " + $2::int"
                         " AND " EPOCH_DATE " + $3::int ORDER BY o.date, i.start_minute",
                         &p, &res, "overrides get");
    if (r == STORE_NOT_FOUND) { /* not a user id: no overrides */
        *out = arena_calloc(a, 1, sizeof(**out));
        *count = 0;
        return STORE_OK;
    }
    if (r != STORE_OK)
        return r;
    *out = fold_overrides(a, res, 0, PQntuples(res), 0, count);
    PQclear(res);
    return STORE_OK;
}

store_rc pg_override_delete(store_conn *base, const char *user_id, int32_t day)
{
    store_rc r = pg_lock_hosts((pg_conn *)base, NULL, NULL, &user_id, 1);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, user_id);
    pg_p_day(&p, day);
    int64_t changed;
    return pg_exec_count((pg_conn *)base, PS_OVR_DELETE,
                         "DELETE FROM date_overrides WHERE user_id = $1::uuid"
                         " AND date = " EPOCH_DATE " + $2::int",
                         &p, &changed, "override delete");
}

typedef struct override_write {
    const char *user_id;
    const store_override *o;
    int64_t now;
} override_write;

/* The override and its windows in one statement (the parent row first). */
static store_rc override_insert(pg_conn *c, const override_write *w)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, w->user_id);
    pg_p_day(&p, w->o->day);
    pg_p_time(&p, w->now);
    strbuf *starts = pg_p_array_begin(&p), *ends = pg_p_array_begin(&p);
    for (size_t i = 0; i < w->o->nwindows; i++) {
        pg_array_int(starts, w->o->windows[i].start_minute);
        pg_array_int(ends, w->o->windows[i].end_minute);
    }
    pg_p_array_end(&p, starts);
    pg_p_array_end(&p, ends);
    store_rc r = pg_exec(c, PS_OVR_INSERT,
                         "WITH o AS (INSERT INTO date_overrides (user_id, date, created_at)"
                         " VALUES ($1::uuid, " EPOCH_DATE " + $2::int, to_timestamp($3))"
                         " RETURNING user_id, date)"
                         " INSERT INTO date_override_intervals (user_id, date, start_minute,"
                         " end_minute) SELECT o.user_id, o.date, w.s, w.e FROM o,"
                         " unnest($4::int[], $5::int[]) WITH ORDINALITY AS w(s, e, n)"
                         " ORDER BY w.n",
                         &p, NULL, "override insert");
    pg_params_release(&p);
    return r;
}

static store_rc override_body(pg_conn *c, void *ctx)
{
    override_write *w = ctx;
    store_rc r = pg_override_delete(&c->base, w->user_id, w->o->day);
    return r == STORE_OK ? override_insert(c, w) : r;
}

store_rc pg_override_put(store_conn *base, const char *user_id, const store_override *o,
                         int64_t now)
{
    override_write w = {user_id, o, now};
    return pg_atomic((pg_conn *)base, override_body, &w, false, "override put");
}

/*
 * store_host_schedule_get in one statement: the user's zone (kind 0),
 * rules (1), overrides (2) and holds (3), in one snapshot and one round
 * trip. In a write transaction the host's writer lock is taken first (see
 * pg_lock_hosts), so the answer stays true until the transaction ends.
 * The holds are a bounded range of the (host, busy_start) index: from the
 * host's last hold outside a group slot that starts at or before
 * busy_from (every earlier hold ends before it starts: the exclusion
 * constraint keeps them apart), or else from a day before busy_from
 * (every busy range is shorter than a day), up to busy_to.
 * Every branch gives the result's exact column types (hence the casts):
 * PostgreSQL then flattens the UNION ALL into one Append of scans, where
 * a branch that needs a conversion becomes a subquery scan with its own
 * projection, set up again at each execution (bench/README.md, 15).
 */
store_rc pg_host_schedule_get(store_conn *base, arena *a, const store_schedule_query *q,
                              store_host_schedule *out)
{
    pg_conn *c = (pg_conn *)base;
    memset(out, 0, sizeof(*out));
    store_rc r = pg_lock_hosts(c, q->meeting_type_id, NULL, &q->host_id, 1);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, q->host_id);
    pg_p_day(&p, q->from_day);
    pg_p_day(&p, q->to_day);
    pg_p_time(&p, q->busy_from);
    pg_p_time(&p, q->busy_to);
    pg_p_uuid(&p, q->meeting_type_id);
    pg_p_uuid(&p, q->exclude_booking);
    PGresult *res = NULL;
    r = pg_exec(c, PS_HOST_SCHEDULE,
                "SELECT 0 AS k, u.schedule_time_zone, NULL::bigint AS a, NULL::bigint AS b,"
                " NULL::bigint AS c, NULL::bigint AS d, NULL::boolean AS same"
                " FROM users u WHERE u.id = $1::uuid"
                " UNION ALL SELECT 1, NULL, day_of_week::bigint, start_minute::bigint,"
                " end_minute::bigint, NULL, NULL"
                " FROM availability_rules WHERE user_id = $1::uuid AND is_active"
                " UNION ALL SELECT 2, NULL, (o.date - " EPOCH_DATE ")::bigint,"
                " i.start_minute::bigint, i.end_minute::bigint,"
                " NULL, NULL FROM date_overrides o LEFT JOIN date_override_intervals i"
                " ON i.user_id = o.user_id AND i.date = o.date"
                " WHERE o.user_id = $1::uuid AND o.date BETWEEN " EPOCH_DATE " + $2::int"
                " AND " EPOCH_DATE " + $3::int"
                " UNION ALL SELECT 3, NULL, " PG_EPOCH("h.busy_start") ", " PG_EPOCH("h.busy_end")
                ", " PG_EPOCH("h.start_time") ", " PG_EPOCH("h.end_time") ","
                " h.meeting_type_id = $6::uuid FROM booking_hosts h"
                " WHERE h.host_user_id = $1::uuid AND h.active"
                " AND h.busy_start >= coalesce((SELECT p.busy_start FROM booking_hosts p"
                "  WHERE p.host_user_id = $1::uuid AND p.active AND p.group_key IS NULL"
                "  AND p.busy_start <= to_timestamp($4)"
                "  AND p.busy_start > to_timestamp($4) - interval '1 day'"
                "  ORDER BY p.busy_start DESC LIMIT 1), to_timestamp($4) - interval '1 day')"
                " AND h.busy_start < to_timestamp($5) AND h.busy_end > to_timestamp($4)"
                " AND h.booking_id IS DISTINCT FROM $7::uuid"
                " ORDER BY k, a, b, c, d, same",
                &p, &res, "host schedule get");
    if (r != STORE_OK)
        return r; /* NOT_FOUND too: an id no user can have */
    int rows = PQntuples(res), i = 0;
    if (rows == 0 || pg_int(res, 0, 0) != 0) {
        PQclear(res);
        return STORE_NOT_FOUND;
    }
    out->zone = pg_text(a, res, i++, 1, false);
    int first = i;
    while (i < rows && pg_int(res, i, 0) == 1)
        i++;
    out->rules = arena_calloc(a, (size_t)(i - first) + 1, sizeof(*out->rules));
    for (int k = first; k < i; k++)
        out->rules[out->nrules++] = (store_rule){NULL, (int)pg_int(res, k, 2),
                                                 (int)pg_int(res, k, 3), (int)pg_int(res, k, 4)};
    first = i;
    while (i < rows && pg_int(res, i, 0) == 2)
        i++;
    out->overrides = fold_overrides(a, res, first, i, 2, &out->noverrides);
    out->busy = arena_calloc(a, (size_t)(rows - i) + 1, sizeof(*out->busy));
    for (; i < rows; i++)
        out->busy[out->nbusy++] = (store_busy){
            .busy_start = pg_int(res, i, 2), .busy_end = pg_int(res, i, 3),
            .start = pg_int(res, i, 4), .end = pg_int(res, i, 5),
            .same_type = pg_bool(res, i, 6), .seats = 1,
        };
    PQclear(res);
    return STORE_OK;
}

store_rc pg_schedule_version(store_conn *base, const char *user_id, int64_t *version)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, user_id);
    PGresult *res = NULL;
    store_rc r = pg_exec((pg_conn *)base, PS_SCHEDULE_VERSION,
                         "SELECT version FROM schedule_versions WHERE user_id = $1::uuid", &p,
                         &res, "schedule version");
    *version = res && PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    return r == STORE_NOT_FOUND ? STORE_OK : r;
}
