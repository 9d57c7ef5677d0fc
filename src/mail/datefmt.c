/* datefmt.c — see datefmt.h. */
#include "mail/datefmt.h"

#include <stdio.h>
#include <string.h>
#include <unicode/udat.h>
#include <unicode/ustring.h>

#include "base/civil.h"

static void fallback(int64_t local, char *out, size_t size)
{
    char buf[26];
    civil_format_rfc3339(local, 0, buf);
    buf[16] = '\0'; /* "YYYY-MM-DDTHH:MM" */
    buf[10] = ' ';
    snprintf(out, size, "%s", buf);
}

bool mail_format_wall(const char *locale, mail_date_style style, int64_t local, char *out,
                      size_t size)
{
    static const UChar utc[] = {'U', 'T', 'C', 0};
    UErrorCode status = U_ZERO_ERROR;
    UDateFormat *fmt = udat_open(UDAT_SHORT, style == MAIL_TIME ? UDAT_NONE : UDAT_FULL,
                                 locale ? locale : MAIL_LOCALE_DEFAULT, utc, -1, NULL, -1,
                                 &status);
    UChar buf[MAIL_DATE_MAX];
    int32_t n = 0;
    if (U_SUCCESS(status))
        n = udat_format(fmt, (UDate)local * 1000.0, buf, MAIL_DATE_MAX, NULL, &status);
    udat_close(fmt);
    int32_t written = 0;
    if (U_SUCCESS(status) && n < MAIL_DATE_MAX)
        u_strToUTF8(out, (int32_t)size, &written, buf, n, &status);
    if (U_FAILURE(status) || written >= (int32_t)size) {
        fallback(local, out, size);
        return false;
    }
    out[written] = '\0';
    return true;
}

void mail_zone_label(const char *zone_name, int32_t offset, char *out, size_t size)
{
    int32_t a = offset < 0 ? -offset : offset;
    if (offset == 0)
        snprintf(out, size, "%s, UTC", zone_name);
    else
        snprintf(out, size, "%s, UTC%c%02d:%02d", zone_name, offset < 0 ? '-' : '+',
                 (int)(a / 3600), (int)(a / 60 % 60));
}
