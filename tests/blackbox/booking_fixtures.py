"""Fixtures shared by the slot and booking suites: a server whose clock
starts at 2027-03-01T00:00:00Z, hosts with known schedules, bookings."""

import threading

from harness import Server, make_meeting_type, new_user, unique

NOW = "2027-03-01T00:00:00Z"
WEEKDAYS_9_17 = [{"day_of_week": d, "start_time": "09:00", "end_time": "17:00"}
                 for d in range(1, 6)]
ALL_DAY = [{"day_of_week": d, "start_time": "00:00", "end_time": "24:00"} for d in range(7)]

_servers = {}
_lock = threading.Lock()


def clock_server():
    """One server per module with the clock started at NOW."""
    with _lock:
        s = _servers.get("clock")
        if s is None or not s.alive():
            s = Server(args=["--fake-now", NOW])
            _servers["clock"] = s
        return s


def close_servers():
    with _lock:
        for s in _servers.values():
            s.close()
        _servers.clear()


def host(server, tz="America/New_York", rules=None):
    """A signed-in user whose weekly schedule is `rules` in zone `tz`."""
    acc = new_user(server, time_zone=tz)
    r = server.post("/api/availability/rules", json={"time_zone": tz,
                    "rules": rules if rules is not None else WEEKDAYS_9_17}, token=acc.token)
    assert r.status == 200, r
    return acc


def meeting_type(server, acc, **fields):
    fields.setdefault("booking_window_days", 730)
    return make_meeting_type(server, acc.token, **fields)


def slots(server, mt_id, date=None, tz=None, start=None, end=None):
    q = "/api/availability/slots?meeting_type_id=%s" % mt_id
    q += "&date=%s" % date if date else "&start_date=%s&end_date=%s" % (start, end)
    if tz:
        q += "&timezone=%s" % tz
    r = server.get(q)
    assert r.status == 200, r
    return r.body["slots"]


def book_body(mt_id, start, email=None, tz="Europe/Paris", **extra):
    body = {"meeting_type_id": mt_id, "start_time": start,
            "invitee_name": "Invitee " + unique("n"), "invitee_email": email or
            "%s@example.com" % unique("i"), "invitee_timezone": tz}
    body.update(extra)
    return body


def book(server, mt_id, start, headers=None, **kw):
    return server.post("/api/bookings", json=book_body(mt_id, start, **kw), headers=headers)


def overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end
