/* slot_service.c — see slot_service.h. */
#include "service/slot_service.h"

#include <stdio.h>
#include <string.h>

#include "base/secure.h"
#include "service/meeting_types.h"
#include "service/slot_cache.h"
#include "service/text.h"
#include "service/tzdb.h"

#define DAY_SECONDS 86400
/* Host-local days can start up to ~26 h before or after viewer-local ones. */
#define MARGIN_DAYS 2

static slots_kind kind_of(const char *k)
{
    if (strcmp(k, "group") == 0)
        return SLOTS_GROUP;
    if (strcmp(k, "collective") == 0)
        return SLOTS_COLLECTIVE;
    if (strcmp(k, "round_robin") == 0)
        return SLOTS_ROUND_ROBIN;
    return SLOTS_ONE_ON_ONE;
}

void slot_service_meeting(const store_meeting_type *m, slots_meeting *out)
{
    *out = (slots_meeting){
        .kind = kind_of(m->kind),
        .duration_minutes = m->duration_minutes,
        .buffer_before_minutes = m->buffer_before_minutes,
        .buffer_after_minutes = m->buffer_after_minutes,
        .interval_minutes = m->slot_interval_minutes,
        .min_notice_minutes = m->min_notice_minutes,
        .window_days = m->booking_window_days,
        .max_bookings_per_day = m->max_bookings_per_day,
        .seats = m->seats,
    };
}

/* The days' schedule of m's hosts (host_id is filled per host), with the margin. */
static store_schedule_query days_query(const store_meeting_type *m, int32_t first_day,
                                       int32_t last_day, const char *exclude)
{
    return (store_schedule_query){
        .from_day = first_day - MARGIN_DAYS,
        .to_day = last_day + MARGIN_DAYS,
        .busy_from = (int64_t)(first_day - MARGIN_DAYS) * DAY_SECONDS,
        .busy_to = (int64_t)(last_day + 1 + MARGIN_DAYS) * DAY_SECONDS,
        .meeting_type_id = m->id,
        .exclude_booking = exclude,
    };
}

/* Loads everything the engine needs about host q->host_id. */
static svc_rc load_host(store_conn *c, arena *ar, const store_schedule_query *q, slots_host *h,
                        const char **zone_name, svc_error *e)
{
    store_host_schedule hs;
    store_rc rc = store_host_schedule_get(c, ar, q, &hs);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    memset(h, 0, sizeof(*h));
    h->zone = tzdb_get(hs.zone);
    if (!h->zone)
        return svc_fail(e, SVC_INTERNAL, "A host's time zone cannot be loaded.", NULL);
    *zone_name = hs.zone;
    slots_rule *sr = arena_alloc(ar, (hs.nrules + 1) * sizeof(*sr));
    for (size_t i = 0; i < hs.nrules; i++) {
        const store_rule *r = &hs.rules[i];
        sr[i] = (slots_rule){r->day_of_week, r->start_minute, r->end_minute};
    }
    slots_override *so = arena_alloc(ar, (hs.noverrides + 1) * sizeof(*so));
    for (size_t i = 0; i < hs.noverrides; i++) {
        const store_override *o = &hs.overrides[i];
        slots_window *w = arena_alloc(ar, (o->nwindows + 1) * sizeof(*w));
        for (size_t j = 0; j < o->nwindows; j++)
            w[j] = (slots_window){o->windows[j].start_minute, o->windows[j].end_minute};
        so[i] = (slots_override){o->day, w, o->nwindows};
    }
    slots_booking *sb = arena_alloc(ar, (hs.nbusy + 1) * sizeof(*sb));
    for (size_t i = 0; i < hs.nbusy; i++) {
        const store_busy *b = &hs.busy[i];
        sb[i] = (slots_booking){b->start, b->end, b->busy_start, b->busy_end, b->same_type,
                                b->seats};
    }
    h->rules = sr;
    h->nrules = hs.nrules;
    h->overrides = so;
    h->noverrides = hs.noverrides;
    h->bookings = sb;
    h->nbookings = hs.nbusy;
    return SVC_OK;
}

/* Every host of m, in host order; *first_zone names the first host's zone. */
static svc_rc load_hosts(store_conn *c, arena *ar, const store_meeting_type *m,
                         store_schedule_query q, slots_host **out, const char **first_zone,
                         svc_error *e)
{
    slots_host *hosts = arena_calloc(ar, m->nhosts + 1, sizeof(*hosts));
    for (size_t i = 0; i < m->nhosts; i++) {
        const char *zone_name = NULL;
        q.host_id = m->host_ids[i];
        if (load_host(c, ar, &q, &hosts[i], &zone_name, e) != SVC_OK)
            return e->rc;
        if (i == 0)
            *first_zone = zone_name;
    }
    *out = hosts;
    return SVC_OK;
}

svc_rc slot_service_check(app *a, store_conn *c, arena *ar, const store_meeting_type *m,
                          int64_t start, const char *exclude_booking, slots_slot *found,
                          svc_error *e)
{
    const tz_zone *utc = tzdb_get("UTC");
    if (!utc)
        return svc_fail(e, SVC_INTERNAL, "The UTC zone cannot be loaded.", NULL);
    int32_t day = (int32_t)(start >= 0 ? start / DAY_SECONDS : -((-start + DAY_SECONDS - 1) / DAY_SECONDS));
    slots_host *hosts;
    const char *first_zone = NULL;
    /*
     * Whether `start` is free depends only on the bookings whose occupied
     * time meets the meeting's own (with its buffers) — unless there is a
     * daily limit, which counts the whole day's. A host with hundreds of
     * bookings around the day then costs a few rows, not all of them.
     */
    store_schedule_query q = days_query(m, day, day, exclude_booking);
    if (m->max_bookings_per_day == 0) {
        q.busy_from = start - (int64_t)m->buffer_before_minutes * 60;
        q.busy_to = start + (int64_t)(m->duration_minutes + m->buffer_after_minutes) * 60;
    }
    if (load_hosts(c, ar, m, q, &hosts, &first_zone, e) != SVC_OK)
        return e->rc;
    slots_meeting meeting;
    slot_service_meeting(m, &meeting);
    slots_query sq = {svc_now(a), utc, day, day};
    slots_result r = {0};
    if (slots_compute(&meeting, hosts, m->nhosts, &sq, &r) != SLOTS_OK)
        return svc_fail(e, SVC_INTERNAL, "The meeting type's settings cannot be scheduled.", NULL);
    svc_rc rc = svc_fail(e, SVC_SLOT_UNAVAILABLE, "That time is no longer available.", "start_time");
    for (size_t i = 0; i < r.count; i++) {
        if (r.slots[i].start == start) {
            *found = r.slots[i];
            rc = svc_fail(e, SVC_OK, NULL, NULL);
            break;
        }
    }
    slots_result_release(&r);
    return rc;
}

store_rc slot_watch_read(store_conn *c, arena *ar, const store_meeting_type *m, slot_watch *w)
{
    w->ids = arena_calloc(ar, m->nhosts + 1, sizeof(char *));
    w->versions = arena_calloc(ar, m->nhosts + 1, sizeof(int64_t));
    w->n = 0;
    w->ids[w->n++] = m->user_id;
    for (size_t i = 0; i < m->nhosts; i++)
        if (strcmp(m->host_ids[i], m->user_id) != 0)
            w->ids[w->n++] = m->host_ids[i];
    store_rc rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < w->n; i++)
        rc = store_schedule_version(c, w->ids[i], &w->versions[i]);
    return rc;
}

bool slot_watch_unchanged(store_conn *c, const slot_watch *w)
{
    for (size_t i = 0; i < w->n; i++) {
        int64_t v;
        if (store_schedule_version(c, w->ids[i], &v) != STORE_OK || v != w->versions[i])
            return false;
    }
    return true;
}

/* Loads fresh inputs inside the caller's read transaction. */
static svc_rc load_inputs(store_conn *c, const char *type_id, int32_t first_day,
                          int32_t last_day, slot_inputs *in, svc_error *e)
{
    arena *ar = in->arena;
    store_rc rc = store_meeting_type_get(c, ar, type_id, &in->mt);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !in->mt.is_active))
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    if ((rc = slot_watch_read(c, ar, &in->mt, &in->watch)) != STORE_OK)
        return svc_store_fail(e, rc);
    return load_hosts(c, ar, &in->mt, days_query(&in->mt, first_day, last_day, NULL), &in->hosts,
                      &in->first_zone, e);
}

/* Cached inputs when still current, else fresh ones (published for the next request). */
static svc_rc get_inputs(app *a, const char *type_id, int32_t first_day, int32_t last_day,
                         slot_inputs **out, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    char key[96];
    snprintf(key, sizeof(key), "%s|%d|%d", type_id, (int)first_day, (int)last_day);
    int64_t now = svc_now(a);
    slot_inputs *in = slot_cache_acquire(a->slot_cache, key, now);
    /* One read transaction: the versions and the data come from one snapshot. */
    store_rc rc = store_begin(c, false);
    if (rc != STORE_OK) {
        slot_cache_release(a->slot_cache, in);
        return svc_store_fail(e, rc);
    }
    if (in && slot_watch_unchanged(c, &in->watch)) {
        store_rollback(c);
        *out = in;
        return SVC_OK;
    }
    slot_cache_release(a->slot_cache, in);
    in = slot_inputs_new(key);
    svc_rc r = load_inputs(c, type_id, first_day, last_day, in, e);
    store_rollback(c); /* read-only: nothing to commit */
    if (r != SVC_OK) {
        slot_inputs_free(in);
        return r;
    }
    slot_cache_put(a->slot_cache, in, now);
    *out = in;
    return SVC_OK;
}

svc_rc slot_service_query(app *a, arena *ar, const slot_query *q, slot_answer *answer,
                          svc_error *e)
{
    memset(answer, 0, sizeof(*answer));
    if (q->last_day < q->first_day)
        return svc_fail(e, SVC_VALIDATION, "end_date must not be before start_date.", "end_date");
    if (q->last_day - q->first_day + 1 > SLOTS_MAX_RANGE_DAYS)
        return svc_fail(e, SVC_VALIDATION, "Ask for at most 62 days at a time.", "end_date");
    const tz_zone *viewer = NULL;
    if (q->time_zone && !(viewer = tzdb_get(q->time_zone)))
        return svc_fail(e, SVC_INVALID_TIME_ZONE,
                        "Unknown time zone; use an IANA name such as Europe/Paris.", "timezone");
    if (!secure_uuid_valid(q->meeting_type_id))
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    slot_inputs *in = NULL;
    if (get_inputs(a, text_lower(ar, q->meeting_type_id), q->first_day, q->last_day, &in, e) !=
        SVC_OK)
        return e->rc;
    answer->meeting_type_id = arena_strdup(ar, in->mt.id);
    answer->time_zone = arena_strdup(ar, viewer ? q->time_zone : in->first_zone);
    if (!viewer)
        viewer = in->hosts[0].zone;
    slots_meeting meeting;
    slot_service_meeting(&in->mt, &meeting);
    slots_query sq = {svc_now(a), viewer, q->first_day, q->last_day};
    slots_status st = slots_compute(&meeting, in->hosts, in->mt.nhosts, &sq, &answer->result);
    slot_cache_release(a->slot_cache, in);
    if (st != SLOTS_OK)
        return svc_fail(e, SVC_INTERNAL, "The meeting type's settings cannot be scheduled.", NULL);
    return SVC_OK;
}
