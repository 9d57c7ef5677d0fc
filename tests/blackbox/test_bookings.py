"""Bookings through HTTP: create, view, reschedule, cancel, lists, .ics,
idempotency and access rules (issue #4)."""

import re

from booking_fixtures import (ALL_DAY, book, book_body, clock_server, close_servers, host, meeting_type,
                              slots)
from harness import RFC3339_UTC_RE, UUID_RE, assert_error, new_user

BOOKING_FIELDS = {"id", "meeting_type_id", "host_user_id", "invitee_name", "invitee_email",
                  "invitee_timezone", "start_time", "end_time", "status", "notes", "answers",
                  "cancellation_reason", "version", "created_at", "updated_at"}


def teardown_module():
    close_servers()


def setup_host(**mt_fields):
    s = clock_server()
    h = host(s)
    return s, h, meeting_type(s, h, **mt_fields)


def test_create_answers_booking_with_manage_token():
    s, h, mt = setup_host()
    r = book(s, mt["id"], "2027-03-16T09:00:00-04:00", email="Guest@Example.com",
             notes="Agenda: a, b; c")
    assert r.status == 201, r
    b = r.body
    assert set(b) == BOOKING_FIELDS | {"manage_token"}, sorted(b)
    assert UUID_RE.match(b["id"])
    assert b["start_time"] == "2027-03-16T13:00:00Z" and b["end_time"] == "2027-03-16T13:30:00Z"
    assert b["status"] == "confirmed" and b["version"] == 1
    assert b["host_user_id"] == h.id and b["meeting_type_id"] == mt["id"]
    assert b["invitee_email"] == "guest@example.com"
    assert b["cancellation_reason"] is None and b["answers"] == {}
    assert len(b["manage_token"]) >= 43
    assert RFC3339_UTC_RE.match(b["created_at"])
    got = s.get("/api/bookings/%s?token=%s" % (b["id"], b["manage_token"]))
    assert got.status == 200 and "manage_token" not in got.body
    assert got.body["start_time"] == b["start_time"]
    assert b["manage_token"] not in s.log_text()


def test_only_offered_starts_can_be_booked():
    s, h, mt = setup_host()
    for start in ("2027-03-16T13:10:00Z",    # off the grid
                  "2027-03-16T12:00:00Z",    # before working hours
                  "2027-03-16T20:45:00Z",    # would end after 17:00 local
                  "2027-03-13T14:00:00Z",    # Saturday
                  "2026-12-01T14:00:00Z",    # in the past (now is 2027-03-01)
                  "2029-03-16T14:00:00Z"):   # beyond the 730-day window
        assert_error(book(s, mt["id"], start), 409, "slot_unavailable")
    assert book(s, mt["id"], "2027-03-16T13:00:00Z").status == 201
    assert_error(book(s, mt["id"], "2027-03-16T13:00:00Z"), 409, "slot_unavailable")


def test_neighbours_buffers_decide_a_booking():
    # The check before a booking reads only the bookings whose occupied time
    # meets the new one's (unless a daily limit counts the whole day):
    # buffers on either side must still count.
    s = clock_server()
    h = host(s)
    a = meeting_type(s, h, duration_minutes=30, buffer_before_minutes=10,
                     buffer_after_minutes=15)
    b = meeting_type(s, h, duration_minutes=60, slot_interval_minutes=15)
    c = meeting_type(s, h, duration_minutes=15, buffer_before_minutes=20)
    assert book(s, a["id"], "2027-03-16T14:00:00Z").status == 201  # holds 13:50-14:45
    assert_error(book(s, b["id"], "2027-03-16T13:00:00Z"), 409, "slot_unavailable")
    assert_error(book(s, b["id"], "2027-03-16T14:30:00Z"), 409, "slot_unavailable")
    assert book(s, b["id"], "2027-03-16T14:45:00Z").status == 201  # holds 14:45-15:45
    assert_error(book(s, c["id"], "2027-03-16T16:00:00Z"), 409, "slot_unavailable")
    assert book(s, c["id"], "2027-03-16T16:15:00Z").status == 201


def test_a_longer_seat_of_an_earlier_group_slot_still_counts():
    # The check reads a host's holds from the last one outside a group slot
    # that starts before the new booking. Seats of one group slot may hold
    # different ranges (the type's buffers changed between them); the seat
    # that starts first and ends last must still count.
    s = clock_server()
    h = host(s, rules=ALL_DAY, tz="UTC")
    g = meeting_type(s, h, kind="group", seats=3, duration_minutes=60)
    one = meeting_type(s, h, duration_minutes=30)
    assert book(s, one["id"], "2027-03-17T08:00:00Z").status == 201      # holds 08:00-08:30
    assert book(s, g["id"], "2027-03-17T10:00:00Z").status == 201        # holds 10:00-11:00
    r = s.patch("/api/meeting-types/" + g["id"], json={"buffer_before_minutes": 30,
                                                        "buffer_after_minutes": 60}, token=h.token)
    assert r.status == 200, r
    assert book(s, g["id"], "2027-03-17T10:00:00Z").status == 201        # holds 09:30-12:00
    for start in ("2027-03-17T09:30:00Z", "2027-03-17T11:00:00Z", "2027-03-17T11:30:00Z"):
        assert_error(book(s, one["id"], start), 409, "slot_unavailable")
    offered = [x["start"] for x in slots(s, one["id"], date="2027-03-17", tz="UTC")]
    assert "2027-03-17T11:30:00Z" not in offered and "2027-03-17T09:00:00Z" in offered
    assert book(s, one["id"], "2027-03-17T12:00:00Z").status == 201


def test_daily_limit_counts_the_whole_host_day():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h, max_bookings_per_day=2)
    assert book(s, mt["id"], "2027-03-16T13:00:00Z").status == 201  # 09:00 New York
    assert book(s, mt["id"], "2027-03-16T20:00:00Z", email="b@example.com").status == 201
    # 16:30 New York, far from both: refused for the day's count alone.
    assert_error(book(s, mt["id"], "2027-03-16T20:30:00Z", email="c@example.com"), 409,
                 "slot_unavailable")
    assert book(s, mt["id"], "2027-03-17T13:00:00Z", email="c@example.com").status == 201


def test_validation():
    s, h, mt = setup_host(questions=[
        {"id": "topic", "label": "Topic", "type": "select", "options": ["A", "B"], "required": True},
        {"id": "why", "label": "Why", "type": "textarea"},
        {"id": "ok", "label": "Agree", "type": "checkbox", "required": True}])
    start = "2027-03-16T13:00:00Z"
    good = {"topic": "A", "ok": True}
    cases = [
        (dict(answers=good, invitee_timezone="Mars/Base"), 422, "invalid_time_zone", "invitee_timezone"),
        (dict(answers=good, email="not-an-email"), 422, "validation_failed", "invitee_email"),
        (dict(answers={"ok": True}), 422, "validation_failed", "answers.topic"),
        (dict(answers={"topic": "C", "ok": True}), 422, "validation_failed", "answers.topic"),
        (dict(answers={"topic": "A", "ok": False}), 422, "validation_failed", "answers.ok"),
        (dict(answers={"topic": "A", "ok": True, "zzz": "x"}), 422, "validation_failed", "answers.zzz"),
        (dict(answers=["A"]), 422, "validation_failed", "answers"),
        (dict(answers=good, notes="x" * 5001), 422, "validation_failed", "notes"),
        (dict(answers=good, invitee_name=""), 422, "validation_failed", "invitee_name"),
        (dict(answers=good, invitee_name="Eve\r\nBcc: x@y.z"), 422, "validation_failed", "invitee_name"),
    ]
    for extra, status, code, field in cases:
        r = book(s, mt["id"], start, **extra)
        assert_error(r, status, code, field)
    body = book_body(mt["id"], start, answers=good)
    del body["invitee_email"]
    assert_error(s.post("/api/bookings", json=body), 422, "validation_failed", "invitee_email")
    body = book_body(mt["id"], "next tuesday", answers=good)
    assert_error(s.post("/api/bookings", json=body), 422, "validation_failed", "start_time")
    assert_error(book(s, "00000000-0000-4000-8000-000000000000", start), 404, "not_found")
    r = book(s, mt["id"], start, answers={"topic": "B", "ok": True, "why": "because"})
    assert r.status == 201 and r.body["answers"] == {"topic": "B", "ok": True, "why": "because"}


def test_repeat_without_key_answers_the_standing_booking():
    s, h, mt = setup_host()
    first = book(s, mt["id"], "2027-03-16T14:00:00Z", email="same@example.com")
    assert first.status == 201
    again = book(s, mt["id"], "2027-03-16T14:00:00Z", email="SAME@example.com")
    assert again.status == 200, again
    assert again.body["id"] == first.body["id"] and "manage_token" not in again.body


def test_idempotency_key():
    s, h, mt = setup_host()
    body = book_body(mt["id"], "2027-03-16T15:00:00Z")
    first = s.post("/api/bookings", json=body, headers={"Idempotency-Key": "key-1"})
    assert first.status == 201
    replay = s.post("/api/bookings", json=body, headers={"Idempotency-Key": "key-1"})
    assert replay.status == 201 and replay.body == first.body
    assert replay.headers.get("Idempotent-Replayed") == "true"
    other = dict(body, start_time="2027-03-16T15:30:00Z")
    assert_error(s.post("/api/bookings", json=other, headers={"Idempotency-Key": "key-1"}), 422,
                 "idempotency_key_reused")
    alt = s.post("/api/bookings", json=body, headers={"X-Idempotency-Key": "key-1"})
    assert alt.status == 201 and alt.headers.get("Idempotent-Replayed") == "true"
    # A 4xx answer is replayed too; a different key books anew.
    taken = s.post("/api/bookings", json=dict(body, invitee_email="z@example.com"),
                   headers={"Idempotency-Key": "key-2"})
    assert_error(taken, 409, "slot_unavailable")
    again = s.post("/api/bookings", json=dict(body, invitee_email="z@example.com"),
                   headers={"Idempotency-Key": "key-2"})
    assert again.status == 409 and again.headers.get("Idempotent-Replayed") == "true"
    assert_error(s.post("/api/bookings", json=body, headers={"Idempotency-Key": "x" * 256}), 400,
                 "invalid_parameter")
    # Stored answers are sealed: the manage token is not in the database file in clear.
    import glob
    for f in glob.glob(s.data_dir + "/calendula.db*"):
        assert first.body["manage_token"].encode() not in open(f, "rb").read(), f


def test_access_rules():
    s, h, mt = setup_host()
    b = book(s, mt["id"], "2027-03-17T13:00:00Z").body
    stranger = new_user(s)
    path = "/api/bookings/" + b["id"]
    assert s.get(path, token=h.token).status == 200
    assert s.get(path + "?token=" + b["manage_token"]).status == 200
    for r in (s.get(path), s.get(path + "?token=wrong"), s.get(path, token=stranger.token),
              s.get(path + "?token=" + b["manage_token"][:-1]
                    + ("B" if b["manage_token"][-1] == "A" else "A")),
              s.delete(path, token=stranger.token),
              s.put(path + "/reschedule", json={"start_time": "2027-03-17T14:00:00Z"},
                    token=stranger.token),
              s.get("/api/bookings/not-a-uuid?token=" + b["manage_token"]),
              s.get(path + "/ics")):
        assert_error(r, 404, "not_found")
    assert s.get(path, token=h.token).body["status"] == "confirmed"
    other = book(s, mt["id"], "2027-03-17T13:30:00Z").body
    # One booking's token opens no other booking.
    assert_error(s.get("/api/bookings/%s?token=%s" % (other["id"], b["manage_token"])), 404)


def test_reschedule():
    s, h, mt = setup_host()
    b = book(s, mt["id"], "2027-03-18T13:00:00Z").body
    path = "/api/bookings/%s/reschedule?token=%s" % (b["id"], b["manage_token"])
    r = s.put(path, json={"start_time": "2027-03-18T15:00:00Z", "reason": "clash", "version": 1})
    assert r.status == 200, r
    assert r.body["id"] == b["id"] and r.body["version"] == 2
    assert r.body["start_time"] == "2027-03-18T15:00:00Z" and r.body["end_time"] == "2027-03-18T15:30:00Z"
    starts = {x["start"] for x in slots(s, mt["id"], "2027-03-18")}
    assert "2027-03-18T13:00:00Z" in starts and "2027-03-18T15:00:00Z" not in starts
    assert_error(s.put(path, json={"start_time": "2027-03-18T16:00:00Z", "version": 1}), 409,
                 "version_conflict")
    # Moving by a quarter hour overlapping its own old time is fine.
    q = meeting_type(s, h, duration_minutes=60, slot_interval_minutes=15)
    qb = book(s, q["id"], "2027-03-19T13:00:00Z").body
    qpath = "/api/bookings/%s/reschedule?token=%s" % (qb["id"], qb["manage_token"])
    assert s.put(qpath, json={"start_time": "2027-03-19T13:15:00Z"}).status == 200
    other = book(s, mt["id"], "2027-03-18T16:00:00Z").body
    assert_error(s.put(path, json={"start_time": other["start_time"]}), 409, "slot_unavailable")
    assert_error(s.put(path, json={"start_time": "2027-03-18T15:10:00Z"}), 409, "slot_unavailable")
    assert_error(s.put(path, json={}), 422, "validation_failed", "start_time")
    # The host can move it too.
    r = s.put("/api/bookings/%s/reschedule" % b["id"], json={"start_time": "2027-03-18T17:00:00Z"},
              token=h.token)
    assert r.status == 200 and r.body["version"] == 3
    assert s.delete("/api/bookings/%s?token=%s" % (b["id"], b["manage_token"])).status == 200
    assert_error(s.put(path, json={"start_time": "2027-03-18T19:00:00Z"}), 409, "booking_cancelled")


def test_cancel_frees_the_slot_and_repeats_the_same():
    s, h, mt = setup_host()
    b = book(s, mt["id"], "2027-03-22T13:00:00Z").body
    assert "2027-03-22T13:00:00Z" not in {x["start"] for x in slots(s, mt["id"], "2027-03-22")}
    r = s.delete("/api/bookings/%s?token=%s&reason=sick" % (b["id"], b["manage_token"]))
    assert r.status == 200 and r.body["status"] == "cancelled"
    assert r.body["cancellation_reason"] == "sick" and r.body["version"] == 2
    again = s.delete("/api/bookings/%s?token=%s&reason=other" % (b["id"], b["manage_token"]))
    assert again.status == 200 and again.body == r.body
    assert "2027-03-22T13:00:00Z" in {x["start"] for x in slots(s, mt["id"], "2027-03-22")}
    assert book(s, mt["id"], "2027-03-22T13:00:00Z").status == 201
    # Host cancels with a JSON body.
    b2 = book(s, mt["id"], "2027-03-22T14:00:00Z").body
    r2 = s.request("DELETE", "/api/bookings/" + b2["id"], json={"reason": "host away"},
                   token=h.token)
    assert r2.status == 200 and r2.body["cancellation_reason"] == "host away"


def test_host_list_filters_and_pages():
    s, h, mt = setup_host()
    made = [book(s, mt["id"], "2027-03-23T%02d:00:00Z" % hr).body for hr in (13, 14, 15, 16, 17)]
    s.delete("/api/bookings/%s?token=%s" % (made[1]["id"], made[1]["manage_token"]))
    base = "/api/users/%s/bookings" % h.id
    r = s.get(base, token=h.token)
    assert r.status == 200 and [x["id"] for x in r.body["data"]] == [m["id"] for m in made]
    assert r.body["next_cursor"] is None
    conf = s.get(base + "?status=confirmed", token=h.token).body["data"]
    assert len(conf) == 4 and all(x["status"] == "confirmed" for x in conf)
    win = s.get(base + "?from=2027-03-23T14:00:00Z&to=2027-03-23T16:00:00Z", token=h.token)
    assert [x["start_time"] for x in win.body["data"]] == ["2027-03-23T14:00:00Z",
                                                            "2027-03-23T15:00:00Z"]
    seen, cursor = [], None
    while True:
        page = s.get(base + "?limit=2" + ("&cursor=" + cursor if cursor else ""), token=h.token).body
        assert len(page["data"]) <= 2
        seen += [x["id"] for x in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [m["id"] for m in made]
    other = new_user(s)
    assert_error(s.get(base, token=other.token), 403, "forbidden")
    assert_error(s.get(base), 401, "unauthenticated")
    assert_error(s.get(base + "?limit=0", token=h.token), 400, "invalid_parameter")
    assert_error(s.get(base + "?status=maybe", token=h.token), 400, "invalid_parameter")
    assert_error(s.get(base + "?cursor=garbage", token=h.token), 400, "invalid_parameter")


def test_ics_download():
    s, h, mt = setup_host(name="Intro, call; with \\ escapes")
    b = book(s, mt["id"], "2027-03-24T13:00:00Z", notes="Line one\nline, two").body
    r = s.get("/api/bookings/%s/ics?token=%s" % (b["id"], b["manage_token"]))
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/calendar")
    text = r.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "END:VCALENDAR" in text
    unfolded = text.replace("\r\n ", "")
    assert "DTSTART:20270324T130000Z" in unfolded and "DTEND:20270324T133000Z" in unfolded
    assert "UID:%s@calendula" % b["id"] in unfolded
    assert "SEQUENCE:0" in unfolded
    assert "Intro\\, call\\; with \\\\ escapes" in unfolded
    assert "DESCRIPTION:Line one\\nline\\, two" in unfolded
    s.put("/api/bookings/%s/reschedule?token=%s" % (b["id"], b["manage_token"]),
          json={"start_time": "2027-03-24T14:00:00Z"})
    moved = s.get("/api/bookings/%s/ics" % b["id"], token=h.token).text.replace("\r\n ", "")
    assert "SEQUENCE:1" in moved and "UID:%s@calendula" % b["id"] in moved
    assert re.search(r"DTSTART:20270324T140000Z", moved)
