/* availability.c — see availability.h. */
#include "service/availability.h"

#include <stdlib.h>
#include <string.h>

#include "base/secure.h"
#include "service/tzdb.h"

svc_rc avail_rules_get(app *a, arena *ar, const store_user *user, avail_schedule *out,
                       svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    out->time_zone = user->schedule_time_zone;
    store_rc rc = store_rules_get(c, ar, user->id, &out->rules, &out->nrules);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

typedef struct indexed_rule {
    const store_rule *rule;
    size_t index;
} indexed_rule;

static int cmp_rule(const void *pa, const void *pb)
{
    const store_rule *a = ((const indexed_rule *)pa)->rule;
    const store_rule *b = ((const indexed_rule *)pb)->rule;
    if (a->day_of_week != b->day_of_week)
        return a->day_of_week - b->day_of_week;
    return a->start_minute - b->start_minute;
}

/* Finds the first rule that overlaps an earlier one on its day. */
static svc_rc check_overlaps(arena *ar, const store_rule *rules, size_t n, svc_error *e)
{
    if (n < 2)
        return SVC_OK;
    indexed_rule *sorted = arena_alloc(ar, n * sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = (indexed_rule){&rules[i], i};
    qsort(sorted, n, sizeof(*sorted), cmp_rule);
    for (size_t i = 1; i < n; i++) {
        const store_rule *p = sorted[i - 1].rule, *r = sorted[i].rule;
        if (p->day_of_week == r->day_of_week && r->start_minute < p->end_minute) {
            size_t idx = sorted[i].index > sorted[i - 1].index ? sorted[i].index
                                                               : sorted[i - 1].index;
            return svc_fail(e, SVC_VALIDATION, "Two windows on the same day overlap.",
                            arena_printf(ar, "rules[%zu].start_time", idx));
        }
    }
    return SVC_OK;
}

static svc_rc check_rules(arena *ar, const store_rule *rules, size_t n, svc_error *e)
{
    if (n > AVAIL_MAX_RULES)
        return svc_fail(e, SVC_VALIDATION, "At most 200 weekly windows.", "rules");
    for (size_t i = 0; i < n; i++) {
        const store_rule *r = &rules[i];
        if (r->day_of_week < 0 || r->day_of_week > 6)
            return svc_fail(e, SVC_VALIDATION, "day_of_week must be 0 (Sunday) to 6 (Saturday).",
                            arena_printf(ar, "rules[%zu].day_of_week", i));
        if (r->end_minute <= r->start_minute)
            return svc_fail(e, SVC_VALIDATION, "end_time must be after start_time.",
                            arena_printf(ar, "rules[%zu].end_time", i));
    }
    return check_overlaps(ar, rules, n, e);
}

svc_rc avail_rules_replace(app *a, arena *ar, const store_user *user, const char *time_zone,
                           store_rule *rules, size_t nrules, avail_schedule *out, svc_error *e)
{
    if (time_zone && !tzdb_is_valid(time_zone))
        return svc_fail(e, SVC_INVALID_TIME_ZONE,
                        "Unknown time zone; use an IANA name such as Europe/Paris.", "time_zone");
    if (check_rules(ar, rules, nrules, e) != SVC_OK)
        return e->rc;
    for (size_t i = 0; i < nrules; i++) {
        char *id = arena_alloc(ar, SECURE_UUID_LEN + 1);
        secure_uuid(id);
        rules[i].id = id;
    }
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    int64_t now = svc_now(a);
    store_user u = *user;
    if (time_zone) {
        u.schedule_time_zone = arena_strdup(ar, time_zone);
        u.updated_at = now;
    }
    store_rc rc = store_begin(c, true);
    if (rc == STORE_OK && time_zone)
        rc = store_user_update(c, &u);
    if (rc == STORE_OK)
        rc = store_rules_replace(c, user->id, rules, nrules, now);
    if (rc == STORE_OK)
        rc = store_rules_get(c, ar, user->id, &out->rules, &out->nrules);
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    out->time_zone = u.schedule_time_zone;
    return SVC_OK;
}

svc_rc avail_overrides_get(app *a, arena *ar, const store_user *user, int32_t from_day,
                           int32_t to_day, store_override **out, size_t *count, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_overrides_get(c, ar, user->id, from_day, to_day, out, count);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

static int cmp_window(const void *pa, const void *pb)
{
    const store_window *a = pa, *b = pb;
    return a->start_minute - b->start_minute;
}

svc_rc avail_override_put(app *a, arena *ar, const store_user *user, store_override *o,
                          svc_error *e)
{
    if (o->nwindows > AVAIL_MAX_WINDOWS)
        return svc_fail(e, SVC_VALIDATION, "At most 48 intervals a day.", "intervals");
    for (size_t i = 0; i < o->nwindows; i++)
        if (o->windows[i].end_minute <= o->windows[i].start_minute)
            return svc_fail(e, SVC_VALIDATION, "end_time must be after start_time.",
                            arena_printf(ar, "intervals[%zu].end_time", i));
    qsort(o->windows, o->nwindows, sizeof(*o->windows), cmp_window);
    for (size_t i = 1; i < o->nwindows; i++)
        if (o->windows[i].start_minute < o->windows[i - 1].end_minute)
            return svc_fail(e, SVC_VALIDATION, "Two intervals overlap.", "intervals");
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_begin(c, true);
    if (rc == STORE_OK)
        rc = store_override_put(c, user->id, o, svc_now(a));
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc avail_override_delete(app *a, const store_user *user, int32_t day, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_override_delete(c, user->id, day);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}
