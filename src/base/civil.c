/*
 * civil.c — proleptic Gregorian calendar arithmetic and RFC 3339 text.
 *
 * See civil.h for the contract. Day numbers use Howard Hinnant's
 * days_from_civil / civil_from_days algorithms, computed in 64 bits so
 * that every int32_t day number converts without overflow. Text is read
 * and written digit by digit: no libc time, printf or locale functions.
 *
 * Formatting clamps to the years 0001..9999 so that the fixed-size
 * buffers documented in civil.h can never overflow; callers that pass
 * instants outside that range get the nearest representable text.
 */
#include "base/civil.h"

#include <string.h>

#define SECS_PER_DAY 86400

/* Day numbers of 0001-01-01 and 9999-12-31. */
#define DAYS_MIN (-719162)
#define DAYS_MAX 2932896

int64_t civil_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t civil_floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0)))
        r += b;
    return r;
}

int32_t civil_days_from_date(civil_date d)
{
    int64_t y = (int64_t)d.year - (d.month <= 2);
    int64_t era = civil_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = d.month > 2 ? d.month - 3 : d.month + 9;
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

civil_date civil_date_from_days(int32_t days)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = civil_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    civil_date d;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

int civil_weekday(int32_t days)
{
    /* 1970-01-01 was a Thursday. */
    return (int)civil_floor_mod((int64_t)days + 4, 7);
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int month_length(int year, int month)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : len[month - 1];
}

bool civil_date_valid(int year, int month, int day)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
        return false;
    return day <= month_length(year, month);
}

/* Reads exactly n decimal digits at s; false if any is not a digit. */
static bool read_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Writes v (>= 0) as exactly n digits, most significant first. */
static void write_digits(char *buf, int n, int v)
{
    for (int i = n - 1; i >= 0; i--) {
        buf[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Parses "YYYY-MM-DD" at s (10 bytes available). */
static bool parse_date10(const char *s, civil_date *out)
{
    int y, m, d;
    if (!read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &m) ||
        s[7] != '-' || !read_digits(s + 8, 2, &d))
        return false;
    if (!civil_date_valid(y, m, d))
        return false;
    out->year = y;
    out->month = m;
    out->day = d;
    return true;
}

bool civil_parse_date(const char *s, size_t len, int32_t *days_out)
{
    civil_date d;
    if (!s || len != 10 || !parse_date10(s, &d))
        return false;
    *days_out = civil_days_from_date(d);
    return true;
}

static int32_t clamp_days(int64_t days)
{
    if (days < DAYS_MIN)
        return DAYS_MIN;
    if (days > DAYS_MAX)
        return DAYS_MAX;
    return (int32_t)days;
}

/*
 * Times are formatted in runs that share a date (a day of slots), so each
 * thread remembers the last date it wrote: a one-entry cache that saves the
 * calendar arithmetic on all but the first time of a day.
 */
static void write_date10(char *buf, int32_t days)
{
    static _Thread_local int32_t last_days = INT32_MIN;
    static _Thread_local char last_text[10];
    if (days != last_days) {
        civil_date d = civil_date_from_days(clamp_days(days));
        write_digits(last_text, 4, d.year);
        last_text[4] = '-';
        write_digits(last_text + 5, 2, d.month);
        last_text[7] = '-';
        write_digits(last_text + 8, 2, d.day);
        last_days = days;
    }
    memcpy(buf, last_text, 10);
}

void civil_format_date(int32_t days, char buf[static 11])
{
    write_date10(buf, days);
    buf[10] = '\0';
}

bool civil_parse_hhmm(const char *s, size_t len, bool allow_24, int *minutes_out)
{
    int h, m;
    if (!s || len != 5 || !read_digits(s, 2, &h) || s[2] != ':' || !read_digits(s + 3, 2, &m))
        return false;
    if (m > 59 || h > 24)
        return false;
    if (h == 24 && (!allow_24 || m != 0))
        return false;
    *minutes_out = h * 60 + m;
    return true;
}

void civil_format_hhmm(int minutes, char buf[static 6])
{
    if (minutes < 0)
        minutes = 0;
    if (minutes > 1440)
        minutes = 1440;
    write_digits(buf, 2, minutes / 60);
    buf[2] = ':';
    write_digits(buf + 3, 2, minutes % 60);
    buf[5] = '\0';
}

/* Parses "HH:MM:SS" at s (8 bytes available) into seconds of the day. */
static bool parse_time8(const char *s, int64_t *secs_out)
{
    int h, m, sec;
    if (!read_digits(s, 2, &h) || s[2] != ':' || !read_digits(s + 3, 2, &m) || s[5] != ':' ||
        !read_digits(s + 6, 2, &sec))
        return false;
    if (h > 23 || m > 59 || sec > 59)
        return false;
    *secs_out = (int64_t)h * 3600 + m * 60 + sec;
    return true;
}

/* Parses the zone suffix: "Z", "z", "+HH:MM" or "-HH:MM", nothing after. */
static bool parse_zone(const char *s, size_t len, int64_t *offset_out)
{
    int h, m;
    if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *offset_out = 0;
        return true;
    }
    if (len != 6 || (s[0] != '+' && s[0] != '-'))
        return false;
    if (!read_digits(s + 1, 2, &h) || s[3] != ':' || !read_digits(s + 4, 2, &m))
        return false;
    if (h > 23 || m > 59)
        return false;
    *offset_out = (s[0] == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60);
    return true;
}

bool civil_parse_rfc3339(const char *s, size_t len, int64_t *instant_out)
{
    civil_date d;
    int64_t secs, offset;
    size_t pos = 19;

    if (!s || len < 20 || !parse_date10(s, &d))
        return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    if (!parse_time8(s + 11, &secs))
        return false;
    if (s[pos] == '.') {
        size_t first = ++pos;
        while (pos < len && s[pos] >= '0' && s[pos] <= '9')
            pos++;
        if (pos == first)
            return false;
    }
    if (!parse_zone(s + pos, len - pos, &offset))
        return false;
    *instant_out = (int64_t)civil_days_from_date(d) * SECS_PER_DAY + secs - offset;
    return true;
}

/* instant + offset, kept within 0001-01-01T00:00:00..9999-12-31T23:59:59
 * so that the text always has a four-digit year. */
static int64_t clamped_local(int64_t instant, int64_t offset)
{
    const int64_t lo = (int64_t)DAYS_MIN * SECS_PER_DAY;
    const int64_t hi = ((int64_t)DAYS_MAX + 1) * SECS_PER_DAY - 1;
    if (instant < lo - 360000)
        return lo;
    if (instant > hi + 360000)
        return hi;
    int64_t local = instant + offset;
    return local < lo ? lo : local > hi ? hi : local;
}

void civil_format_rfc3339(int64_t instant, int32_t offset_seconds, char buf[static 26])
{
    /* Whole minutes, rounded toward zero (C division truncates). */
    int32_t off_min = offset_seconds / 60;
    if (off_min > 99 * 60 + 59)
        off_min = 99 * 60 + 59;
    if (off_min < -(99 * 60 + 59))
        off_min = -(99 * 60 + 59);
    int64_t local = clamped_local(instant, (int64_t)off_min * 60);
    int64_t days = civil_floor_div(local, SECS_PER_DAY);
    int secs = (int)(local - days * SECS_PER_DAY);
    write_date10(buf, (int32_t)days);
    buf[10] = 'T';
    write_digits(buf + 11, 2, secs / 3600);
    buf[13] = ':';
    write_digits(buf + 14, 2, secs / 60 % 60);
    buf[16] = ':';
    write_digits(buf + 17, 2, secs % 60);
    if (off_min == 0) {
        buf[19] = 'Z';
        buf[20] = '\0';
        return;
    }
    int a = off_min < 0 ? -off_min : off_min;
    buf[19] = off_min < 0 ? '-' : '+';
    write_digits(buf + 20, 2, a / 60);
    buf[22] = ':';
    write_digits(buf + 23, 2, a % 60);
    buf[25] = '\0';
}
