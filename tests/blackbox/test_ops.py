"""Operations endpoints: /health, /health/live, /health/ready,
/health/detailed, /metrics; and the structured request log."""

import json
import re
import time

from harness import login_response, make_meeting_type, new_user, shared_server, unique


def test_health():
    s = shared_server()
    r = s.get("/health")
    assert r.status == 200 and r.json == {"status": "healthy"}, r


def test_health_live():
    s = shared_server()
    assert s.get("/health/live").status == 200


def test_health_ready():
    s = shared_server()
    r = s.get("/health/ready")
    assert r.status == 200 and r.json is not None and r.json.get("status") == "ready", r


def test_health_detailed():
    s = shared_server()
    r = s.get("/health/detailed")
    assert r.status == 200, r
    body = r.json
    assert isinstance(body, dict) and isinstance(body.get("status"), str), r
    db = (body.get("components") or {}).get("database")
    assert isinstance(db, dict), "components.database missing: %r" % r
    assert db.get("status") == "healthy", r
    lat = db.get("latency_ms")
    assert isinstance(lat, (int, float)) and not isinstance(lat, bool) and lat >= 0, \
        "latency_ms %r" % (lat,)


def test_metrics_prometheus_text():
    s = shared_server()
    for _ in range(3):
        s.get("/health")
    s.get("/api/nope")
    r = s.get("/metrics")
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").startswith("text/plain"), r.headers.get("Content-Type")
    text = r.text
    assert "calendula_http_requests_total" in text, text[:2000]
    # exposition format: every non-comment line is "name{labels} value"
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? '
                        r'([-+]?[0-9.eE+-]+|[-+]?Inf|NaN)( -?[0-9]+)?$')
    bad = [ln for ln in text.splitlines() if ln and not ln.startswith("#") and not sample.match(ln)]
    assert not bad, "malformed exposition lines: %r" % bad[:5]
    values = [float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines()
              if ln.startswith("calendula_http_requests_total")]
    assert values and sum(values) >= 4, "request counter does not count: %r" % values


def _wait_for(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.05)
    return predicate()


def test_request_log_lines():
    s = shared_server()
    acc = new_user(s)
    mt = make_meeting_type(s, acc.token)
    r = s.get("/api/meeting-types/" + mt["id"], token=acc.token)
    assert r.status == 200, r
    rid = r.headers.get("X-Request-Id")

    def find():
        return [rec for rec in s.log_records() if rec.get("request_id") == rid]

    recs = _wait_for(find)
    assert recs, "no log line with request_id %r\n%s" % (rid, s.log_tail())
    assert len(recs) == 1, "want one log line per request, got %r" % recs
    rec = recs[0]
    for key in ("method", "route", "status", "duration_ms", "request_id"):
        assert key in rec, "log line lacks %r: %r" % (key, rec)
    assert rec["method"] == "GET", rec
    assert rec["route"] == "/api/meeting-types/:id", "route should be the pattern: %r" % rec
    assert rec["status"] == 200, rec
    assert isinstance(rec["duration_ms"], (int, float)), rec
    assert mt["id"] not in str(rec.get("route")), rec


def test_one_log_line_per_request():
    s = shared_server()
    rids = [s.get(p).headers.get("X-Request-Id")
            for p in ["/health", "/api/nope", "/api/me", "/metrics", "/health/ready"]]
    time.sleep(0.2)
    recs = s.log_records()
    for rid in rids:
        n = sum(1 for r in recs if r.get("request_id") == rid)
        assert n == 1, "request %s logged %d times" % (rid, n)
    nope = [r for r in recs if r.get("request_id") == rids[1]][0]
    assert nope.get("status") == 404 and nope.get("method") == "GET", nope


def test_request_log_has_status_of_errors():
    s = shared_server()
    r = s.get("/api/me")
    rid = r.headers.get("X-Request-Id")
    recs = _wait_for(lambda: [x for x in s.log_records() if x.get("request_id") == rid])
    assert recs and recs[-1].get("status") == 401, recs


def test_log_never_contains_passwords_or_tokens():
    s = shared_server()
    password = "pw-" + unique("secret") + "-xyz"
    acc = new_user(s, password=password)
    token = acc.token
    s.get("/api/me", token=token)
    s.get("/api/me", cookies={"calendula_session": token})
    s.patch("/api/me", json={"name": "Renamed"}, token=token)
    make_meeting_type(s, token)
    new_password = "pw-" + unique("newsecret") + "-abc"
    r = s.patch("/api/me", json={"password": new_password}, token=token)
    assert r.status == 200, r
    # a failed login with a wrong password must not log it either
    wrong = "wrong-" + unique("pw")
    assert login_response(s, acc.email, wrong).status == 401
    # a query-string secret (e.g. a manage token) must not be logged
    qsecret = unique("qsecret")
    s.get("/api/bookings/00000000-0000-0000-0000-000000000000?token=" + qsecret)
    # broken or refused bodies carrying a password must not be logged either
    broken = "pw-" + unique("broken") + "-q"
    s.post("/api/auth/login", body='{"email":"%s","password":"%s"' % (acc.email, broken),
           headers={"Content-Type": "application/json"})
    s.post("/api/users", body='{"email":"x@example.com","password":"%s"}' % broken,
           headers={"Content-Type": "text/plain"})
    s.post("/api/users", json={"email": "bad", "password": broken, "name": "n", "username": "abc"})
    s.post("/api/auth/logout", token=token)
    time.sleep(0.2)
    log = s.log_text()
    for secret in (password, new_password, wrong, token, qsecret, broken):
        assert secret not in log, "server log contains a secret %r" % secret


def test_log_lines_stay_valid_json_with_hostile_input():
    s = shared_server()
    s.get("/health", headers={"X-Request-Id": 'abc"}{"x', "User-Agent": 'ua"\\\xff'})
    s.raw(b'GET /api/%22%0a%7b"x":1%7d HTTP/1.1\r\nHost: x\r\nUser-Agent: a"\\\r\n\r\n', timeout=2)
    s.get("/api/users/%22%0A%0D%09")
    s.get("/api/public/users/%C3%A9%E2%80%A8x")
    s.post("/api/users", body=b'{"name": "\xff"}', headers={"Content-Type": "application/json"})
    time.sleep(0.2)
    for line in s.log_text().splitlines():
        if line.lstrip().startswith("{"):
            try:
                json.loads(line)
            except ValueError:
                raise AssertionError("log line is not JSON: %r" % line)
