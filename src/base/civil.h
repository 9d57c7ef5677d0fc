/*
 * civil.h — proleptic Gregorian calendar arithmetic and RFC 3339 text.
 *
 * Instants are int64_t seconds since 1970-01-01T00:00:00Z (no leap seconds).
 * Civil days are int32_t days since 1970-01-01 (negative before it).
 * Everything here is pure integer arithmetic: no libc time functions, no
 * globals, no locale. Safe to call from any thread.
 */
#ifndef CALENDULA_BASE_CIVIL_H
#define CALENDULA_BASE_CIVIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct civil_date {
    int year;  /* e.g. 2027 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
} civil_date;

/* Days since 1970-01-01 of a valid civil date (Howard Hinnant's algorithm). */
int32_t civil_days_from_date(civil_date d);

/* Inverse of civil_days_from_date. */
civil_date civil_date_from_days(int32_t days);

/* Day of week of a day number: 0 = Sunday ... 6 = Saturday. */
int civil_weekday(int32_t days);

/* True when year/month/day name a real date (years 1..9999). */
bool civil_date_valid(int year, int month, int day);

/* Floor division helpers that are correct for negative numerators. */
int64_t civil_floor_div(int64_t a, int64_t b);
int64_t civil_floor_mod(int64_t a, int64_t b);

/*
 * Parses exactly "YYYY-MM-DD" (len bytes, no NUL needed) into a day number.
 * Returns false on any other text or an impossible date (2027-02-29).
 */
bool civil_parse_date(const char *s, size_t len, int32_t *days_out);

/* Writes "YYYY-MM-DD" plus NUL into buf (at least 11 bytes). */
void civil_format_date(int32_t days, char buf[static 11]);

/*
 * Parses a wall-clock time "HH:MM" with 00:00..23:59, and "24:00" when
 * allow_24 is true, into minutes since midnight (0..1440).
 */
bool civil_parse_hhmm(const char *s, size_t len, bool allow_24, int *minutes_out);

/* Writes "HH:MM" plus NUL (minutes 0..1440; 1440 prints "24:00"). */
void civil_format_hhmm(int minutes, char buf[static 6]);

/*
 * Parses an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS" with optional
 * fractional seconds (truncated), then "Z"/"z" or "+HH:MM"/"-HH:MM".
 * 'T' may also be 't' or a single space. Seconds 60 are rejected.
 * Returns false on anything else. *instant_out is UTC seconds.
 */
bool civil_parse_rfc3339(const char *s, size_t len, int64_t *instant_out);

/*
 * Formats an instant as RFC 3339 local time with the given UTC offset in
 * seconds: offset 0 gives "2027-03-15T13:00:00Z", 19800 gives
 * "2027-03-15T18:30:00+05:30". Offsets that are not whole minutes keep
 * the seconds ("+00:19:32" style is not RFC 3339, so they are rounded
 * toward zero to whole minutes, and the local time shown is consistent
 * with the rounded offset). buf must hold at least 26 bytes.
 */
void civil_format_rfc3339(int64_t instant, int32_t offset_seconds, char buf[static 26]);

#endif
