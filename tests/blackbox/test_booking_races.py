"""Concurrency and crash safety of bookings against the real binary
(issue #4): hot-slot races, overlapping lengths, two server processes on one
store, concurrent idempotent duplicates, reschedule/cancel races, kill -9."""

import calendar
import os
import random
import select
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from booking_fixtures import (ALL_DAY, NOW, book, book_body, close_servers, host, meeting_type,
                              overlaps)
from harness import Server, db_query, db_rows, http_request, new_user


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


def raw_booking_sql(booking_id, h, mt, booked, held, made):
    """SQL that writes a booking of host h's type mt and its hold of h
    straight into the database, around the application: booked and held
    are (start, end) and made the created/updated time, all as SQL
    literals of the store's time type."""
    return ("INSERT INTO bookings (id, meeting_type_id, host_user_id, invitee_name,"
            " invitee_email, invitee_timezone, start_time, end_time, manage_token_hash,"
            " created_at, updated_at) VALUES ('%s', '%s', '%s', 'x', 'x@example.com', 'UTC',"
            " %s, %s, 'h', %s, %s);"
            " INSERT INTO booking_hosts (booking_id, host_user_id, meeting_type_id, start_time,"
            " end_time, busy_start, busy_end) VALUES ('%s', '%s', '%s', %s, %s, %s, %s);") % (
                booking_id, mt["id"], h.id, booked[0], booked[1], made, made,
                booking_id, h.id, mt["id"], held[0], held[1], held[0], held[1])


def test_the_database_alone_refuses_overlaps():
    """With the application's check bypassed (SQL written straight into the
    server's database), the store itself refuses every hold of the host
    that overlaps its booking of 10:00-11:00, and takes one that only
    touches it: PostgreSQL's exclusion constraint, SQLite's trigger."""
    with Server(args=clock_args()) as s:
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h, duration_minutes=60)
        b = book(s, mt["id"], "2027-03-03T10:00:00Z").body
        assert b["start_time"] == "2027-03-03T10:00:00Z"
        other = "11111111-1111-4111-8111-111111111111"
        if s.pg:
            def at(hhmm):
                return "'2027-03-03T%s:00Z'" % hhmm
        else:
            def at(hhmm):
                return str(calendar.timegm(time.strptime("2027-03-03T%s:00Z" % hhmm,
                                                         "%Y-%m-%dT%H:%M:%SZ")))

        def hold(start, end):
            """The other booking and one hold of the host, in one transaction
            that is rolled back if it gets through: (ok, error)."""
            sql = raw_booking_sql(other, h, mt, (at("10:30"), at("11:30")), (at(start), at(end)),
                                  at("00:00"))
            if s.pg:
                sql = "BEGIN; %s SELECT 1/0;" % sql     # fails last if the hold got through
                ok, _, err = db_query(s, sql)
                return "division by zero" in err, err
            con = sqlite3.connect(os.path.join(s.data_dir, "calendula.db"), timeout=10)
            try:
                con.execute("PRAGMA foreign_keys=ON")
                con.executescript("BEGIN;" + sql)
                return True, ""
            except sqlite3.Error as e:
                return False, str(e)
            finally:
                con.rollback()
                con.close()

        refusal = "booking_hosts_no_overlap" if s.pg else "booking_hosts_overlap"
        for start, end in (("10:30", "11:30"),   # overlaps the booking's 10:00-11:00
                           ("09:30", "10:10"),
                           ("10:00", "11:00"),   # exactly the same range
                           ("09:00", "12:00")):  # around it
            ok, err = hold(start, end)
            assert not ok and refusal in err, (start, end, err)
        ok, err = hold("11:00", "12:00")         # touching: right after 10:00-11:00
        assert ok, err
        assert db_rows(s, "SELECT count(*) FROM bookings")[0][0] in (1, "1")
        assert s.get("/api/bookings/" + b["id"], token=h.token).body["status"] == "confirmed"


def test_a_write_that_loses_a_deadlock_is_run_again():
    """PostgreSQL: when PostgreSQL aborts a booking's or a reschedule's
    transaction to break a deadlock (40P01), the server runs it again and
    answers as if nothing had happened, instead of 503. Another session
    holds an uncommitted hold of the host at 10:00; the request waits for
    it; that session then asks for the host's writer lock, which the
    request holds: a cycle. The request's deadlock check fires first (it
    has waited longest), so it is the one aborted; its second run waits for
    the lock until the other session rolls back, and goes through."""
    with Server(args=clock_args()) as s:
        if not s.pg:
            return  # SQLite runs one writer at a time: no deadlock to lose
        h = host(s, rules=ALL_DAY, tz="UTC")
        mt = meeting_type(s, h, duration_minutes=60)
        r = deadlocked(s, h, mt, lambda: book(s, mt["id"], "2027-03-03T10:00:00Z"))
        assert r.status == 201, r
        moved = book(s, mt["id"], "2027-03-04T12:00:00Z").body
        r = deadlocked(s, h, mt, lambda: s.put(
            "/api/bookings/%s/reschedule?token=%s" % (moved["id"], moved["manage_token"]),
            json={"start_time": "2027-03-04T10:00:00Z"}), day="2027-03-04")
        assert r.status == 200 and r.body["start_time"] == "2027-03-04T10:00:00Z", r
        assert r.body["version"] == 2, r
        log = s.log_text()
        assert log.count("deadlock detected") == 2, s.log_tail()
        assert log.count("running the transaction again") == 2, s.log_tail()
        rows = db_rows(s, "SELECT to_char(start_time, 'DD HH24:MI') FROM bookings ORDER BY 1")
        assert rows == [("03 10:00",), ("04 10:00",)], rows


def deadlocked(s, h, mt, request, day="2027-03-03"):
    """Runs request() while another psql session makes the deadlock the
    test above describes, at 10:00-11:00 of day; its answer."""
    other = "22222222-2222-4222-8222-222222222222"
    at = ("'%sT10:00:00Z'" % day, "'%sT11:00:00Z'" % day)
    psql = subprocess.Popen(["psql", s.pg.url, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

    def say(sql, until):
        psql.stdin.write(sql + "\n\\echo " + until + "\n")
        psql.stdin.flush()
        ready, _, _ = select.select([psql.stdout], [], [], 20)
        assert ready, psql.stderr.read() if psql.poll() is not None else "psql hangs"
        line = psql.stdout.readline().strip()
        assert line == until, (line, psql.stderr.read() if psql.poll() is not None else "")

    try:
        say("BEGIN; " + raw_booking_sql(other, h, mt, at, at, "now()"), "held")
        with ThreadPoolExecutor(max_workers=1) as pool:
            answer = pool.submit(request)
            # Until the request waits for the other session's hold.
            deadline = time.monotonic() + 10
            while not db_rows(s, "SELECT 1 FROM pg_stat_activity WHERE application_name ="
                                 " 'calendula' AND wait_event_type = 'Lock'"):
                assert time.monotonic() < deadline and not answer.done(), \
                    answer.result() if answer.done() else "the request never waited"
                time.sleep(0.02)
            # Its deadlock check (1 s after it began to wait) must come well
            # before this session's, or PostgreSQL aborts this session instead.
            time.sleep(0.3)
            say("DO $$ BEGIN PERFORM pg_advisory_xact_lock(1, hashtext('%s'::uuid::text));"
                " END $$; ROLLBACK;" % h.id, "rolled back")
            return answer.result(timeout=30)
    finally:
        psql.stdin.close()
        psql.wait(timeout=10)
