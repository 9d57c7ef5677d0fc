"""GET /api/availability/slots through HTTP: time zones, DST, rules,
overrides, buffers, limits (issue #3)."""

from booking_fixtures import (ALL_DAY, book, clock_server, close_servers, host, meeting_type,
                              slots)
from harness import assert_error


def teardown_module():
    close_servers()


def test_new_york_weekdays_utc_instants():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h, duration_minutes=30)
    fri = slots(s, mt["id"], "2027-03-12")
    assert len(fri) == 16, fri
    assert fri[0]["start"] == "2027-03-12T14:00:00Z"       # EST, UTC-5
    assert fri[0]["local_start"] == "2027-03-12T09:00:00-05:00"
    assert fri[-1]["start"] == "2027-03-12T21:30:00Z"
    mon = slots(s, mt["id"], "2027-03-15")
    assert len(mon) == 16
    assert mon[0]["start"] == "2027-03-15T13:00:00Z"       # EDT after 03-14, UTC-4
    assert mon[0]["end"] == "2027-03-15T13:30:00Z"
    assert slots(s, mt["id"], "2027-03-13") == []          # Saturday
    starts = [x["start"] for x in slots(s, mt["id"], start="2027-03-08", end="2027-03-19")]
    assert starts == sorted(starts) and len(starts) == len(set(starts)) == 16 * 10


def test_viewer_zones_and_offsets():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h)
    kol = slots(s, mt["id"], "2027-03-15", tz="Asia/Kolkata")
    # Monday 09:00 EDT = 18:30 IST; the evening of the 15th holds 11 starts.
    assert kol[0]["local_start"] == "2027-03-15T18:30:00+05:30", kol[0]
    assert len(kol) == 11
    ktm = slots(s, mt["id"], "2027-03-15", tz="Asia/Kathmandu")
    assert ktm[0]["local_start"] == "2027-03-15T18:45:00+05:45"
    lhi = slots(s, mt["id"], "2027-03-16", tz="Australia/Lord_Howe")
    # 13:00Z = 00:00 +11:00 on the 16th (Lord Howe on its half-hour-DST summer time).
    assert all(x["local_start"].endswith("+11:00") for x in lhi), lhi
    assert lhi[0]["local_start"] == "2027-03-16T00:00:00+11:00"
    lhi_winter = slots(s, mt["id"], "2027-07-13", tz="Australia/Lord_Howe")
    assert lhi_winter and all(x["local_start"].endswith("+10:30") for x in lhi_winter)


def test_london_around_both_changes():
    s = clock_server()
    h = host(s, tz="Europe/London")
    mt = meeting_type(s, h)
    assert slots(s, mt["id"], "2027-03-26")[0]["start"] == "2027-03-26T09:00:00Z"   # GMT
    assert slots(s, mt["id"], "2027-03-29")[0]["start"] == "2027-03-29T08:00:00Z"   # BST
    assert slots(s, mt["id"], "2027-10-29")[0]["start"] == "2027-10-29T08:00:00Z"   # BST
    assert slots(s, mt["id"], "2027-11-01")[0]["start"] == "2027-11-01T09:00:00Z"   # GMT
    assert slots(s, mt["id"], "2027-03-29")[0]["local_start"] == "2027-03-29T09:00:00+01:00"


def test_skipped_hour_offers_nothing():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h)
    r = s.put("/api/availability/overrides/2027-03-14",
              json={"intervals": [{"start_time": "02:00", "end_time": "03:00"}]}, token=h.token)
    assert r.status == 200, r
    assert slots(s, mt["id"], "2027-03-14") == []


def test_zones_changed_after_2022():
    s = clock_server()
    for tz, want in (("America/Mexico_City", "2027-07-12T15:00:00Z"),
                     ("Africa/Cairo", "2027-07-12T06:00:00Z"),
                     ("Asia/Almaty", "2027-07-12T04:00:00Z")):
        h = host(s, tz=tz)
        mt = meeting_type(s, h)
        got = slots(s, mt["id"], "2027-07-12")
        assert got and got[0]["start"] == want, (tz, got[:1])


def test_overrides_close_and_open():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h)
    assert s.put("/api/availability/overrides/2027-03-17", json={"intervals": []},
                 token=h.token).status == 200
    assert slots(s, mt["id"], "2027-03-17") == []
    r = s.put("/api/availability/overrides/2027-03-20",
              json={"intervals": [{"start_time": "10:00", "end_time": "11:00"}]}, token=h.token)
    assert r.status == 200
    sat = slots(s, mt["id"], "2027-03-20")
    assert [x["start"] for x in sat] == ["2027-03-20T14:00:00Z", "2027-03-20T14:30:00Z"]
    assert s.delete("/api/availability/overrides/2027-03-17", token=h.token).status == 204
    assert len(slots(s, mt["id"], "2027-03-17")) == 16


def test_interval_and_buffers():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h, duration_minutes=30, slot_interval_minutes=15)
    day = slots(s, mt["id"], "2027-03-16")
    assert len(day) == 31 and day[1]["start"] == "2027-03-16T13:15:00Z"
    # A booking 10:00-10:30 EDT with a 15-minute buffer after it on another type...
    other = meeting_type(s, h, duration_minutes=30, buffer_after_minutes=15)
    r = book(s, other["id"], "2027-03-16T14:00:00Z")
    assert r.status == 201, r
    starts = {x["start"] for x in slots(s, mt["id"], "2027-03-16")}
    # ...blocks 09:45 (would end inside it) through 10:30 (inside its buffer);
    # 10:45 touches the buffer's end and is free; 09:30 ends as it starts.
    for blocked in ("13:45", "14:00", "14:15", "14:30"):
        assert "2027-03-16T%s:00Z" % blocked not in starts, blocked
    for free in ("13:30", "14:45"):
        assert "2027-03-16T%s:00Z" % free in starts, free
    # The asking type's own buffers widen the meeting too.
    padded = meeting_type(s, h, duration_minutes=30, buffer_before_minutes=30)
    pstarts = {x["start"] for x in slots(s, padded["id"], "2027-03-16")}
    # 15:00 widened by its 30-minute buffer is 14:30-15:30: it hits the hold 14:00-14:45.
    assert "2027-03-16T15:00:00Z" not in pstarts
    assert "2027-03-16T15:30:00Z" in pstarts          # 15:00-16:00 widened: free


def test_notice_window_and_daily_limit():
    s = clock_server()
    h = host(s, rules=ALL_DAY, tz="UTC")
    mt = meeting_type(s, h, duration_minutes=60, min_notice_minutes=90, booking_window_days=2)
    got = slots(s, mt["id"], start="2027-03-01", end="2027-03-04")
    assert got[0]["start"] == "2027-03-01T02:00:00Z"   # now + 90 min, on the hourly grid
    assert got[-1]["start"] == "2027-03-03T00:00:00Z"  # now + 2 days, inclusive
    lim = meeting_type(s, h, duration_minutes=60, max_bookings_per_day=2)
    assert book(s, lim["id"], "2027-03-05T09:00:00Z").status == 201
    assert len(slots(s, lim["id"], "2027-03-05")) == 24 - 1
    assert book(s, lim["id"], "2027-03-05T11:00:00Z").status == 201
    assert slots(s, lim["id"], "2027-03-05") == []
    r = book(s, lim["id"], "2027-03-05T13:00:00Z")
    assert_error(r, 409, "slot_unavailable")
    assert len(slots(s, lim["id"], "2027-03-06")) == 24


def test_group_seats_remaining():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h, kind="group", seats=3)
    start = "2027-03-16T14:00:00Z"
    first = {x["start"]: x for x in slots(s, mt["id"], "2027-03-16")}
    assert first[start]["seats_remaining"] == 3
    for left in (2, 1):
        assert book(s, mt["id"], start).status == 201
        now = {x["start"]: x for x in slots(s, mt["id"], "2027-03-16")}
        assert now[start]["seats_remaining"] == left
    assert book(s, mt["id"], start).status == 201
    assert start not in {x["start"] for x in slots(s, mt["id"], "2027-03-16")}
    assert_error(book(s, mt["id"], start), 409, "slot_unavailable")


def test_collective_and_round_robin():
    s = clock_server()
    ny = host(s)                                # 09-17 New York = 13-21Z (EDT)
    ldn = host(s, tz="Europe/London")           # 09-17 London = 09-17Z (GMT, late March: BST)
    coll = meeting_type(s, ny, kind="collective", host_ids=[ny.id, ldn.id])
    both = slots(s, coll["id"], "2027-03-16")
    # 13:00Z-17:00Z is common to both on 2027-03-16 (London still on GMT).
    assert [x["start"] for x in both][0] == "2027-03-16T13:00:00Z"
    assert [x["start"] for x in both][-1] == "2027-03-16T16:30:00Z"
    assert len(both) == 8
    rr = meeting_type(s, ny, kind="round_robin", host_ids=[ny.id, ldn.id])
    anyone = slots(s, rr["id"], "2027-03-16")
    assert anyone[0]["start"] == "2027-03-16T09:00:00Z" and anyone[-1]["start"] == "2027-03-16T20:30:00Z"
    assert len(anyone) == 24
    # A collective booking holds both hosts: each one's own type loses the slot.
    assert book(s, coll["id"], "2027-03-16T13:00:00Z").status == 201
    solo = meeting_type(s, ldn)
    assert "2027-03-16T13:00:00Z" not in {x["start"] for x in slots(s, solo["id"], "2027-03-16")}
    # Round robin still offers 13:00Z? No: both hosts are taken then.
    assert "2027-03-16T13:00:00Z" not in {x["start"] for x in slots(s, rr["id"], "2027-03-16")}


def test_errors():
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h)
    base = "/api/availability/slots?meeting_type_id=%s" % mt["id"]
    assert_error(s.get(base + "&start_date=2027-03-01&end_date=2027-05-02"), 422,
                 "validation_failed")
    assert s.get(base + "&start_date=2027-03-01&end_date=2027-05-01").status == 200  # 62 days
    assert_error(s.get(base + "&date=2027-03-15&timezone=Mars/Olympus"), 422, "invalid_time_zone")
    assert_error(s.get(base + "&date=2027-02-30"), 400, "invalid_parameter")
    assert_error(s.get(base), 400, "invalid_parameter")
    assert_error(s.get("/api/availability/slots?date=2027-03-15"), 400, "invalid_parameter")
    assert_error(s.get("/api/availability/slots?meeting_type_id=00000000-0000-4000-8000-000000000000"
                       "&date=2027-03-15"), 404, "not_found")
    assert_error(s.get("/api/availability/slots?meeting_type_id=nope&date=2027-03-15"), 404,
                 "not_found")
    assert s.patch("/api/meeting-types/" + mt["id"], json={"is_active": False},
                   token=h.token).status == 200
    assert_error(s.get(base + "&date=2027-03-15"), 404, "not_found")


def test_changes_show_immediately():
    """The slot cache never serves a stale answer after a change."""
    s = clock_server()
    h = host(s)
    mt = meeting_type(s, h)
    assert len(slots(s, mt["id"], "2027-03-16")) == 16
    assert s.post("/api/availability/rules", json={"rules": [
        {"day_of_week": 2, "start_time": "10:00", "end_time": "11:00"}]},
        token=h.token).status == 200
    assert len(slots(s, mt["id"], "2027-03-16")) == 2
    assert s.patch("/api/meeting-types/" + mt["id"], json={"duration_minutes": 60},
                   token=h.token).status == 200
    assert len(slots(s, mt["id"], "2027-03-16")) == 1
    r = book(s, mt["id"], "2027-03-16T14:00:00Z")
    assert r.status == 201
    assert slots(s, mt["id"], "2027-03-16") == []
    b = r.body
    assert s.delete("/api/bookings/%s?token=%s" % (b["id"], b["manage_token"])).status == 200
    assert len(slots(s, mt["id"], "2027-03-16")) == 1
