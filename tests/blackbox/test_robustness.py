"""Robustness: hostile or broken input must neither crash nor hang the
server. After each batch /health/live must still answer 200; the module's
shared server must exit cleanly on SIGTERM at the end (checked by the
runner, with the sanitizer scan of its log)."""

import http.client
import json
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from harness import (Checks, Server, assert_error, db_rows, make_meeting_type, new_user,
                     shared_server, signup_body)

WEIGHT = 3

JSON_CT = {"Content-Type": "application/json"}


def _state():
    """A shared account and meeting type for this module."""
    s = shared_server()
    st = getattr(_state, "cache", None)
    if st is None or st[0] is not s:
        acc = new_user(s)
        mt = make_meeting_type(s, acc.token)
        st = (s, acc, mt)
        _state.cache = st
    return st


def _not_5xx(r):
    assert r.status < 500, "server error: %r" % (r,)


def test_malformed_json_variants():
    s, acc, mt = _state()
    bodies = [
        b"{", b"{{}}", b"{\"a\"", b"{\"a\":", b"{\"a\":1,,}", b"{,}", b"{\"a\" 1}",
        b"{\"a\":tru}", b"{\"a\":nul}", b"{\"a\":01}", b"{\"a\":.5}", b"{\"a\":+1}",
        b"{\"a\":0x10}", b"{\"a\":NaN}", b"{\"a\":Infinity}", b"{\"a\":\"\\x41\"}",
        b"{\"a\":\"\\u12\"}", b"{\"a\":\"tab\there\"}",
        b"{\"a\":\"line\nbreak\"}", b"\x00", b"{\"a\":1}\x00", b"/* c */ {}", b"{} {}",
        b"{\"a\":[1,2,]}", b"{\"a\":[}", b"{\"\":\"\"", b" " * 1000,
        b"{\"email\": \"\xff\"}", b"{\"\xfe\": 1}",
    ]
    c = Checks()
    for path in ["/api/users", "/api/auth/login", "/api/meeting-types", "/api/me",
                 "/api/availability/rules", "/api/availability/overrides/2027-01-01",
                 "/api/meeting-types/" + mt["id"]]:
        method = {"/api/me": "PATCH", "/api/availability/overrides/2027-01-01": "PUT"}.get(path, "POST")
        if path.startswith("/api/meeting-types/"):
            method = "PATCH"
        for b in bodies:
            with c.case("%s %s %r" % (method, path, b[:30])):
                r = s.request(method, path, body=b, headers=JSON_CT, token=acc.token)
                assert_error(r, 400, "invalid_json")
    # JSON a parser may accept or refuse (RFC 8259 allows ignoring a BOM;
    # lone surrogate escapes are grammatical): only no server error
    for b in [b"\xef\xbb\xbf{}", b"{\"a\":\"\\ud800\"}", b"{\"name\":\"\\udc00\\ud800\"}",
              b"{\"a\":1,\"a\":2}"]:
        for path in ["/api/users", "/api/meeting-types"]:
            with c.case("lenient %s %r" % (path, b)):
                _not_5xx(s.post(path, body=b, headers=JSON_CT, token=acc.token))
    c.done()
    s.assert_live()


def test_huge_and_odd_numbers():
    s, acc, mt = _state()
    c = Checks()
    for raw in ["1e309", "-1e309", "99999999999999999999", "-99999999999999999999",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                "1e2", "1.5", "5.0", "-0", "-0.0", "1E400", "4294967326", "2147483648"]:
        for field in ["duration_minutes", "buffer_before_minutes", "seats", "booking_window_days",
                      "min_notice_minutes", "max_bookings_per_day"]:
            with c.case("%s=%s" % (field, raw)):
                body = '{"name":"n","slug":"num-%d","%s":%s}' % (random.randrange(10**9), field, raw)
                r = s.post("/api/meeting-types", body=body, headers=JSON_CT, token=acc.token)
                _not_5xx(r)
                if raw in ("1.5", "-1e309", "1e309", "1E400", "99999999999999999999",
                           "-99999999999999999999", "9223372036854775807", "9223372036854775808",
                           "-9223372036854775808", "4294967326", "2147483648"):
                    # out of range, not an integer, or not representable: never accepted
                    assert r.status in (400, 422), r
                    if r.status == 422:
                        assert_error(r, 422, field=field)
    for raw in ["-0", "1.5", "1e309", "99999999999999999999"]:
        with c.case("rule day_of_week=%s" % raw):
            body = '{"rules":[{"day_of_week":%s,"start_time":"09:00","end_time":"10:00"}]}' % raw
            r = s.post("/api/availability/rules", body=body, headers=JSON_CT, token=acc.token)
            _not_5xx(r)
            if raw != "-0":
                assert r.status in (400, 422), r
    with c.case("duration -0 is 0, rejected"):
        r = s.post("/api/meeting-types", body='{"name":"n","slug":"negzero","duration_minutes":-0}',
                   headers=JSON_CT, token=acc.token)
        assert_error(r, 422, field="duration_minutes")
    c.done()
    s.assert_live()


def test_wrong_types_everywhere():
    s, acc, mt = _state()
    values = [None, True, 0, -1, 1.25, "", "x", [], [None], {}, {"a": {}}, "\u0000"]
    targets = [
        ("POST", "/api/users", ["email", "password", "name", "username", "time_zone"]),
        ("POST", "/api/auth/login", ["email", "password"]),
        ("PATCH", "/api/me", ["name", "time_zone", "password"]),
        ("POST", "/api/meeting-types", ["name", "slug", "kind", "questions", "host_ids", "color",
                                        "is_active", "seats", "duration_minutes"]),
        ("PATCH", "/api/meeting-types/" + mt["id"], ["name", "questions", "host_ids", "kind"]),
        ("POST", "/api/availability/rules", ["time_zone", "rules"]),
        ("PUT", "/api/availability/overrides/2027-02-02", ["intervals"]),
    ]
    c = Checks()
    for method, path, fields in targets:
        for f in fields:
            for v in values:
                with c.case("%s %s %s=%r" % (method, path, f, v)):
                    if path == "/api/users":
                        body = signup_body(**{f: v})
                    else:
                        body = {f: v}
                    r = s.request(method, path, json=body, token=acc.token)
                    _not_5xx(r)
    with c.case("questions of wrong shapes"):
        for q in [[{"id": {}, "label": [], "type": None, "required": "x", "options": {}}],
                  [{"id": "a", "label": "b", "type": "select", "options": [[], {}, None]}],
                  [[]], [None], [{"id": "a" * 10000, "label": "b", "type": "text", "required": True}]]:
            r = s.post("/api/meeting-types", json={"name": "q", "slug": "qq", "questions": q},
                       token=acc.token)
            assert r.status == 422, r
    with c.case("rules of wrong shapes"):
        for rules in [[[1, 2, 3]], [{"day_of_week": [], "start_time": {}, "end_time": None}],
                      [None] * 100, [{"day_of_week": 1, "start_time": "09:00", "end_time": "10:00"}] * 500]:
            r = s.post("/api/availability/rules", json={"rules": rules}, token=acc.token)
            assert r.status == 422, r
    c.done()
    s.assert_live()


def test_missing_fields_and_empty_bodies():
    s, acc, mt = _state()
    c = Checks()
    for method, path in [("POST", "/api/users"), ("POST", "/api/auth/login"),
                         ("POST", "/api/meeting-types"), ("POST", "/api/availability/rules"),
                         ("PUT", "/api/availability/overrides/2027-02-03")]:
        with c.case("%s %s {}" % (method, path)):
            r = s.request(method, path, json={}, token=acc.token)
            assert r.status in (401, 422), r
        with c.case("%s %s empty body with JSON type" % (method, path)):
            r = s.request(method, path, body=b"", headers=JSON_CT, token=acc.token)
            assert_error(r, 400, "invalid_json")
        with c.case("%s %s no body no type" % (method, path)):
            r = s.request(method, path, body=None, token=acc.token)
            assert r.status in (400, 415), r
            assert_error(r, r.status)
    c.done()
    s.assert_live()


def test_invalid_utf8_and_nul_in_strings():
    s, acc, mt = _state()
    c = Checks()
    for bad in [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80"]:
        with c.case("invalid utf-8 %r in name" % bad):
            body = b'{"name":"a' + bad + b'b","slug":"utf"}'
            r = s.post("/api/meeting-types", body=body, headers=JSON_CT, token=acc.token)
            assert_error(r, 400, "invalid_json")
    for field, path, method in [("name", "/api/meeting-types", "POST"),
                                ("description", "/api/meeting-types", "POST"),
                                ("name", "/api/me", "PATCH"),
                                ("time_zone", "/api/me", "PATCH")]:
        with c.case("NUL in %s %s" % (path, field)):
            body = {"name": "ok", "slug": "nul-ok"} if path == "/api/meeting-types" else {}
            body[field] = "abc\u0000def"
            r = s.request(method, path, json=body, token=acc.token)
            assert_error(r, 422, field=field)
    with c.case("NUL in login email"):
        r = s.post("/api/auth/login", json={"email": "a\u0000@example.com", "password": "x" * 12})
        assert r.status in (401, 422), r
    c.done()
    s.assert_live()


def test_very_long_strings():
    s, acc, mt = _state()
    c = Checks()
    long = "x" * 100_000
    with c.case("signup name"):
        assert_error(s.post("/api/users", json=signup_body(name=long)), 422, field="name")
    with c.case("signup username"):
        assert_error(s.post("/api/users", json=signup_body(username="a" * 100_000)), 422, field="username")
    with c.case("signup email"):
        assert_error(s.post("/api/users", json=signup_body(email=long + "@example.com")), 422, field="email")
    with c.case("signup time_zone"):
        assert_error(s.post("/api/users", json=signup_body(time_zone="Europe/" + long)), 422, field="time_zone")
    with c.case("meeting type name"):
        assert_error(s.post("/api/meeting-types", json={"name": long, "slug": "long"}, token=acc.token),
                     422, field="name")
    with c.case("meeting type slug"):
        assert_error(s.post("/api/meeting-types", json={"name": "n", "slug": "a" * 100_000},
                            token=acc.token), 422, field="slug")
    with c.case("patch me name"):
        assert_error(s.patch("/api/me", json={"name": long}, token=acc.token), 422, field="name")
    with c.case("long key"):
        r = s.post("/api/meeting-types", json={"k" * 100_000: 1, "name": "n", "slug": "longkey"},
                   token=acc.token)
        _not_5xx(r)
    with c.case("login with huge password"):
        r = s.post("/api/auth/login", json={"email": "x@example.com", "password": "p" * 500_000})
        assert r.status in (401, 422), r
    c.done()
    s.assert_live()


def test_deeply_nested_json():
    s, acc, mt = _state()
    c = Checks()
    deep_arr = b"[" * 10000 + b"]" * 10000
    deep_obj = b'{"a":' * 10000 + b"1" + b"}" * 10000
    for label, body in [
        ("top-level array", deep_arr),
        ("object chain", deep_obj),
        ("inside a field", b'{"name":"n","slug":"deep","questions":' + deep_arr + b"}"),
        ("unterminated", b"[" * 100000),
        ("unterminated objects", b'{"a":' * 50000),
    ]:
        for path in ["/api/users", "/api/meeting-types"]:
            with c.case("%s %s" % (label, path)):
                r = s.post(path, body=body, headers=JSON_CT, token=acc.token, timeout=15)
                assert r.status in (400, 413, 422), r
    c.done()
    s.assert_live()


def test_header_only_and_broken_requests():
    s, acc, mt = _state()
    raws = [
        b"GET /health/live HTTP/1.1\r\n\r\n",                                  # no Host
        b"GET /health/live HTTP/1.0\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nFFFFFFFFFFFFFFFF\r\n{}\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),   # TLS hello
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n",
        b"GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + b"A" * 10000 + b"\r\n\r\n",
        b"GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: " + b"calendula_session=x; " * 500 + b"\r\n\r\n",
        b"GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: ;;;==;calendula_session\r\n\r\n",
        b"\r\n\r\n\r\n",
    ]
    c = Checks()
    for raw in raws:
        with c.case(repr(raw[:60])):
            # some of these leave the server waiting for more bytes until its
            # idle timeout; no answer within a second is acceptable here
            out = s.raw(raw, timeout=1, shutdown_write=True)
            if out:
                assert out.startswith(b"HTTP/1."), out[:100]
                status = int(out.split(b" ", 2)[1])
                assert status < 500 or status in (501, 505), out[:200]
    c.done()
    s.assert_live()


def test_partial_requests_then_disconnect():
    s, acc, mt = _state()
    pieces = [
        b"GET /health HT",
        b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"em",
        b"POST /api/meeting-types HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + acc.token.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n" + b"x" * 100000,
        b"PUT /api/availability/rules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + acc.token.encode()
        + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"rul",
    ]
    for _ in range(3):
        for p in pieces:
            k = socket.create_connection((s.host, s.port), timeout=5)
            k.sendall(p)
            time.sleep(0.01)
            k.close()
        # abrupt reset (RST) mid-request
        k = socket.create_connection((s.host, s.port), timeout=5)
        k.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        k.sendall(pieces[1])
        k.close()
    s.assert_live()
    r = s.get("/api/availability/rules", token=acc.token)
    assert r.status == 200, r


def test_idle_connections_do_not_block_others():
    s, acc, mt = _state()
    idle = [socket.create_connection((s.host, s.port), timeout=5) for _ in range(16)]
    slow = socket.create_connection((s.host, s.port), timeout=5)
    slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")    # headers never finished
    try:
        t0 = time.monotonic()
        for _ in range(5):
            r = s.get("/api/me", token=acc.token, timeout=5)
            assert r.status == 200, r
        assert time.monotonic() - t0 < 5, "requests slowed down by idle connections"
    finally:
        for k in idle + [slow]:
            k.close()
    s.assert_live()


def test_many_concurrent_connections():
    s, _, _ = _state()
    acc = new_user(s)
    mt = make_meeting_type(s, acc.token)
    errors = []
    lock = threading.Lock()
    created = []

    def worker(n):
        for i in range(20):
            try:
                kind = (n + i) % 5
                if kind == 0:
                    r = s.get("/health/live", timeout=30)
                    ok = r.status == 200
                elif kind == 1:
                    r = s.get("/api/me", token=acc.token, timeout=30)
                    ok = r.status == 200 and r.body["id"] == acc.id
                elif kind == 2:
                    r = s.get("/api/meeting-types/" + mt["id"], timeout=30)
                    ok = r.status == 200 and r.body["id"] == mt["id"]
                elif kind == 3:
                    slug = "c-%d-%d" % (n, i)
                    r = s.post("/api/meeting-types", json={"name": "c", "slug": slug},
                               token=acc.token, timeout=30)
                    ok = r.status == 201
                    if ok:
                        with lock:
                            created.append(r.body["id"])
                else:
                    r = s.get("/api/nope/%d" % i, timeout=30)
                    ok = r.status == 404
                if not ok:
                    with lock:
                        errors.append(repr(r))
            except Exception as e:   # connection refused/reset, timeout
                with lock:
                    errors.append("%s: %r" % (type(e).__name__, e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "requests hung"
    assert not errors, "%d of 1000 requests failed, e.g. %s" % (len(errors), errors[:5])
    assert len(set(created)) == len(created) == 200, len(created)
    r = s.get("/api/meeting-types", token=acc.token)
    assert r.status == 200, r
    listed = {m["id"] for m in r.body["data"]}
    assert listed == set(created) | {mt["id"]}, "list has %d of %d types" % (len(listed), len(created) + 1)
    s.assert_live()
    assert time.monotonic() - t0 < 60


def test_hostile_paths():
    s, acc, mt = _state()
    paths = [
        "/api/%00", "/api/users/%00", "/api/meeting-types/%00", "/api/users/..%2f..%2fetc%2fpasswd",
        "/api/../api/me", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/./me",
        "/api//me", "/api/me/", "/api/me?%00=%00", "/api/me?a=%zz", "/api/public/users/%ff%fe",
        "/api/public/users/" + "%41" * 3000, "/api/meeting-types/" + "a/" * 2000,
        "/api/availability/overrides?from=%00&to=%00", "/api/availability/overrides/%00",
        "/api/availability/overrides/2027-01-01%00", "/health/%00", "/static/../../../etc/passwd",
        "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/" + "x" * 16 * 1024,
        "/api/" + "y" * 16 * 1024, "/api/users/" + "z" * 16 * 1024,
        "/api/meeting-types?limit=-1&cursor=%ff", "/api/users/%u0041",
        "/api/public/users/a%2fb/meeting-types/c", "*",
    ]
    c = Checks()
    for p in paths:
        for method in ["GET", "DELETE", "PUT"]:
            with c.case("%s %s" % (method, p[:60])):
                raw = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                       "Content-Length: 0\r\n\r\n" % (method, p, acc.token)).encode()
                out = s.raw(raw, timeout=5, shutdown_write=True)
                if out:
                    assert out.startswith(b"HTTP/1."), out[:100]
                    status = int(out.split(b" ", 2)[1])
                    assert status < 500, out[:300]
                    assert b"root:" not in out, "path traversal leaked a file"
    c.done()
    s.assert_live()
    # and none of that touched the account
    assert s.get("/api/meeting-types/" + mt["id"], token=acc.token).status == 200


def test_random_fuzz_bodies():
    s, acc, mt = _state()
    rng = random.Random(1234)   # deterministic
    alphabet = b'{}[]:,"\\ abc0123456789-+.eEtrufalsn\x00\xff\xc3\xa9\n'
    c = Checks()
    for i in range(150):
        n = rng.randrange(1, 200)
        body = bytes(rng.choice(alphabet) for _ in range(n))
        path = rng.choice(["/api/users", "/api/meeting-types", "/api/availability/rules"])
        with c.case("fuzz %d %s %r" % (i, path, body[:40])):
            r = s.post(path, body=body, headers=JSON_CT, token=acc.token)
            _not_5xx(r)
    # structurally valid JSON with random values in known fields
    fields = ["name", "slug", "duration_minutes", "kind", "questions", "host_ids", "color", "seats"]
    values = [None, True, -1, 0, 5, 721, 1e300, "", "a", "#FFFFFF", "group", [], [{}], {}, "\u0000",
              [{"id": "x", "label": "y", "type": "select", "options": ["\u0000"]}]]
    for i in range(150):
        body = {f: rng.choice(values) for f in rng.sample(fields, rng.randrange(1, len(fields)))}
        with c.case("fields %d %r" % (i, body)):
            r = s.post("/api/meeting-types", json=body, token=acc.token)
            _not_5xx(r)
            if r.status == 201:
                # anything accepted must read back
                g = s.get("/api/meeting-types/" + r.body["id"], token=acc.token)
                assert g.status == 200, g
    c.done()
    s.assert_live()


def test_nul_in_path_is_not_truncated():
    """A %00 in the path must not make the server act on the part before it
    (C-string truncation): /api/meeting-types/ID%00junk is not ID."""
    s, _, _ = _state()
    acc = new_user(s)
    mt = make_meeting_type(s, acc.token)
    c = Checks()
    for method, path in [("GET", "/api/meeting-types/%s%%00junk" % mt["id"]),
                         ("DELETE", "/api/meeting-types/%s%%00junk" % mt["id"]),
                         ("PATCH", "/api/meeting-types/%s%%00" % mt["id"]),
                         ("GET", "/api/me%00/anything"),
                         ("GET", "/api/users/%00")]:
        with c.case("%s %s" % (method, path)):
            r = s.request(method, path, token=acc.token,
                          json={"name": "changed"} if method == "PATCH" else None)
            assert r.status in (400, 404), "answered as the truncated path: %r" % (r,)
    with c.case("meeting type untouched"):
        r = s.get("/api/meeting-types/" + mt["id"], token=acc.token)
        assert r.status == 200 and r.body == mt, r
    c.done()


def test_database_connections_follow_running_requests_not_clients():
    """PostgreSQL: 120 keep-alive clients, each keeping its connection open
    between requests, are all served, and meanwhile the server holds no
    more database connections than the requests it lets run at once
    (--max-active 4), not one per client: PostgreSQL's max_connections
    (100 on the test cluster) is not spent on idle clients."""
    with Server(args=["--max-active", "4", "--job-workers", "0"]) as s:
        if not s.pg:
            return  # SQLite has no server to run out of connections
        acc = new_user(s)
        mt = make_meeting_type(s, acc.token)
        clients = 120
        connected = threading.Barrier(clients + 1)
        counted = threading.Event()

        def client(_):
            conn = http.client.HTTPConnection(s.host, s.port, timeout=60)
            statuses = []
            try:
                for k in range(3):
                    conn.request("GET", "/api/meeting-types/" + mt["id"])
                    r = conn.getresponse()
                    r.read()
                    statuses.append(r.status)
                    if k == 0:   # every client connected and served once: hold on
                        connected.wait(timeout=60)
                        counted.wait(timeout=60)
            finally:
                conn.close()
            return statuses

        with ThreadPoolExecutor(max_workers=clients) as pool:
            answers = pool.map(client, range(clients))
            connected.wait(timeout=60)
            held = db_rows(s, "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                              " current_database() AND application_name = 'calendula'")
            counted.set()
            answers = list(answers)
        assert all(a == [200, 200, 200] for a in answers), \
            [a for a in answers if a != [200, 200, 200]][:5]
        assert 1 <= int(held[0][0]) <= 5, held   # 4 at a time, and the main thread's
