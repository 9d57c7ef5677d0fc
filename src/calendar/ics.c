/* ics.c — see ics.h. */
#include "calendar/ics.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct icaltimetype utc_time(int64_t t)
{
    return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

static void add_person(icalcomponent *ev, bool organizer, const char *name, const char *email)
{
    if (!email || !*email)
        return;
    size_t n = strlen(email) + 8;
    char *mailto = malloc(n);
    if (!mailto)
        return;
    snprintf(mailto, n, "mailto:%s", email);
    icalproperty *p = organizer ? icalproperty_new_organizer(mailto)
                                : icalproperty_new_attendee(mailto);
    free(mailto);
    if (name && *name)
        icalproperty_add_parameter(p, icalparameter_new_cn(name));
    if (!organizer) {
        icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_ACCEPTED));
    }
    icalcomponent_add_property(ev, p);
}

char *ics_render(const ics_event *e, ics_method method)
{
    icalproperty_method m = method == ICS_REQUEST ? ICAL_METHOD_REQUEST
                            : method == ICS_CANCEL ? ICAL_METHOD_CANCEL
                                                   : ICAL_METHOD_PUBLISH;
    icalcomponent *cal = icalcomponent_new_vcalendar();
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//Calendula//Calendula//EN"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_method(m));
    icalcomponent *ev = icalcomponent_new_vevent();
    char uid[128];
    snprintf(uid, sizeof(uid), "%s@calendula", e->booking_id);
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(e->stamp)));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(e->start)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(e->end)));
    icalcomponent_add_property(ev, icalproperty_new_sequence(e->sequence));
    icalcomponent_add_property(ev, icalproperty_new_status(e->cancelled ? ICAL_STATUS_CANCELLED
                                                                        : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(ev, icalproperty_new_summary(e->summary ? e->summary : ""));
    if (e->description && *e->description)
        icalcomponent_add_property(ev, icalproperty_new_description(e->description));
    if (e->location && *e->location)
        icalcomponent_add_property(ev, icalproperty_new_location(e->location));
    add_person(ev, true, e->organizer_name, e->organizer_email);
    add_person(ev, false, e->attendee_name, e->attendee_email);
    icalcomponent_add_component(cal, ev);
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    return text;
}
