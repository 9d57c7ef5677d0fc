/*
 * slot_service.h — the bookable slots of a meeting type for a range of
 * dates as seen in the viewer's zone (GET /api/availability/slots).
 *
 * Loads the meeting type, each host's schedule zone, weekly rules, date
 * overrides and standing bookings for the range (plus margins for buffers
 * and host-local days), then runs the pure engine (domain/slots.h).
 */
#ifndef CALENDULA_SERVICE_SLOT_SERVICE_H
#define CALENDULA_SERVICE_SLOT_SERVICE_H

#include "domain/slots.h"
#include "service/service.h"
#include "service/slot_cache.h"

#define SLOTS_MAX_RANGE_DAYS 62

typedef struct slot_query {
    const char *meeting_type_id;
    int32_t first_day; /* viewer-local, inclusive */
    int32_t last_day;
    const char *time_zone; /* NULL = the (first) host's schedule zone */
} slot_query;

typedef struct slot_answer {
    const char *meeting_type_id;
    const char *time_zone; /* the zone the answer is expressed in */
    slots_result result;   /* owned: release with slots_result_release */
} slot_answer;

/* On success the caller releases answer->result. */
svc_rc slot_service_query(app *a, arena *ar, const slot_query *q, slot_answer *answer,
                          svc_error *e);

/*
 * Inside the caller's transaction on c: is `start` a slot the engine
 * offers now for meeting type m (ignoring exclude_booking's own holds, for
 * a reschedule)? On SVC_OK *found is that slot (host_mask names the hosts
 * that can take it); SVC_SLOT_UNAVAILABLE when it is not offered.
 */
svc_rc slot_service_check(app *a, store_conn *c, arena *ar, const store_meeting_type *m,
                          int64_t start, const char *exclude_booking, slots_slot *found,
                          svc_error *e);

/* Reads the schedule versions of m's owner and hosts into w (allocated in ar). */
store_rc slot_watch_read(store_conn *c, arena *ar, const store_meeting_type *m, slot_watch *w);

/* True when every version in w still holds (false on a store error). */
bool slot_watch_unchanged(store_conn *c, const slot_watch *w);

/* Meeting type settings as the engine wants them. */
void slot_service_meeting(const store_meeting_type *m, slots_meeting *out);

#endif
