"""Concurrency and crash safety of bookings against the real binary
(issue #4): hot-slot races, overlapping lengths, two server processes on one
store, concurrent idempotent duplicates, reschedule/cancel races, kill -9."""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from booking_fixtures import (ALL_DAY, NOW, book, book_body, close_servers, host, meeting_type,
                              overlaps)
from harness import Server, http_request, new_user


def teardown_module():
    close_servers()


def race(fns, workers=None):
    """Runs the callables at (nearly) the same moment; returns their results."""
    barrier = threading.Barrier(len(fns))

    def go(fn):
        barrier.wait()
        return fn()
    with ThreadPoolExecutor(max_workers=workers or len(fns)) as pool:
        return list(pool.map(go, fns))


def post_booking(server, body, headers=None):
    return lambda: http_request(server.host, server.port, "POST", "/api/bookings",
                                json_body=body, headers=headers, timeout=60)


def confirmed(server, acc):
    r = server.get("/api/users/%s/bookings?status=confirmed&limit=200" % acc.id, token=acc.token)
    assert r.status == 200, r
    out, page = list(r.body["data"]), r.body
    while page["next_cursor"]:
        page = server.get("/api/users/%s/bookings?status=confirmed&limit=200&cursor=%s"
                          % (acc.id, page["next_cursor"]), token=acc.token).body
        out += page["data"]
    return out


def assert_no_overlap(bookings):
    spans = sorted((b["start_time"], b["end_time"], b["id"]) for b in bookings)
    for (s1, e1, i1), (s2, e2, i2) in zip(spans, spans[1:]):
        assert not overlaps(s1, e1, s2, e2), "overlapping bookings %s and %s" % (i1, i2)


def clock_args():
    return ["--fake-now", NOW]


def test_hot_slot_64_clients_one_winner_per_round():
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h, duration_minutes=30)
        for rnd in range(8):
            start = "2027-03-%02dT%02d:00:00Z" % (2 + rnd, 9 + rnd)
            res = race([post_booking(s, book_body(mt["id"], start)) for _ in range(64)])
            codes = sorted(r.status for r in res)
            assert codes.count(201) == 1, codes
            assert codes.count(409) == 63, codes
            assert all(r.error_code == "slot_unavailable" for r in res if r.status == 409)
        got = confirmed(s, h)
        assert len(got) == 8
        assert_no_overlap(got)


def test_overlapping_lengths_never_overlap():
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        types = [meeting_type(s, h, duration_minutes=d, slot_interval_minutes=15,
                              buffer_after_minutes=b)
                 for d, b in ((60, 0), (45, 15), (30, 0), (90, 10))]
        rng = random.Random(7)
        for rnd in range(10):
            day = "2027-03-%02d" % (2 + rnd)
            fns = []
            for _ in range(24):
                mt = rng.choice(types)
                minute = rng.choice((0, 15, 30, 45, 60, 75, 90, 105))
                start = "%sT%02d:%02d:00Z" % (day, 10 + minute // 60, minute % 60)
                fns.append(post_booking(s, book_body(mt["id"], start)))
            res = race(fns)
            assert all(r.status in (201, 409) for r in res), [r for r in res if r.status not in (201, 409)]
            assert any(r.status == 201 for r in res)
        got = confirmed(s, h)
        # Occupied ranges include each type's buffers: compare widened ranges.
        after = {t["id"]: t["buffer_after_minutes"] * 60 for t in types}
        import datetime as dt

        def ts(v):
            return dt.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").timestamp()
        spans = sorted((ts(b["start_time"]), ts(b["end_time"]) + after[b["meeting_type_id"]], b["id"])
                       for b in got)
        for (s1, e1, i1), (s2, e2, i2) in zip(spans, spans[1:]):
            assert not overlaps(s1, e1, s2, e2), "overlap: %s %s" % (i1, i2)


def second_server(first):
    """Another process on the same store (same data dir / database, same secret key)."""
    args = clock_args()
    if first.pg:
        args += ["--database-url", first.pg.url]
    key = open(first.data_dir + "/secret.key").read().strip()
    return Server(args=args, data_dir=first.data_dir if not first.pg else None,
                  env={"CALENDULA_SECRET_KEY": key})


def test_two_processes_share_the_guarantee():
    with Server(args=clock_args()) as a:
        h = host(a, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(a, h, duration_minutes=30)
        mt60 = meeting_type(a, h, duration_minutes=60, slot_interval_minutes=15)
        with second_server(a) as b:
            for rnd in range(6):
                start = "2027-03-%02dT08:00:00Z" % (2 + rnd)
                later = "2027-03-%02dT08:15:00Z" % (2 + rnd)
                fns = []
                for i in range(32):
                    srv = (a, b)[i % 2]
                    if i % 4 == 3:
                        fns.append(post_booking(srv, book_body(mt60["id"], later)))
                    else:
                        fns.append(post_booking(srv, book_body(mt["id"], start)))
                res = race(fns)
                assert all(r.status in (201, 409) for r in res), \
                    [r for r in res if r.status not in (201, 409)]
                assert sum(r.status == 201 for r in res) == 1, sorted(r.status for r in res)
            got_a, got_b = confirmed(a, h), confirmed(b, h)
            assert len(got_a) == 6 and got_a == got_b
            assert_no_overlap(got_a)
            # Idempotent replays work across the processes too.
            body = book_body(mt["id"], "2027-03-20T12:00:00Z")
            r1 = a.post("/api/bookings", json=body, headers={"Idempotency-Key": "cross"})
            r2 = b.post("/api/bookings", json=body, headers={"Idempotency-Key": "cross"})
            assert r1.status == 201 and r2.status == 201 and r2.body == r1.body
            assert r2.headers.get("Idempotent-Replayed") == "true"


def test_concurrent_duplicates_with_one_key():
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h)
        for rnd in range(5):
            body = book_body(mt["id"], "2027-03-%02dT10:00:00Z" % (2 + rnd))
            key = {"Idempotency-Key": "dup-%d" % rnd}
            res = race([post_booking(s, body, key) for _ in range(16)])
            ok = [r for r in res if r.status == 201]
            assert ok, sorted(r.status for r in res)
            assert all(r.body == ok[0].body for r in ok)
            assert all(r.status == 201 or (r.status == 409 and r.error_code == "idempotency_in_flight")
                       for r in res), [r for r in res if r.status != 201]
            final = s.post("/api/bookings", json=body, headers=key)
            assert final.status == 201 and final.body == ok[0].body
        assert len(confirmed(s, h)) == 5


def test_daily_limit_holds_under_a_burst():
    """Sixteen clients book sixteen free, far-apart times of one day at once;
    the type allows two a day. The database's overlap guard cannot see a
    daily count: only the writers of a type running one at a time can."""
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h, duration_minutes=30, max_bookings_per_day=2)
        for rnd in range(4):
            day = "2027-03-%02d" % (2 + rnd)
            res = race([post_booking(s, book_body(mt["id"], "%sT%02d:00:00Z" % (day, 4 + i)))
                        for i in range(16)])
            codes = sorted(r.status for r in res)
            assert codes.count(201) == 2, codes
            assert all(r.status == 201 or (r.status == 409 and r.error_code == "slot_unavailable")
                       for r in res), codes
        assert len(confirmed(s, h)) == 8


def test_the_same_booking_sent_at_once_is_made_once():
    """Without an idempotency key, the same invitee's booking of the same
    time, sent sixteen times at once: one is made (201), every other answer
    is that booking (200), never a conflict with itself."""
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h)
        for rnd in range(4):
            body = book_body(mt["id"], "2027-03-%02dT10:00:00Z" % (2 + rnd))
            res = race([post_booking(s, body) for _ in range(16)])
            codes = sorted(r.status for r in res)
            assert codes == [200] * 15 + [201], codes
            assert len({r.body["id"] for r in res}) == 1
        assert len(confirmed(s, h)) == 4


def test_reschedule_and_cancel_races():
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h)
        for rnd in range(6):
            day = "2027-03-%02d" % (2 + rnd)
            x = book(s, mt["id"], day + "T09:00:00Z").body
            y = book(s, mt["id"], day + "T10:00:00Z").body
            target = {"start_time": day + "T12:00:00Z"}

            def move(b):
                return lambda: http_request(s.host, s.port, "PUT", "/api/bookings/%s/reschedule?token=%s"
                                            % (b["id"], b["manage_token"]), json_body=target)
            res = race([move(x), move(y)])
            assert sorted(r.status for r in res) == [200, 409], res
            # cancel vs reschedule of one booking: both may succeed in either order,
            # but the end state is consistent.
            z = book(s, mt["id"], day + "T14:00:00Z").body
            zpath = "/api/bookings/%s?token=%s" % (z["id"], z["manage_token"])
            res = race([lambda: http_request(s.host, s.port, "DELETE", zpath),
                        lambda: http_request(s.host, s.port, "PUT", "/api/bookings/%s/reschedule?token=%s"
                                             % (z["id"], z["manage_token"]),
                                             json_body={"start_time": day + "T15:00:00Z"})])
            assert res[0].status == 200
            final = s.get(zpath).body
            assert final["status"] == "cancelled"
            assert res[1].status in (200, 409)
            assert final["version"] == (3 if res[1].status == 200 else 2)
            starts = {b["start_time"] for b in confirmed(s, h)}
            assert day + "T15:00:00Z" not in starts and day + "T14:00:00Z" not in starts
        assert_no_overlap(confirmed(s, h))


def test_kill_9_loses_no_acknowledged_booking():
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h, duration_minutes=15)
        acked = {}
        lock = threading.Lock()
        counter = [0]
        stop = threading.Event()

        def client():
            while not stop.is_set():
                with lock:
                    n = counter[0]
                    counter[0] += 1
                start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1804032000 + n * 900))
                try:
                    r = http_request(s.host, s.port, "POST", "/api/bookings",
                                     json_body=book_body(mt["id"], start), timeout=10)
                except OSError:
                    time.sleep(0.02)
                    continue
                if r.status == 201:
                    with lock:
                        acked[r.body["id"]] = r.body
        threads = [threading.Thread(target=client) for _ in range(6)]
        for t in threads:
            t.start()
        rng = random.Random(11)
        try:
            for _ in range(8):
                time.sleep(rng.uniform(0.15, 0.6))
                s.kill()
                time.sleep(0.05)
                s.start()
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert len(acked) > 20, len(acked)
        got = {b["id"]: b for b in confirmed(s, h)}
        for bid, b in acked.items():
            assert bid in got, "acknowledged booking %s lost" % bid
            assert got[bid]["start_time"] == b["start_time"]
        starts = [b["start_time"] for b in got.values()]
        assert len(starts) == len(set(starts)), "duplicate bookings after crashes"
        assert_no_overlap(list(got.values()))


def test_other_users_cannot_touch_bookings_under_load():
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h)
        b = book(s, mt["id"], "2027-03-03T10:00:00Z").body
        mallory = new_user(s)
        fns = []
        for i in range(20):
            fns.append(lambda: http_request(s.host, s.port, "DELETE", "/api/bookings/" + b["id"],
                                            token=mallory.token))
            fns.append(lambda: http_request(s.host, s.port, "PUT",
                                            "/api/bookings/%s/reschedule?token=%s" % (b["id"], "x" * 43),
                                            json_body={"start_time": "2027-03-03T11:00:00Z"}))
        assert all(r.status == 404 for r in race(fns))
        assert s.get("/api/bookings/" + b["id"], token=h.token).body["version"] == 1


def test_the_database_alone_refuses_overlaps():
    """With the application's check bypassed (a direct SQL insert), the
    store still refuses an overlapping hold of the same host."""
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h, duration_minutes=60)
        b = book(s, mt["id"], "2027-03-03T10:00:00Z").body
        if s.pg:
            import subprocess
            sql = ("INSERT INTO bookings (id, meeting_type_id, host_user_id, invitee_name,"
                   " invitee_email, invitee_timezone, start_time, end_time, manage_token_hash)"
                   " VALUES ('%s', '%s', '%s', 'x', 'x@example.com', 'UTC',"
                   " '2027-03-03T10:30:00Z', '2027-03-03T11:30:00Z', 'h');"
                   "INSERT INTO booking_hosts (booking_id, host_user_id, meeting_type_id,"
                   " start_time, end_time, busy_start, busy_end) VALUES ('%s', '%s', '%s',"
                   " '2027-03-03T10:30:00Z', '2027-03-03T11:30:00Z', '2027-03-03T10:30:00Z',"
                   " '2027-03-03T11:30:00Z')") % (
                       "11111111-1111-4111-8111-111111111111", mt["id"], h.id,
                       "11111111-1111-4111-8111-111111111111", h.id, mt["id"])
            p = subprocess.run(["psql", s.pg.url, "-v", "ON_ERROR_STOP=1", "-c",
                                "BEGIN;" + sql + ";COMMIT;"], capture_output=True, text=True)
            assert p.returncode != 0 and "23P01" in p.stderr + p.stdout or "exclu" in p.stderr, p.stderr
            return
        import calendar
        import sqlite3

        def t(hhmm):
            return calendar.timegm(time.strptime("2027-03-03T%s:00Z" % hhmm, "%Y-%m-%dT%H:%M:%SZ"))
        db = sqlite3.connect(s.data_dir + "/calendula.db", timeout=10)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("INSERT INTO bookings (id, meeting_type_id, host_user_id, invitee_name,"
                       " invitee_email, invitee_timezone, start_time, end_time, manage_token_hash,"
                       " created_at, updated_at) VALUES (?, ?, ?, 'x', 'x@example.com', 'UTC',"
                       " ?, ?, 'h', 0, 0)",
                       ("11111111-1111-4111-8111-111111111111", mt["id"], h.id, t("10:30"),
                        t("11:30")))
            for start, end in ((t("10:30"), t("11:30")),   # overlaps the booking's 10:00-11:00
                               (t("09:30"), t("10:10")),
                               (t("10:00"), t("11:00")),   # exactly the same range
                               (t("09:00"), t("12:00"))):  # around it
                try:
                    db.execute("INSERT INTO booking_hosts (booking_id, host_user_id,"
                               " meeting_type_id, start_time, end_time, busy_start, busy_end)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)",
                               ("11111111-1111-4111-8111-111111111111", h.id, mt["id"],
                                start, end, start, end))
                except sqlite3.IntegrityError as e:
                    assert "booking_hosts_overlap" in str(e), e
                else:
                    raise AssertionError("overlapping hold %s-%s accepted" % (start, end))
            # Touching ranges are fine: 11:00-12:00 right after 10:00-11:00.
            db.execute("INSERT INTO booking_hosts (booking_id, host_user_id, meeting_type_id,"
                       " start_time, end_time, busy_start, busy_end) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       ("11111111-1111-4111-8111-111111111111", h.id, mt["id"],
                        t("11:00"), t("12:00"), t("11:00"), t("12:00")))
            db.rollback()
        finally:
            db.close()
        assert b["start_time"] == "2027-03-03T10:00:00Z"
