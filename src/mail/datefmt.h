/*
 * datefmt.h — dates and times for people, in their locale (ICU udat_*).
 *
 * Zone arithmetic is ours: the caller turns the instant into a wall time
 * with the system tz database (domain/tz.h), and ICU only spells that wall
 * time out, with its own zone fixed to UTC so it never converts anything
 * (Debian 12's ICU carries 2022 tz data, wrong for several zones today).
 */
#ifndef CALENDULA_MAIL_DATEFMT_H
#define CALENDULA_MAIL_DATEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAIL_LOCALE_DEFAULT "en_US"
#define MAIL_DATE_MAX 160

typedef enum mail_date_style {
    MAIL_DATE_TIME, /* "Tuesday, March 16, 2027 at 9:00 AM" (full date, short time) */
    MAIL_TIME,      /* "9:00 AM" */
} mail_date_style;

/*
 * Writes the wall time `local` (seconds, i.e. instant + UTC offset) as
 * UTF-8 in the ICU locale (e.g. "en_US", "de_DE"; NULL → en_US). false if
 * ICU fails (out gets an RFC 3339-like fallback then).
 */
bool mail_format_wall(const char *locale, mail_date_style style, int64_t local, char *out,
                      size_t size);

/*
 * "America/New_York, UTC-04:00": the zone's IANA name and the offset in
 * force (seconds east of UTC).
 */
void mail_zone_label(const char *zone_name, int32_t offset, char *out, size_t size);

#endif
