/*
 * test_template.c — localized dates from wall times (ICU), zone labels,
 * lead times, and the words and escaping of each notification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mail/datefmt.h"
#include "mail/template.h"
#include "service/tzdb.h"

#define NNBSP "\xe2\x80\xaf" /* ICU 72 puts U+202F before AM/PM in en_US */

static void test_wall_time_formats(void **state)
{
    (void)state;
    char buf[MAIL_DATE_MAX];
    /* 2027-03-16T09:00 wall time; ICU must not shift it. */
    const int64_t wall = 1805202000 - 4 * 3600;
    assert_true(mail_format_wall("en_US", MAIL_DATE_TIME, wall, buf, sizeof(buf)));
    assert_string_equal(buf, "Tuesday, March 16, 2027 at 9:00" NNBSP "AM");
    assert_true(mail_format_wall(NULL, MAIL_TIME, wall + 1800, buf, sizeof(buf)));
    assert_string_equal(buf, "9:30" NNBSP "AM");
    assert_true(mail_format_wall("de_DE", MAIL_DATE_TIME, wall, buf, sizeof(buf)));
    assert_string_equal(buf, "Dienstag, 16. März 2027 um 09:00");
    assert_true(mail_format_wall("fr_FR", MAIL_TIME, wall + 13 * 3600, buf, sizeof(buf)));
    assert_string_equal(buf, "22:00");
}

/*
 * Our tz data, not ICU's: Mexico City has had no DST since 2022, which
 * ICU 72's 2022e data still applies. 2027-04-15T18:00Z is 12:00 there.
 */
static void test_zone_from_our_database(void **state)
{
    (void)state;
    const tz_zone *z = tzdb_get("America/Mexico_City");
    assert_non_null(z);
    const int64_t t = 1807898400; /* 2027-04-15T18:00:00Z */
    int32_t off = tz_offset_at(z, t);
    assert_int_equal(off, -6 * 3600);
    char buf[MAIL_DATE_MAX], label[100];
    assert_true(mail_format_wall("en_US", MAIL_TIME, t + off, buf, sizeof(buf)));
    assert_string_equal(buf, "12:00" NNBSP "PM");
    mail_zone_label(tz_zone_name(z), off, label, sizeof(label));
    assert_string_equal(label, "America/Mexico_City, UTC-06:00");
    mail_zone_label("Asia/Kolkata", 19800, label, sizeof(label));
    assert_string_equal(label, "Asia/Kolkata, UTC+05:30");
    mail_zone_label("UTC", 0, label, sizeof(label));
    assert_string_equal(label, "UTC, UTC");
}

static void test_lead_time(void **state)
{
    (void)state;
    arena *a = arena_new();
    assert_string_equal(mail_lead_time(a, 1440), "24 hours");
    assert_string_equal(mail_lead_time(a, 60), "1 hour");
    assert_string_equal(mail_lead_time(a, 120), "2 hours");
    assert_string_equal(mail_lead_time(a, 1), "1 minute");
    assert_string_equal(mail_lead_time(a, 90), "1 hour 30 minutes");
    assert_string_equal(mail_lead_time(a, 2880), "2 days");
    arena_free(a);
}

static mail_view view(mail_kind kind, bool to_host)
{
    return (mail_view){
        .kind = kind, .to_host = to_host, .recipient_name = to_host ? "Ann" : "Zoë",
        .meeting_name = "Intro <call> & more", .host_names = "Ann",
        .invitee_name = "Zoë", .invitee_email = "zoe@example.com", .location = "Room 1",
        .notes = "Bring <b>slides</b>", .reason = "Conflict", .when = "Tuesday, March 16",
        .until = "9:30", .zone_label = "Europe/Paris, UTC+01:00",
        .previous_when = "Monday, March 15", .manage_url = to_host ? NULL
                                                                   : "http://x/booking/1?token=T",
        .minutes_before = 60,
    };
}

static void test_words(void **state)
{
    (void)state;
    arena *a = arena_new();
    mail_rendered r;
    mail_view v = view(MAIL_CONFIRMATION, false);
    mail_render(a, &v, &r);
    assert_string_equal(r.subject, "Confirmed: Intro <call> & more with Ann on Tuesday, March 16");
    assert_non_null(strstr(r.text, "Hello Zoë,"));
    assert_non_null(strstr(r.text, "When:    Tuesday, March 16 - 9:30 (Europe/Paris, UTC+01:00)"));
    assert_non_null(strstr(r.text, "http://x/booking/1?token=T"));
    assert_null(strstr(r.text, "slides")); /* notes go to the host only */
    /* HTML escapes user text */
    assert_non_null(strstr(r.html, "Intro &lt;call&gt; &amp; more"));
    assert_null(strstr(r.html, "<call>"));
    assert_non_null(strstr(r.html, "href=\"http://x/booking/1?token=T\""));

    v = view(MAIL_CONFIRMATION, true);
    mail_render(a, &v, &r);
    assert_string_equal(r.subject, "New booking: Intro <call> & more with Zoë on Tuesday, March 16");
    assert_non_null(strstr(r.text, "Notes:   Bring <b>slides</b>"));
    assert_non_null(strstr(r.html, "Bring &lt;b&gt;slides&lt;/b&gt;"));
    assert_null(strstr(r.text, "token="));

    v = view(MAIL_RESCHEDULE, false);
    mail_render(a, &v, &r);
    assert_string_equal(r.subject,
                        "Rescheduled: Intro <call> & more with Ann, now on Tuesday, March 16");
    assert_non_null(strstr(r.text, "Was:     Monday, March 15"));
    assert_non_null(strstr(r.text, "Reason:  Conflict"));

    v = view(MAIL_CANCELLATION, false);
    v.manage_url = NULL;
    mail_render(a, &v, &r);
    assert_string_equal(r.subject, "Cancelled: Intro <call> & more with Ann on Tuesday, March 16");
    assert_non_null(strstr(r.text, "removes the event"));

    v = view(MAIL_REMINDER, true);
    mail_render(a, &v, &r);
    assert_string_equal(r.subject, "Reminder: Intro <call> & more with Zoë on Tuesday, March 16");
    assert_non_null(strstr(r.text, "starts in 1 hour."));
    mail_kind k;
    assert_true(mail_kind_parse("reminder", &k));
    assert_int_equal(k, MAIL_REMINDER);
    assert_false(mail_kind_parse("bogus", &k));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wall_time_formats),
        cmocka_unit_test(test_zone_from_our_database),
        cmocka_unit_test(test_lead_time),
        cmocka_unit_test(test_words),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tzdb_shutdown();
    return rc;
}
