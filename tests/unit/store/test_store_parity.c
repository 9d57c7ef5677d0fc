/*
 * test_store_parity.c — the store backends behave alike (store/store.h).
 *
 * Runs one scenario per area against SQLite (a temporary file) and, when
 * CALENDULA_TEST_PG_URL names a PostgreSQL server (an admin URL, as for the
 * black-box suite), against a fresh database there. Each scenario asserts
 * the documented answers (return codes, conflicts, orderings) and writes
 * a transcript of what it read; the transcripts of the two backends must
 * be equal line for line, schedule versions included (PARITY_VERBOSE=1
 * prints it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/secure.h"
#include "base/strbuf.h"
#include "store/store.h"

#define U1 "00000000-0000-4000-8000-000000000001"
#define U2 "00000000-0000-4000-8000-000000000002"
#define U3 "00000000-0000-4000-8000-000000000003"
#define MT1 "00000000-0000-4000-9000-000000000001"
#define MT2 "00000000-0000-4000-9000-000000000002"
#define MT3 "00000000-0000-4000-9000-000000000003"
#define BK(n) "00000000-0000-4000-a000-00000000000" #n
#define T0 1800000000LL /* 2027-01-15T08:00:00Z */

typedef struct fixture {
    store *s;
    store_conn *c;
    arena *a;
    strbuf log;
} fixture;

static void note(fixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(fixture *f, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    strbuf_append_str(&f->log, line);
    strbuf_append_str(&f->log, "\n");
}

static void note_version(fixture *f, const char *label, const char *user)
{
    int64_t v = -1;
    assert_int_equal(store_schedule_version(f->c, user, &v), STORE_OK);
    note(f, "version %s %lld", label, (long long)v);
}

/* ---------------------------------------------------------------- scenarios */

static void add_user(fixture *f, const char *id, const char *name)
{
    char email[64];
    snprintf(email, sizeof(email), "%s@example.com", name);
    store_user u = {.id = (char *)id, .email = email, .username = (char *)name,
                    .name = (char *)name, .time_zone = "UTC", .schedule_time_zone = "UTC",
                    .role = "user", .password_hash = "x", .created_at = T0, .updated_at = T0};
    store_conflict cf;
    assert_int_equal(store_user_insert(f->c, &u, &cf), STORE_OK);
    assert_int_equal(cf, STORE_CONFLICT_NONE);
}

static void scenario_users(fixture *f)
{
    add_user(f, U1, "ann");
    add_user(f, U2, "bob");
    add_user(f, U3, "cid");
    store_user u = {.id = "00000000-0000-4000-8000-0000000000ff", .email = "ann@example.com",
                    .username = "zed", .name = "Z", .time_zone = "UTC",
                    .schedule_time_zone = "UTC", .role = "user", .password_hash = "x"};
    store_conflict cf;
    assert_int_equal(store_user_insert(f->c, &u, &cf), STORE_CONFLICT);
    assert_int_equal(cf, STORE_CONFLICT_EMAIL);
    u.email = "zed@example.com";
    u.username = "bob";
    assert_int_equal(store_user_insert(f->c, &u, &cf), STORE_CONFLICT);
    assert_int_equal(cf, STORE_CONFLICT_USERNAME);
    store_user got;
    assert_int_equal(store_user_get_by_email(f->c, f->a, "bob@example.com", &got), STORE_OK);
    assert_string_equal(got.id, U2);
    assert_int_equal(got.created_at, T0);
    assert_int_equal(store_user_get(f->c, f->a, "not-a-uuid", &got), STORE_NOT_FOUND);
    assert_int_equal(store_user_get_by_username(f->c, f->a, "\xff\xfe", &got), STORE_NOT_FOUND);
    assert_int_equal(store_user_get(f->c, f->a, "00000000-0000-4000-8000-0000000000ff", &got),
                     STORE_NOT_FOUND);
    got.id = "00000000-0000-4000-8000-0000000000ff";
    assert_int_equal(store_user_update(f->c, &got), STORE_NOT_FOUND);
    store_session s = {"hash1", U1, "csrf", T0, T0 + 100};
    assert_int_equal(store_session_insert(f->c, &s), STORE_OK);
    store_session sg;
    assert_int_equal(store_session_get(f->c, f->a, "hash1", T0 + 99, &sg), STORE_OK);
    assert_int_equal(sg.expires_at, T0 + 100);
    assert_int_equal(store_session_get(f->c, f->a, "hash1", T0 + 100, &sg), STORE_NOT_FOUND);
    assert_int_equal(store_session_delete_user(f->c, U1, "hash1"), STORE_OK);
    assert_int_equal(store_session_get(f->c, f->a, "hash1", T0, &sg), STORE_OK);
    assert_int_equal(store_session_delete_user(f->c, U1, NULL), STORE_OK);
    assert_int_equal(store_session_get(f->c, f->a, "hash1", T0, &sg), STORE_NOT_FOUND);
}

static store_meeting_type mt_of(const char *id, const char *slug, const char *kind, char **hosts,
                                size_t nhosts, int64_t created)
{
    return (store_meeting_type){
        .id = (char *)id, .user_id = U1, .name = "Intro", .slug = (char *)slug,
        .description = "", .kind = (char *)kind, .duration_minutes = 30,
        .buffer_after_minutes = 10, .slot_interval_minutes = 30, .booking_window_days = 60,
        .seats = 2, .questions_json = "[{\"id\":\"q1\",\"type\":\"text\"}]", .location = "",
        .color = "#3B82F6", .is_active = true, .host_ids = hosts, .nhosts = nhosts,
        .created_at = created, .updated_at = created};
}

static void scenario_meeting_types(fixture *f)
{
    char *hosts[] = {U1, U2};
    char *ghost[] = {"00000000-0000-4000-8000-0000000000ee"};
    store_conflict cf;
    store_meeting_type m = mt_of(MT2, "b", "collective", hosts, 2, T0 + 5);
    assert_int_equal(store_meeting_type_insert(f->c, &m, &cf), STORE_OK);
    m = mt_of(MT1, "a", "one_on_one", hosts, 1, T0 + 9);
    assert_int_equal(store_meeting_type_insert(f->c, &m, &cf), STORE_OK);
    m = mt_of(MT3, "a", "one_on_one", hosts, 1, T0);
    assert_int_equal(store_meeting_type_insert(f->c, &m, &cf), STORE_CONFLICT);
    assert_int_equal(cf, STORE_CONFLICT_SLUG);
    m = mt_of(MT3, "c", "one_on_one", ghost, 1, T0);
    assert_int_equal(store_meeting_type_insert(f->c, &m, &cf), STORE_CONFLICT);
    assert_int_equal(cf, STORE_CONFLICT_OTHER);
    /* In a transaction a refused insert is undone alone; the rest commits. */
    assert_int_equal(store_begin(f->c, true), STORE_OK);
    m = mt_of(MT3, "a", "group", hosts, 1, T0 + 1);
    assert_int_equal(store_meeting_type_insert(f->c, &m, &cf), STORE_CONFLICT);
    m.slug = "g";
    assert_int_equal(store_meeting_type_insert(f->c, &m, &cf), STORE_OK);
    assert_int_equal(store_commit(f->c), STORE_OK);
    store_meeting_type *list;
    size_t n;
    assert_int_equal(store_meeting_type_list(f->c, f->a, U1, false, &list, &n), STORE_OK);
    for (size_t i = 0; i < n; i++)
        note(f, "type %s %s hosts=%zu first=%s q=%s", list[i].slug, list[i].kind, list[i].nhosts,
             list[i].host_ids[0], list[i].questions_json[0] == '[' ? "array" : "?");
    assert_int_equal(n, 3);
    assert_string_equal(list[0].id, MT3);
    assert_string_equal(list[2].id, MT1);
    assert_int_equal(list[1].nhosts, 2);
    assert_string_equal(list[1].host_ids[1], U2);
    note_version(f, "after types u1", U1);
    note_version(f, "after types u2", U2);
    store_meeting_type got;
    assert_int_equal(store_meeting_type_get_by_slug(f->c, f->a, U1, "b", &got), STORE_OK);
    assert_int_equal(got.max_bookings_per_day, 0);
    got.slug = "a";
    assert_int_equal(store_meeting_type_update(f->c, &got, &cf), STORE_CONFLICT);
    assert_int_equal(cf, STORE_CONFLICT_SLUG);
    got.slug = "b2";
    got.max_bookings_per_day = 3;
    assert_int_equal(store_meeting_type_update(f->c, &got, &cf), STORE_OK);
    assert_int_equal(store_meeting_type_get(f->c, f->a, MT2, &got), STORE_OK);
    assert_int_equal(got.max_bookings_per_day, 3);
    assert_string_equal(got.slug, "b2");
    note_version(f, "after update u1", U1);
    got.id = "00000000-0000-4000-9000-0000000000ee";
    assert_int_equal(store_meeting_type_update(f->c, &got, &cf), STORE_NOT_FOUND);
}

static void scenario_availability(fixture *f)
{
    store_rule rules[] = {{"00000000-0000-4000-b000-000000000002", 3, 600, 700},
                          {"00000000-0000-4000-b000-000000000001", 1, 540, 1020},
                          {"00000000-0000-4000-b000-000000000003", 1, 0, 60}};
    assert_int_equal(store_rules_replace(f->c, U1, rules, 3, T0), STORE_OK);
    assert_int_equal(store_rules_replace(f->c, U1, rules, 3, T0), STORE_OK);
    store_rule *got;
    size_t n;
    assert_int_equal(store_rules_get(f->c, f->a, U1, &got, &n), STORE_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        note(f, "rule %d %d-%d", got[i].day_of_week, got[i].start_minute, got[i].end_minute);
    store_window w[] = {{600, 660}, {720, 780}};
    store_override o1 = {20000, w, 2}, o2 = {19999, NULL, 0};
    assert_int_equal(store_override_put(f->c, U1, &o1, T0), STORE_OK);
    assert_int_equal(store_override_put(f->c, U1, &o2, T0), STORE_OK);
    assert_int_equal(store_override_put(f->c, U1, &o1, T0), STORE_OK);
    store_override *ov;
    assert_int_equal(store_overrides_get(f->c, f->a, U1, 19000, 21000, &ov, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ov[0].day, 19999);
    assert_int_equal(ov[0].nwindows, 0);
    assert_int_equal(ov[1].nwindows, 2);
    assert_int_equal(ov[1].windows[1].start_minute, 720);
    assert_int_equal(store_override_delete(f->c, U1, 19999), STORE_OK);
    assert_int_equal(store_overrides_get(f->c, f->a, U1, 19999, 19999, &ov, &n), STORE_OK);
    assert_int_equal(n, 0);
    note_version(f, "after availability u1", U1);
}

static store_booking booking_of(const char *id, const char *type, int64_t start)
{
    return (store_booking){
        .id = (char *)id, .meeting_type_id = (char *)type, .host_user_id = U1,
        .invitee_name = "I", .invitee_email = "i@example.com", .invitee_timezone = "UTC",
        .start_time = start, .end_time = start + 1800, .status = "confirmed", .notes = "",
        .answers_json = "{\"q1\":\"x\"}", .manage_token_hash = "h", .version = 1,
        .created_at = T0, .updated_at = T0};
}

/* Ends the write transaction a booking write runs in, as the services do. */
static store_rc finish(fixture *f, store_rc r)
{
    if (r == STORE_OK)
        return store_commit(f->c);
    store_rollback(f->c);
    return r;
}

/* A booking whose hold is [busy_start, busy_end), in its own transaction. */
static store_rc hold(fixture *f, const char *id, const char *type, int64_t start,
                     int64_t busy_start, int64_t busy_end, const char *group_key, int seats)
{
    store_booking b = booking_of(id, type, start);
    store_booking_host h = {U1, busy_start, busy_end, group_key, seats};
    assert_int_equal(store_begin(f->c, true), STORE_OK);
    return finish(f, store_booking_insert(f->c, &b, &h, 1));
}

/* A 30-minute meeting held with a 10-minute buffer after it, 2 seats a group slot. */
static store_rc book(fixture *f, const char *id, const char *type, int64_t start,
                     const char *group_key)
{
    return hold(f, id, type, start, start, start + 2400, group_key, 2);
}

static store_rc move(fixture *f, const char *id, int64_t start, int64_t old_start)
{
    store_booking b = booking_of(id, MT1, start);
    b.version = 2;
    store_booking_host h = {U1, start, start + 2400, NULL, 1};
    assert_int_equal(store_begin(f->c, true), STORE_OK);
    return finish(f, store_booking_move(f->c, &b, &h, 1, old_start, old_start + 1800, NULL,
                                        "host"));
}

static void scenario_bookings(fixture *f)
{
    assert_int_equal(book(f, BK(1), MT1, T0, NULL), STORE_OK);
    assert_int_equal(book(f, BK(2), MT1, T0 + 1800, NULL), STORE_CONFLICT); /* buffer overlaps */
    assert_int_equal(book(f, BK(2), MT1, T0 + 2400, NULL), STORE_OK);       /* touches: fine */
    assert_int_equal(book(f, BK(3), MT3, T0 + 7200, "g@1"), STORE_OK);
    assert_int_equal(book(f, BK(4), MT3, T0 + 7200, "g@1"), STORE_OK);
    assert_int_equal(book(f, BK(5), MT3, T0 + 7200, "g@1"), STORE_CONFLICT); /* 2 seats */
    assert_int_equal(book(f, BK(5), MT1, T0 + 7200, NULL), STORE_CONFLICT);
    store_booking b = booking_of(BK(1), MT1, T0);
    b.status = "cancelled";
    b.cancellation_reason = "r";
    b.version = 2;
    assert_int_equal(store_begin(f->c, true), STORE_OK);
    assert_int_equal(finish(f, store_booking_cancel(f->c, &b)), STORE_OK);
    assert_int_equal(book(f, BK(5), MT1, T0 - 1200, NULL), STORE_OK); /* BK1's time is free */
    assert_int_equal(move(f, BK(5), T0 + 14400, T0 - 1200), STORE_OK);
    assert_int_equal(move(f, BK(5), T0 + 2400, T0 + 14400), STORE_CONFLICT);
    store_schedule_query q = {U1, 0, 0, T0 - 86400, T0 + 86400, MT1, BK(2)};
    store_host_schedule hs;
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_OK);
    const store_busy *busy = hs.busy;
    size_t n = hs.nbusy;
    for (size_t i = 0; i < n; i++)
        note(f, "busy %lld-%lld meeting %lld-%lld same=%d seats=%d",
             (long long)(busy[i].busy_start - T0), (long long)(busy[i].busy_end - T0),
             (long long)(busy[i].start - T0), (long long)(busy[i].end - T0), busy[i].same_type,
             busy[i].seats);
    assert_int_equal(n, 3);
    assert_false(busy[0].same_type);
    assert_true(busy[2].same_type);
    note_version(f, "after bookings u1", U1);
}

/* One read of a host's schedule gives what the separate reads give. */
static void scenario_host_schedule(fixture *f)
{
    store_override closed = {20003, NULL, 0};
    assert_int_equal(store_override_put(f->c, U1, &closed, T0), STORE_OK);
    store_schedule_query q = {U1, 19990, 20010, T0 - 86400, T0 + 86400, MT1, BK(2)};
    store_host_schedule hs;
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_OK);
    assert_string_equal(hs.zone, "UTC");
    store_rule *rules;
    store_override *ov;
    size_t nr, no;
    assert_int_equal(store_rules_get(f->c, f->a, U1, &rules, &nr), STORE_OK);
    assert_int_equal(store_overrides_get(f->c, f->a, U1, 19990, 20010, &ov, &no), STORE_OK);
    assert_int_equal(hs.nrules, nr);
    assert_int_equal(nr, 3);
    for (size_t i = 0; i < nr; i++) {
        assert_int_equal(hs.rules[i].day_of_week, rules[i].day_of_week);
        assert_int_equal(hs.rules[i].start_minute, rules[i].start_minute);
        assert_int_equal(hs.rules[i].end_minute, rules[i].end_minute);
        note(f, "schedule rule %d %d-%d", hs.rules[i].day_of_week, hs.rules[i].start_minute,
             hs.rules[i].end_minute);
    }
    assert_int_equal(hs.noverrides, no);
    assert_int_equal(no, 2);
    for (size_t i = 0; i < no; i++) {
        assert_int_equal(hs.overrides[i].day, ov[i].day);
        assert_int_equal(hs.overrides[i].nwindows, ov[i].nwindows);
        for (size_t j = 0; j < ov[i].nwindows; j++) {
            assert_int_equal(hs.overrides[i].windows[j].start_minute,
                             ov[i].windows[j].start_minute);
            assert_int_equal(hs.overrides[i].windows[j].end_minute, ov[i].windows[j].end_minute);
        }
        note(f, "schedule override %d windows %zu", hs.overrides[i].day,
             hs.overrides[i].nwindows);
    }
    /* The holds scenario_bookings left (BK2 left out): the group pair and BK5. */
    assert_int_equal(hs.nbusy, 3);
    const int64_t holds[3][2] = {{T0 + 7200, 0}, {T0 + 7200, 0}, {T0 + 14400, 1}};
    for (size_t i = 0; i < hs.nbusy; i++) {
        assert_int_equal(hs.busy[i].start, holds[i][0]);
        assert_int_equal(hs.busy[i].end, holds[i][0] + 1800);
        assert_int_equal(hs.busy[i].busy_start, holds[i][0]);
        assert_int_equal(hs.busy[i].busy_end, holds[i][0] + 2400);
        assert_int_equal(hs.busy[i].same_type, holds[i][1]);
        assert_int_equal(hs.busy[i].seats, 1);
    }
    /* A narrow window: only the holds that meet it. */
    q.busy_from = T0 + 2400;
    q.busy_to = T0 + 2500;
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_OK);
    q.exclude_booking = NULL;
    store_host_schedule all;
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &all), STORE_OK);
    note(f, "schedule narrow %zu, without exclusion %zu", hs.nbusy, all.nbusy);
    assert_int_equal(hs.nbusy, 0);
    assert_int_equal(all.nbusy, 1);
    q.host_id = "00000000-0000-4000-8000-00000000dead";
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_NOT_FOUND);
    q.host_id = "nope";
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_NOT_FOUND);
}

/*
 * store_booking_create as the last statement before the commit (the
 * service's create without an idempotency key): PostgreSQL sends it with
 * the COMMIT, so a conflict is the commit's answer; SQLite answers it
 * at once. Either way the caller sees one STORE_CONFLICT and nothing is
 * written.
 */
static store_rc create_last(fixture *f, const char *id, int64_t start, int64_t busy_end)
{
    store_booking b = booking_of(id, MT1, start);
    store_booking_host h = {U1, start, busy_end, NULL, 1};
    assert_int_equal(store_begin(f->c, true), STORE_OK);
    store_rc r = store_booking_create(f->c, &b, &h, 1, NULL, NULL, 0, T0, true);
    return finish(f, r);
}

/*
 * Holds are read, and overlaps refused, from the host's last hold outside
 * a group slot that starts at or before the range (SQLite migration 0008),
 * not from a day before it. Seats of one group slot can hold different
 * ranges: here the second seat starts before the first and ends after it,
 * so a search starting at the first seat would miss it.
 */
static void scenario_holds_before_a_range(fixture *f)
{
    const int64_t t1 = T0 + 10 * 86400;
    const char *a = "00000000-0000-4000-a000-000000000101";
    const char *seat1 = "00000000-0000-4000-a000-000000000102";
    const char *seat2 = "00000000-0000-4000-a000-000000000103";
    const char *late = "00000000-0000-4000-a000-000000000104";
    assert_int_equal(hold(f, a, MT1, t1, t1, t1 + 1800, NULL, 3), STORE_OK);
    assert_int_equal(hold(f, seat1, MT3, t1 + 3600, t1 + 3600, t1 + 7200, "g@2", 3), STORE_OK);
    assert_int_equal(hold(f, seat2, MT3, t1 + 3600, t1 + 1800, t1 + 10800, "g@2", 3), STORE_OK);
    store_schedule_query q = {U1, 0, 0, t1 + 9000, t1 + 9100, MT1, NULL};
    store_host_schedule hs;
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_OK);
    note(f, "holds meeting +9000: %zu", hs.nbusy);
    assert_int_equal(hs.nbusy, 1);
    assert_int_equal(hs.busy[0].busy_start, t1 + 1800);
    assert_int_equal(hs.busy[0].busy_end, t1 + 10800);
    /* A range inside the second seat only is refused; one after it is not. */
    assert_int_equal(hold(f, late, MT1, t1 + 9000, t1 + 9000, t1 + 9600, NULL, 3), STORE_CONFLICT);
    assert_int_equal(hold(f, late, MT1, t1 + 10200, t1 + 10200, t1 + 11000, NULL, 3),
                     STORE_CONFLICT);
    assert_int_equal(hold(f, late, MT1, t1 + 10800, t1 + 10800, t1 + 11400, NULL, 3), STORE_OK);
    /* Created with the commit: refused inside the second seat, kept after it. */
    const char *with_commit = "00000000-0000-4000-a000-000000000105";
    store_booking got;
    assert_int_equal(create_last(f, with_commit, t1 + 9000, t1 + 9600), STORE_CONFLICT);
    assert_int_equal(store_booking_get(f->c, f->a, with_commit, &got), STORE_NOT_FOUND);
    assert_int_equal(create_last(f, with_commit, t1 + 11400, t1 + 12000), STORE_OK);
    assert_int_equal(store_booking_get(f->c, f->a, with_commit, &got), STORE_OK);
    assert_int_equal(got.start_time, t1 + 11400);
    note(f, "created with the commit: %s at +%lld", got.status,
         (long long)(got.start_time - t1));
    /* Before the first hold outside a group, the day's slice is read. */
    q.busy_from = t1 - 600;
    q.busy_to = t1 + 1;
    assert_int_equal(store_host_schedule_get(f->c, f->a, &q, &hs), STORE_OK);
    assert_int_equal(hs.nbusy, 1);
    assert_int_equal(hs.busy[0].busy_start, t1);
}

static void scenario_reads(fixture *f)
{
    store_booking got;
    assert_int_equal(store_booking_get(f->c, f->a, BK(1), &got), STORE_OK);
    assert_string_equal(got.status, "cancelled");
    assert_string_equal(got.cancellation_reason, "r");
    assert_int_equal(store_booking_get(f->c, f->a, BK(2), &got), STORE_OK);
    assert_null(got.cancellation_reason);
    assert_int_equal(store_booking_get(f->c, f->a, "nope", &got), STORE_NOT_FOUND);
    assert_int_equal(store_booking_find_standing(f->c, f->a, MT1, T0 + 2400, "i@example.com",
                                                 &got), STORE_OK);
    assert_int_equal(store_booking_is_host(f->c, BK(2), U1), STORE_OK);
    assert_int_equal(store_booking_is_host(f->c, BK(2), U2), STORE_NOT_FOUND);
    int64_t count;
    assert_int_equal(store_booking_count_type(f->c, MT1, &count), STORE_OK);
    assert_int_equal(count, 2);
    store_booking_filter flt = {.host_user_id = U1, .from = INT64_MIN / 2, .to = INT64_MAX / 2,
                                .limit = 2};
    store_booking *page;
    size_t n, total = 0;
    do {
        assert_int_equal(store_booking_list(f->c, f->a, &flt, &page, &n), STORE_OK);
        for (size_t i = 0; i < n; i++)
            note(f, "list %s %lld %s v%d", page[i].id, (long long)(page[i].start_time - T0),
                 page[i].status, page[i].version);
        total += n;
        if (n) {
            flt.after_start = page[n - 1].start_time;
            flt.after_id = page[n - 1].id;
        }
    } while (n == 2);
    assert_int_equal(total, 5);
    flt = (store_booking_filter){.host_user_id = U1, .status = "cancelled", .from = 0,
                                 .to = INT64_MAX / 2, .limit = 10};
    assert_int_equal(store_booking_list(f->c, f->a, &flt, &page, &n), STORE_OK);
    assert_int_equal(n, 1);
}

static void scenario_idempotency(fixture *f)
{
    const char *sc = "POST /api/bookings";
    assert_int_equal(store_idem_claim(f->c, sc, "k", "fp", T0, T0 + 10), STORE_OK);
    assert_int_equal(store_idem_claim(f->c, sc, "k", "fp2", T0 + 5, T0 + 20), STORE_CONFLICT);
    store_idempotency st;
    assert_int_equal(store_idem_get(f->c, f->a, sc, "k", T0 + 5, &st), STORE_OK);
    assert_false(st.done);
    assert_null(st.body);
    assert_int_equal(store_idem_finish(f->c, sc, "k", 201, "sealed"), STORE_OK);
    assert_int_equal(store_idem_get(f->c, f->a, sc, "k", T0 + 5, &st), STORE_OK);
    assert_true(st.done);
    assert_int_equal(st.status, 201);
    assert_string_equal(st.body, "sealed");
    assert_int_equal(store_idem_get(f->c, f->a, sc, "k", T0 + 10, &st), STORE_NOT_FOUND);
    assert_int_equal(store_idem_claim(f->c, sc, "k", "fp3", T0 + 10, T0 + 20), STORE_OK);
    assert_int_equal(store_idem_get(f->c, f->a, sc, "k", T0 + 11, &st), STORE_OK);
    assert_string_equal(st.fingerprint, "fp3");
    assert_false(st.done);
    assert_int_equal(store_idem_release(f->c, sc, "k"), STORE_OK);
    assert_int_equal(store_idem_get(f->c, f->a, sc, "k", T0 + 11, &st), STORE_NOT_FOUND);
    assert_int_equal(store_outbox_insert(f->c, "00000000-0000-4000-c000-000000000001",
                                         "booking.created", BK(2), "{\"a\":1}", T0), STORE_OK);
}

static void note_jobs(fixture *f, const char *label, store_outbox_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        note(f, "%s %lld %s %s a%d due%+lld lease%+lld err=%s", label, (long long)jobs[i].id,
             jobs[i].topic, jobs[i].status, jobs[i].attempts,
             (long long)(jobs[i].available_at - T0),
             (long long)(jobs[i].lease_until ? jobs[i].lease_until - T0 : 0),
             jobs[i].last_error ? jobs[i].last_error : "-");
}

static void scenario_jobs(fixture *f)
{
    /* 1 came from scenario_idempotency; 2..4 are due at +0, +50, +100. */
    assert_int_equal(store_outbox_insert_at(f->c, "e2/child", "email.send", BK(2), "{}", T0,
                                            T0), STORE_OK);
    assert_int_equal(store_outbox_insert_at(f->c, "e3", "booking.reminder", BK(2), "{}",
                                            T0 + 50, T0), STORE_OK);
    assert_int_equal(store_outbox_insert_at(f->c, "e4", "booking.reminder", BK(2), "{}",
                                            T0 + 100, T0), STORE_OK);
    assert_int_equal(store_outbox_insert_at(f->c, "e4", "x", BK(2), "{}", T0, T0),
                     STORE_CONFLICT);
    store_outbox_job *jobs;
    size_t n;
    assert_int_equal(store_outbox_claim(f->c, f->a, T0 + 10, T0 + 40, 5, &jobs, &n), STORE_OK);
    note_jobs(f, "claim", jobs, n);
    assert_int_equal(n, 2);
    store_outbox_settlement s = {jobs[0].id, jobs[0].attempts, "done", jobs[0].attempts,
                                 jobs[0].available_at, NULL, T0 + 11};
    assert_int_equal(store_outbox_settle(f->c, &s), STORE_OK);
    assert_int_equal(store_outbox_settle(f->c, &s), STORE_NOT_FOUND); /* fenced */
    int64_t when;
    assert_int_equal(store_outbox_next_due(f->c, &when), STORE_OK);
    note(f, "next due %+lld", (long long)(when - T0));
    assert_int_equal(store_outbox_claim(f->c, f->a, T0 + 60, T0 + 90, 5, &jobs, &n), STORE_OK);
    note_jobs(f, "reclaim", jobs, n); /* the expired lease and e3 */
    int64_t count;
    assert_int_equal(store_outbox_withdraw(f->c, BK(2), "booking.reminder", "withdrawn", T0 + 61,
                                           &count), STORE_OK);
    note(f, "withdrawn %lld", (long long)count);
    s = (store_outbox_settlement){jobs[0].id, jobs[0].attempts, "dead", jobs[0].attempts,
                                  T0 + 61, "boom", T0 + 61};
    assert_int_equal(store_outbox_settle(f->c, &s), STORE_OK);
    assert_int_equal(store_outbox_list(f->c, f->a, NULL, 10, &jobs, &n), STORE_OK);
    note_jobs(f, "list", jobs, n);
    assert_int_equal(store_outbox_requeue(f->c, 0, T0 + 70, &count), STORE_OK);
    note(f, "requeued %lld", (long long)count);
    assert_int_equal(store_outbox_requeue(f->c, 999, T0 + 70, &count), STORE_NOT_FOUND);
    assert_int_equal(store_outbox_purge_dead(f->c, &count), STORE_OK);
    /* retention: done rows changed before +30 (the one settled at +11), then by the limit */
    assert_int_equal(store_outbox_list(f->c, f->a, "done", 10, &jobs, &n), STORE_OK);
    note_jobs(f, "done", jobs, n);
    size_t done_before = n;
    assert_int_equal(store_outbox_purge_done(f->c, T0 + 30, 100, &count), STORE_OK);
    note(f, "purged done before +30: %lld", (long long)count);
    assert_int_equal(count, 1);
    assert_int_equal(store_outbox_purge_done(f->c, T0 + 1000, 1, &count), STORE_OK);
    assert_int_equal(count, 1);
    assert_int_equal(store_outbox_list(f->c, f->a, "done", 10, &jobs, &n), STORE_OK);
    note_jobs(f, "done left", jobs, n);
    assert_int_equal(n, done_before - 2);
    assert_int_equal(store_outbox_list(f->c, f->a, "pending", 10, &jobs, &n), STORE_OK);
    note_jobs(f, "pending", jobs, n);
    store_email_attempt e = {"00000000-0000-4000-d000-000000000001", BK(2), "i@example.com",
                             "confirmation", "Hi", "Body", "<m1@calendula>", false, "down",
                             T0};
    assert_int_equal(store_email_record(f->c, &e), STORE_OK);
    assert_int_equal(store_email_was_sent(f->c, "<m1@calendula>"), STORE_NOT_FOUND);
    e.id = "00000000-0000-4000-d000-000000000002";
    e.sent = true;
    e.error = NULL;
    assert_int_equal(store_email_record(f->c, &e), STORE_OK);
    assert_int_equal(store_email_was_sent(f->c, "<m1@calendula>"), STORE_OK);
    char *sealed;
    assert_int_equal(store_booking_secret_get(f->c, f->a, BK(2), &sealed), STORE_NOT_FOUND);
    assert_int_equal(store_booking_secret_put(f->c, BK(2), "s1", T0), STORE_OK);
    assert_int_equal(store_booking_secret_put(f->c, BK(2), "s2", T0), STORE_OK);
    assert_int_equal(store_booking_secret_get(f->c, f->a, BK(2), &sealed), STORE_OK);
    assert_string_equal(sealed, "s2");
    /* Reminder lead times are read with the type; "" (none) is not NULL (default). */
    store_meeting_type m;
    assert_int_equal(store_meeting_type_get(f->c, f->a, MT1, &m), STORE_OK);
    assert_false(m.reminders_custom);
    m.reminders_custom = true;
    m.nreminders = 2;
    m.reminder_minutes[0] = 1440;
    m.reminder_minutes[1] = 60;
    assert_int_equal(store_meeting_type_reminders_put(f->c, &m), STORE_OK);
    store_meeting_type back;
    assert_int_equal(store_meeting_type_get(f->c, f->a, MT1, &back), STORE_OK);
    assert_true(back.reminders_custom);
    assert_int_equal(back.nreminders, 2);
    assert_int_equal(back.reminder_minutes[0], 1440);
    assert_int_equal(back.reminder_minutes[1], 60);
    m.nreminders = 0;
    assert_int_equal(store_meeting_type_reminders_put(f->c, &m), STORE_OK);
    store_meeting_type *list;
    assert_int_equal(store_meeting_type_list(f->c, f->a, U1, false, &list, &n), STORE_OK);
    for (size_t i = 0; i < n; i++) {
        note(f, "type %s reminders custom=%d n=%d", list[i].slug, list[i].reminders_custom,
             list[i].nreminders);
        if (strcmp(list[i].id, MT1) == 0) {
            assert_true(list[i].reminders_custom);
            assert_int_equal(list[i].nreminders, 0);
        } else {
            assert_false(list[i].reminders_custom);
        }
    }
    note_version(f, "after reminders u1", U1);
}

/*
 * store_write from many threads at once (on SQLite they are combined into
 * shared transactions): every write that returns STORE_OK is kept, and
 * every one that fails — by its own choice after writing, or because a
 * statement of it failed — leaves nothing, without disturbing the writes
 * it shared a transaction with.
 */
#define WRITERS 12
#define WRITES 25

typedef struct write_work {
    char hash[32];
    int n;
} write_work;

static store_rc write_session(store_conn *c, void *ctx)
{
    write_work *w = ctx;
    store_session s = {w->hash, U1, "csrf", T0, T0 + 1000};
    store_rc rc = store_session_insert(c, &s);
    if (rc == STORE_OK && w->n % 3 == 2)
        return STORE_ERROR; /* changes its mind after writing */
    return rc;              /* the n % 5 == 4 ones share one hash: all but one conflict */
}

typedef struct writer_thread {
    store *s;
    int t;
    store_rc rc[WRITES];
} writer_thread;

static void *writer_main(void *arg)
{
    writer_thread *wt = arg;
    store_conn *c = store_conn_get(wt->s);
    for (int n = 0; n < WRITES; n++) {
        write_work w = {.n = n};
        if (n % 5 == 4)
            snprintf(w.hash, sizeof(w.hash), "shared");
        else
            snprintf(w.hash, sizeof(w.hash), "w-%d-%d", wt->t, n);
        wt->rc[n] = c ? store_write(c, write_session, &w) : STORE_UNAVAILABLE;
    }
    return NULL;
}

static void scenario_concurrent_writes(fixture *f)
{
    writer_thread wt[WRITERS];
    pthread_t th[WRITERS];
    for (int t = 0; t < WRITERS; t++) {
        wt[t] = (writer_thread){.s = f->s, .t = t};
        assert_int_equal(pthread_create(&th[t], NULL, writer_main, &wt[t]), 0);
    }
    for (int t = 0; t < WRITERS; t++)
        pthread_join(th[t], NULL);
    int kept = 0, shared_kept = 0;
    for (int t = 0; t < WRITERS; t++) {
        for (int n = 0; n < WRITES; n++) {
            store_rc rc = wt[t].rc[n];
            if (n % 5 == 4 && n % 3 != 2) {
                assert_true(rc == STORE_OK || rc == STORE_CONFLICT);
                shared_kept += rc == STORE_OK;
                continue;
            }
            if (n % 5 == 4)
                continue; /* its hash may be taken (conflict) or not (undone) */
            char hash[32];
            snprintf(hash, sizeof(hash), "w-%d-%d", t, n);
            store_session got;
            store_rc want = n % 3 == 2 ? STORE_NOT_FOUND : STORE_OK;
            assert_int_equal(rc, n % 3 == 2 ? STORE_ERROR : STORE_OK);
            assert_int_equal(store_session_get(f->c, f->a, hash, T0, &got), want);
            kept += want == STORE_OK;
        }
    }
    store_session got;
    assert_int_equal(shared_kept, 1);
    assert_int_equal(store_session_get(f->c, f->a, "shared", T0, &got), STORE_OK);
    note(f, "concurrent writes: %d kept, shared hash kept once", kept);
}

/* ---------------------------------------------------------------- running */

static void run_all(const char *url, strbuf *log)
{
    fixture f = {0};
    char err[256];
    assert_int_equal(store_open(url, &f.s, err, sizeof(err)), STORE_OK);
    int applied = 0;
    assert_int_equal(store_migrate(f.s, &applied), STORE_OK);
    assert_true(applied > 0);
    f.c = store_conn_get(f.s);
    assert_non_null(f.c);
    store_migration_status ms;
    assert_int_equal(store_migration_status_get(f.c, &ms), STORE_OK);
    assert_int_equal(ms.applied, ms.known);
    f.a = arena_new();
    strbuf_init(&f.log, 0);
    scenario_users(&f);
    scenario_meeting_types(&f);
    scenario_availability(&f);
    scenario_bookings(&f);
    scenario_host_schedule(&f);
    scenario_reads(&f);
    scenario_holds_before_a_range(&f);
    scenario_idempotency(&f);
    scenario_concurrent_writes(&f);
    if (store_supports_jobs(f.s))
        scenario_jobs(&f);
    arena_free(f.a);
    store_close(f.s);
    *log = f.log;
}

/* CALENDULA_TEST_PG_URL with its database replaced by name. */
static char *pg_url_for(const char *admin, const char *name)
{
    const char *host = strstr(admin, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    size_t keep = slash ? (size_t)(slash - admin) : strlen(admin);
    const char *query = slash ? strchr(slash, '?') : NULL;
    size_t len = keep + strlen(name) + (query ? strlen(query) : 0) + 2;
    char *url = malloc(len);
    assert_non_null(url);
    snprintf(url, len, "%.*s/%s%s", (int)keep, admin, name, query ? query : "");
    return url;
}

static bool pg_admin(const char *admin, const char *sql)
{
    PGconn *pc = PQconnectdb(admin);
    PGresult *r = PQexec(pc, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "postgres: %s", PQerrorMessage(pc));
    PQclear(r);
    PQfinish(pc);
    return ok;
}

static void test_backends_agree(void **state)
{
    (void)state;
    char path[] = "/tmp/calendula-parity-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char sqlite_url[64];
    snprintf(sqlite_url, sizeof(sqlite_url), "sqlite:%s", path);
    strbuf sq_log;
    run_all(sqlite_url, &sq_log);
    unlink(path);
    const char *admin = getenv("CALENDULA_TEST_PG_URL");
    if (!admin || !*admin) {
        fprintf(stderr, "test_store_parity: CALENDULA_TEST_PG_URL unset; PostgreSQL skipped\n");
        strbuf_release(&sq_log);
        return;
    }
    char name[64], sql[128];
    snprintf(name, sizeof(name), "calendula_unit_%ld", (long)getpid());
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    assert_true(pg_admin(admin, sql));
    char *url = pg_url_for(admin, name);
    strbuf pg_log;
    run_all(url, &pg_log);
    free(url);
    snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", name);
    pg_admin(admin, sql);
    if (getenv("PARITY_VERBOSE"))
        fprintf(stderr, "%s", sq_log.buf);
    assert_string_equal(pg_log.buf, sq_log.buf);
    strbuf_release(&sq_log);
    strbuf_release(&pg_log);
}

int main(void)
{
    secure_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backends_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
