"""Persistence and process lifecycle: data survives restarts and SIGKILL,
migrate, graceful shutdown with open connections."""

import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from harness import (Server, assert_error, binary_path, clean_env, db_query, db_rows,
                     http_request, make_meeting_type, new_user, run_cli, store_kind)

WEIGHT = 3


def _populate(s):
    acc = new_user(s, time_zone="America/Chicago")
    mt = make_meeting_type(s, acc.token, slug="persist", duration_minutes=45,
                           questions=[{"id": "q", "label": "Why?", "type": "text", "required": True}])
    r = s.post("/api/availability/rules",
               json={"time_zone": "America/Chicago",
                     "rules": [{"day_of_week": 2, "start_time": "08:00", "end_time": "11:30"}]},
               token=acc.token)
    assert r.status == 200, r
    r = s.put("/api/availability/overrides/2027-06-01",
              json={"intervals": [{"start_time": "10:00", "end_time": "12:00"}]}, token=acc.token)
    assert r.status == 200, r
    return acc, mt


def _verify(s, acc, mt):
    r = s.get("/api/me", token=acc.token)
    assert r.status == 200 and r.body["id"] == acc.id, "session lost: %r" % r
    r = s.get("/api/meeting-types/" + mt["id"], token=acc.token)
    assert r.status == 200 and r.body == mt, "meeting type changed: %r vs %r" % (r, mt)
    r = s.get("/api/availability/rules", token=acc.token)
    assert r.status == 200, r
    assert r.body["time_zone"] == "America/Chicago", r
    assert [(x["day_of_week"], x["start_time"], x["end_time"]) for x in r.body["rules"]] == \
        [(2, "08:00", "11:30")], r
    r = s.get("/api/availability/overrides?from=2027-06-01&to=2027-06-01", token=acc.token)
    assert r.status == 200, r
    assert [(o["date"], [(i["start_time"], i["end_time"]) for i in o["intervals"]])
            for o in r.body["overrides"]] == [("2027-06-01", [("10:00", "12:00")])], r
    assert s.post("/api/auth/login", json={"email": acc.email, "password": acc.password}).status == 200
    r = s.get("/api/public/users/" + acc.username)
    assert r.status == 200 and [m["slug"] for m in r.body["meeting_types"]] == ["persist"], r


def test_data_survives_restart():
    with Server() as s:
        acc, mt = _populate(s)
        port = s.port
        s.restart()
        assert s.port == port
        _verify(s, acc, mt)
        # still writable after the restart
        make_meeting_type(s, acc.token)


def test_sigkill_then_restart():
    with Server() as s:
        acc, mt = _populate(s)
        s.kill()
        s.start()
        _verify(s, acc, mt)
        other = new_user(s)
        make_meeting_type(s, other.token, slug="persist")
        s.kill()
        s.start()
        _verify(s, acc, mt)
        assert s.get("/api/public/users/%s/meeting-types/persist" % other.username).status == 200


def test_logout_survives_restart():
    with Server() as s:
        acc = new_user(s)
        assert s.post("/api/auth/logout", token=acc.token).status == 204
        s.restart()
        assert_error(s.get("/api/me", token=acc.token), 401)


def test_migrate_then_serve_and_migrate_twice():
    with Server(start=False) as s:
        args = ["migrate", "--data-dir", s.data_dir]
        if s.pg:
            args += ["--database-url", s.pg.url]
        p1 = run_cli(args, timeout=30)
        assert p1.returncode == 0, "migrate failed: %r / %r" % (p1.stdout, p1.stderr)
        if store_kind() == "sqlite":
            assert os.path.isfile(os.path.join(s.data_dir, "calendula.db"))
        p2 = run_cli(args, timeout=30)
        assert p2.returncode == 0, "second migrate failed: %r / %r" % (p2.stdout, p2.stderr)
        s.start()
        acc, mt = _populate(s)
        s.stop()
        p3 = run_cli(args, timeout=30)
        assert p3.returncode == 0, "migrate on a used database failed: %r" % p3.stderr
        s.start()
        _verify(s, acc, mt)


def test_migrators_started_together_apply_each_migration_once():
    """Several `calendula migrate` processes started at once on a new
    database (servers of a deployment starting together) all succeed, and
    between them apply every migration exactly once: on PostgreSQL they
    queue on an advisory lock, on SQLite on the write lock. A server then
    works on the result."""
    with Server(start=False) as s:
        args = ["migrate", "--data-dir", s.data_dir]
        if s.pg:
            args += ["--database-url", s.pg.url]
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = list(pool.map(lambda _: run_cli(args, timeout=60), range(4)))
        for r in runs:
            assert r.returncode == 0, (r.stdout, r.stderr)
        applied = [int(m) for r in runs
                   for m in re.findall(r"applied (\d+) migration", r.stderr)]
        versions = [int(row[0]) for row in db_rows(s, "SELECT version FROM schema_migrations")]
        assert sorted(versions) == list(range(1, len(versions) + 1)), versions
        assert len(versions) >= 7 and sum(applied) == len(versions), (applied, versions)
        s.start()
        acc, mt = _populate(s)
        _verify(s, acc, mt)


def test_migrate_waits_for_a_writer_of_a_new_sqlite_file():
    """SQLite: while another process holds a write lock on a new database
    file, `calendula migrate` waits for it instead of failing. Switching
    the file to WAL needs its exclusive lock, and SQLite answers BUSY at
    once there, without waiting (the concurrent-migrate test above met it
    under load)."""
    if store_kind() != "sqlite":
        return  # SQLite-specific
    import sqlite3
    import subprocess
    with Server(start=False) as s:
        other = sqlite3.connect(os.path.join(s.data_dir, "calendula.db"), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")     # about to write: a RESERVED lock
            p = subprocess.Popen([binary_path(), "migrate", "--data-dir", s.data_dir],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=clean_env(), cwd=s.tmp, stdin=subprocess.DEVNULL)
            time.sleep(0.5)
            assert p.poll() is None, p.communicate()   # still waiting
            other.execute("COMMIT")
            out, err = p.communicate(timeout=30)
        finally:
            other.close()
        assert p.returncode == 0, err
        assert re.search(r"applied [1-9][0-9]* migration", err), err
        s.start()
        acc, mt = _populate(s)
        _verify(s, acc, mt)


def test_shutdown_with_idle_connections():
    with Server() as s:
        socks = []
        for _ in range(5):
            socks.append(socket.create_connection((s.host, s.port), timeout=5))
        # one connection in the middle of a request
        half = socket.create_connection((s.host, s.port), timeout=5)
        half.sendall(b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"email\":")
        socks.append(half)
        # one keep-alive connection that already had an answer
        ka = socket.create_connection((s.host, s.port), timeout=5)
        ka.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert ka.recv(4096).startswith(b"HTTP/1.1 200"), "keep-alive GET failed"
        socks.append(ka)
        try:
            t0 = time.monotonic()
            s.stop()     # asserts exit 0 within 10 s
            assert time.monotonic() - t0 < 10
        finally:
            for k in socks:
                k.close()


def test_stops_accepting_after_sigterm():
    with Server() as s:
        s.stop()
        try:
            http_request(s.host, s.port, "GET", "/health/live", timeout=2)
            raise AssertionError("a stopped server still answers")
        except OSError:
            pass
        s.start()
        assert s.get("/health/ready").status == 200


def test_sigint_is_graceful_too():
    import signal
    with Server() as s:
        s.proc.send_signal(signal.SIGINT)
        rc = s.proc.wait(10)
        s.proc = None
        assert rc == 0, "exit code %s after SIGINT\n%s" % (rc, s.log_tail())
        s.check_log()


def test_sigterm_finishes_request_in_flight():
    """A request that has started (headers and part of the body received)
    when SIGTERM arrives is finished and answered before the process exits."""
    import json as _json
    import signal
    with Server() as s:
        acc = new_user(s)
        conn = socket.create_connection((s.host, s.port), timeout=10)
        try:
            # the connection is surely accepted once it has carried one answer
            conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            first = conn.recv(65536)
            assert first.startswith(b"HTTP/1.1 200"), first[:100]
            body = _json.dumps({"email": acc.email, "password": acc.password}).encode()
            head = (b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
            conn.sendall(head + body[:10])
            time.sleep(0.2)
            s.proc.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            try:
                conn.sendall(body[10:])
            except OSError as e:
                raise AssertionError("connection dropped mid-request after SIGTERM: %r" % e)
            answer = b""
            try:
                while True:
                    b = conn.recv(65536)
                    if not b:
                        break
                    answer += b
            except (socket.timeout, ConnectionResetError) as e:
                raise AssertionError("no complete answer after SIGTERM (%r), got %r" % (e, answer[:200]))
            assert answer.startswith(b"HTTP/1.1 200"), \
                "in-flight request not finished after SIGTERM: %r" % answer[:300]
            assert b'"token"' in answer, answer[:300]
        finally:
            conn.close()
        rc = s.proc.wait(10)
        s.proc = None
        assert rc == 0, "exit code %s\n%s" % (rc, s.log_tail())
        s.check_log()


def _booked(s):
    from booking_fixtures import ALL_DAY, book, host, meeting_type
    h = host(s, rules=ALL_DAY, tz="UTC")
    mt = meeting_type(s, h, duration_minutes=30)
    b = book(s, mt["id"], "2027-03-03T10:00:00Z")
    assert b.status == 201, b
    return h, mt, b.body


def test_the_database_keeps_the_status_and_seat_rules():
    """Written around the application, a booking's status, a job's status
    and a hold's seats are still held to their values by the database
    itself (CHECK constraints on SQLite, domains on PostgreSQL)."""
    from booking_fixtures import NOW
    with Server(args=["--fake-now", NOW]) as s:
        h, mt, b = _booked(s)
        bad = ["UPDATE bookings SET status = 'bogus' WHERE id = '%s'" % b["id"],
               "UPDATE outbox SET status = 'lost' WHERE aggregate_id = '%s'" % b["id"],
               "UPDATE booking_hosts SET seats = 0 WHERE booking_id = '%s'" % b["id"]]
        for sql in bad:
            ok, _, err = db_query(s, sql)
            assert not ok and "check" in err.lower(), (sql, err)
        status = "SELECT status FROM bookings WHERE id = '%s'" % b["id"]
        assert db_rows(s, status) == [("confirmed",)]
        pending = db_rows(s, "SELECT count(*) FROM outbox WHERE aggregate_id = '%s'"
                             " AND status = 'pending'" % b["id"])
        assert int(pending[0][0]) >= 1, pending
        r = s.request("DELETE", "/api/bookings/" + b["id"], json={"reason": "x"}, token=h.token)
        assert r.status == 200 and r.body["status"] == "cancelled", r
        assert db_rows(s, status) == [("cancelled",)]


if store_kind() == "postgres":
    def test_postgres_migration_0007_on_a_used_database():
        """Migration 0007 on a database with bookings and jobs (PostgreSQL):
        the database is put back in 0006's shape (the columns text and
        integer with their CHECKs again), migrated, and still serves what it
        held; the rules hold afterwards."""
        from booking_fixtures import NOW, book
        with Server(args=["--fake-now", NOW]) as s:
            h, mt, b = _booked(s)
            s.stop()
            ok, _, err = db_query(s, """
                BEGIN;
                ALTER TABLE bookings ALTER COLUMN status TYPE text,
                    ADD CONSTRAINT bookings_status_check CHECK (status IN ('confirmed', 'cancelled'));
                ALTER TABLE outbox ALTER COLUMN status TYPE text,
                    ADD CONSTRAINT outbox_status_check
                    CHECK (status IN ('pending', 'processing', 'done', 'dead'));
                ALTER TABLE booking_hosts ALTER COLUMN seats TYPE integer,
                    ADD CONSTRAINT booking_hosts_seats_check CHECK (seats >= 1);
                DROP DOMAIN booking_status; DROP DOMAIN outbox_status; DROP DOMAIN seat_count;
                DELETE FROM schema_migrations WHERE version = 7;
                COMMIT;""")
            assert ok, err
            p = run_cli(["migrate", "--data-dir", s.data_dir, "--database-url", s.pg.url], timeout=60)
            assert p.returncode == 0 and "applied 1 migration" in p.stderr + p.stdout, p.stderr
            assert db_rows(s, "SELECT pg_typeof(status)::text FROM bookings"
                              " WHERE id = '%s'" % b["id"]) == [("booking_status",)]
            s.start()
            r = s.get("/api/bookings/" + b["id"], token=h.token)
            assert r.status == 200 and r.body["status"] == "confirmed", r
            r = book(s, mt["id"], "2027-03-03T10:00:00Z", email="late@example.com")
            assert r.status == 409 and r.body["error"]["code"] == "slot_unavailable", r
            assert book(s, mt["id"], "2027-03-03T11:00:00Z").status == 201
            ok, _, err = db_query(s, "UPDATE bookings SET status = 'bogus' WHERE id = '%s'" % b["id"])
            assert not ok and "booking_status_check" in err, err
