/*
 * slots.h — the slot engine: which start times can be booked.
 *
 * Pure: no I/O, no clock, no globals. The caller passes "now", resolved
 * zones and every interval the engine needs; the engine returns the
 * bookable slots sorted by start. All instants are int64_t seconds since
 * the Unix epoch (UTC); wall-clock times are minutes since local midnight.
 *
 * Rules (API.md "Availability"):
 *  - a slot lies inside the host's working hours on a host-local date
 *    (that date's override if it has one, else the weekly rules for its
 *    weekday); starts step by interval_minutes from the start of each
 *    working window;
 *  - wall-clock times are resolved per local date in the host's zone, so
 *    09:00 stays 09:00 across DST changes. A window edge that falls in a
 *    gap (skipped by a DST jump) moves to the first instant after the gap,
 *    so a start that does not exist is never offered; an edge that falls
 *    in a repeated hour uses the earlier instant (first occurrence);
 *  - [start - buffer_before, end + buffer_after) overlaps no booking's
 *    busy range and no external busy interval of that host;
 *  - start >= now + min_notice and start <= now + window;
 *  - the host's local day (of the slot start) has fewer than
 *    max_bookings_per_day bookings of this meeting type (0 = no limit);
 *  - group: bookings of this same type at exactly the slot's start use
 *    seats instead of blocking; the slot is offered while seats remain.
 *  - collective: every host must be free; round_robin: at least one host
 *    must be free, and host_mask says which ones could take it.
 */
#ifndef CALENDULA_DOMAIN_SLOTS_H
#define CALENDULA_DOMAIN_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/tz.h"

#define SLOTS_MAX_HOSTS 64

typedef enum slots_kind {
    SLOTS_ONE_ON_ONE = 0,
    SLOTS_GROUP,
    SLOTS_COLLECTIVE,
    SLOTS_ROUND_ROBIN,
} slots_kind;

/* A weekly working window: day_of_week 0 = Sunday; minutes 0..1440. */
typedef struct slots_rule {
    int day_of_week;
    int start_minute;
    int end_minute;
} slots_rule;

/*
 * A date override: on host-local day `day` (days since 1970-01-01) the
 * windows are exactly these; nwindows == 0 means closed all day.
 */
typedef struct slots_window {
    int start_minute;
    int end_minute;
} slots_window;

typedef struct slots_override {
    int32_t day;
    const slots_window *windows;
    size_t nwindows;
} slots_override;

/* A standing (confirmed) booking of this host, of any meeting type. */
typedef struct slots_booking {
    int64_t start, end;           /* the meeting itself */
    int64_t busy_start, busy_end; /* widened by that booking's own buffers */
    bool same_type;               /* booking of the meeting type asked about */
    int seats;                    /* invitees it holds (1 unless group) */
} slots_booking;

typedef struct slots_interval {
    int64_t start, end; /* [start, end) */
} slots_interval;

typedef struct slots_host {
    const tz_zone *zone; /* the host's schedule zone */
    const slots_rule *rules;
    size_t nrules;
    const slots_override *overrides; /* any order */
    size_t noverrides;
    const slots_booking *bookings; /* any order */
    size_t nbookings;
    const slots_interval *busy; /* external calendar busy time, any order */
    size_t nbusy;
} slots_host;

typedef struct slots_meeting {
    slots_kind kind;
    int duration_minutes;
    int buffer_before_minutes;
    int buffer_after_minutes;
    int interval_minutes;     /* > 0 */
    int min_notice_minutes;   /* >= 0 */
    int window_days;          /* > 0 */
    int max_bookings_per_day; /* 0 = unlimited */
    int seats;                /* >= 1; only group uses more than 1 */
} slots_meeting;

typedef struct slots_query {
    int64_t now;
    const tz_zone *viewer_zone;
    int32_t first_day; /* viewer-local dates, inclusive */
    int32_t last_day;
} slots_query;

typedef struct slots_slot {
    int64_t start, end;
    int32_t viewer_offset; /* viewer's UTC offset in seconds at start */
    int seats_remaining;
    uint64_t host_mask; /* bit i set: hosts[i] can take this slot */
} slots_slot;

typedef struct slots_result {
    slots_slot *slots; /* sorted by start, no duplicates */
    size_t count;
    size_t cap;
} slots_result;

typedef enum slots_status {
    SLOTS_OK = 0,
    SLOTS_EINVAL, /* bad meeting settings, no hosts, > SLOTS_MAX_HOSTS, range reversed */
} slots_status;

/*
 * Computes the slots whose start falls on query->first_day..last_day as
 * seen in query->viewer_zone. Appends to *out (the engine grows out->slots
 * with realloc; the caller frees it with slots_result_release). On error
 * *out is left empty.
 */
slots_status slots_compute(const slots_meeting *meeting,
                           const slots_host *hosts, size_t nhosts,
                           const slots_query *query, slots_result *out);

void slots_result_release(slots_result *r);

#endif
