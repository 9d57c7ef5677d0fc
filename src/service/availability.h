/*
 * availability.h — a host's weekly schedule and date overrides.
 *
 * The schedule has its own IANA zone (users.schedule_time_zone); rules
 * and overrides are wall-clock minutes in that zone. Replacing the weekly
 * rules is atomic: the old set stays if the new one is invalid.
 */
#ifndef CALENDULA_SERVICE_AVAILABILITY_H
#define CALENDULA_SERVICE_AVAILABILITY_H

#include "service/service.h"

#define AVAIL_MAX_RULES 200
#define AVAIL_MAX_WINDOWS 48

typedef struct avail_schedule {
    const char *time_zone;
    store_rule *rules;
    size_t nrules;
} avail_schedule;

svc_rc avail_rules_get(app *a, arena *ar, const store_user *user, avail_schedule *out,
                       svc_error *e);

/*
 * Replaces the schedule. time_zone NULL keeps the current zone. Each
 * rule's id is ignored and assigned anew. Field names in errors look like
 * "rules[2].end_time".
 */
svc_rc avail_rules_replace(app *a, arena *ar, const store_user *user, const char *time_zone,
                           store_rule *rules, size_t nrules, avail_schedule *out, svc_error *e);

svc_rc avail_overrides_get(app *a, arena *ar, const store_user *user, int32_t from_day,
                           int32_t to_day, store_override **out, size_t *count, svc_error *e);

/* Windows must not overlap; none means closed all day. */
svc_rc avail_override_put(app *a, arena *ar, const store_user *user, store_override *o,
                          svc_error *e);

svc_rc avail_override_delete(app *a, const store_user *user, int32_t day, svc_error *e);

#endif
