"""HTTP layer: security headers, error shape, routing (404/405), body limits,
content types and JSON parsing."""

import json
import re

from harness import (Checks, assert_error, make_meeting_type, new_user, shared_server,
                     signup_body)

WEIGHT = 2

SECURITY_HEADERS_PATHS = [
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/metrics"),
    ("GET", "/api/me"),                      # 401
    ("GET", "/api/no-such-thing"),           # 404
    ("DELETE", "/api/me"),                   # 405
    ("POST", "/api/users"),                  # 400/415
    ("GET", "/api/public/users/nobody-here"),
]


def _check_security_headers(r, api):
    h = r.headers
    assert h.get("X-Content-Type-Options") == "nosniff", "X-Content-Type-Options %r" % h.get("X-Content-Type-Options")
    assert h.get("X-Frame-Options") == "DENY", "X-Frame-Options %r" % h.get("X-Frame-Options")
    csp = h.get("Content-Security-Policy") or ""
    assert "frame-ancestors 'none'" in csp, "Content-Security-Policy %r" % csp
    assert h.get("Referrer-Policy"), "Referrer-Policy missing"
    assert h.get("X-Request-Id"), "X-Request-Id missing"
    if api:
        assert "no-store" in (h.get("Cache-Control") or ""), "Cache-Control %r" % h.get("Cache-Control")


def test_security_headers_on_every_kind_of_answer():
    s = shared_server()
    acc = new_user(s)
    c = Checks()
    for method, path in SECURITY_HEADERS_PATHS:
        with c.case("%s %s" % (method, path)):
            r = s.request(method, path)
            _check_security_headers(r, path.startswith("/api/"))
    with c.case("authenticated 200 GET /api/me"):
        r = s.get("/api/me", token=acc.token)
        assert r.status == 200, r
        _check_security_headers(r, True)
    with c.case("201 POST /api/meeting-types"):
        r = s.post("/api/meeting-types", json={"name": "x", "slug": "hdr"}, token=acc.token)
        assert r.status == 201, r
        _check_security_headers(r, True)
    with c.case("413"):
        r = s.post("/api/users", body=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                   headers={"Content-Type": "application/json"})
        _check_security_headers(r, True)
    c.done()


def test_request_ids_are_unique():
    s = shared_server()
    ids = {s.get("/health/live").headers.get("X-Request-Id") for _ in range(20)}
    ids.discard(None)
    assert len(ids) == 20, "X-Request-Id values repeat: %r" % ids


def test_unknown_api_path_is_404_json():
    s = shared_server()
    c = Checks()
    for path in ["/api/no-such-thing", "/api/users/x/y/z/w", "/api", "/api/",
                 "/api/meeting-types/x/y", "/api/availability/nope"]:
        with c.case(path):
            assert_error(s.get(path), 404, "not_found")
    with c.case("POST unknown"):
        assert_error(s.post("/api/nothing", json={}), 404, "not_found")
    c.done()


def test_wrong_method_is_405_with_allow():
    s = shared_server()
    c = Checks()
    cases = [
        ("DELETE", "/api/me", {"GET", "PATCH"}),
        ("PUT", "/api/users", {"POST"}),
        ("GET", "/api/auth/login", {"POST"}),
        ("DELETE", "/api/meeting-types", {"GET", "POST"}),
        ("POST", "/api/meeting-types/00000000-0000-0000-0000-000000000000",
         {"GET", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/api/availability/rules", {"GET", "POST", "PUT"}),
        ("POST", "/health", {"GET"}),
    ]
    for method, path, allowed in cases:
        with c.case("%s %s" % (method, path)):
            r = s.request(method, path, headers={"Content-Type": "application/json"},
                          body=b"{}" if method in ("POST", "PUT", "PATCH") else None)
            assert_error(r, 405, "method_not_allowed")
            allow = r.headers.get("Allow")
            assert allow, "no Allow header: %r" % r
            got = {m.strip().upper() for m in allow.split(",") if m.strip()}
            assert allowed <= got, "Allow %r lacks %r" % (allow, allowed - got)
            assert method not in got, "Allow %r lists the refused method" % allow
    c.done()


def test_error_bodies_are_json_with_code_and_message():
    s = shared_server()
    for r in [s.get("/api/me"), s.get("/api/nope"), s.post("/api/users", json={})]:
        assert r.headers.get("Content-Type", "").startswith("application/json"), r
        assert set(r.json.keys()) == {"error"}, r
        assert set(r.json["error"].keys()) <= {"code", "message", "field"}, r
        assert re.match(r"^[a-z][a-z0-9_]*$", r.json["error"]["code"]), r


def test_body_over_1mib_is_413():
    s = shared_server()
    big = json.dumps({"email": "a@example.com", "password": "x" * (1024 * 1024 + 100),
                      "name": "n", "username": "abc"}).encode()
    assert_error(s.post("/api/users", body=big, headers={"Content-Type": "application/json"}),
                 413, "payload_too_large")
    acc = new_user(s)
    big2 = json.dumps({"name": "n", "slug": "big", "description": "d" * (2 * 1024 * 1024)})
    assert_error(s.post("/api/meeting-types", body=big2, token=acc.token,
                        headers={"Content-Type": "application/json"}), 413, "payload_too_large")
    # and nothing was created
    r = s.get("/api/meeting-types", token=acc.token)
    assert r.status == 200 and r.body["data"] == [], r
    s.assert_live()


def test_body_just_under_1mib_is_not_413():
    s = shared_server()
    acc = new_user(s)
    # a 1 MiB-minus-a-bit body: parsed; the description is too long -> 422, not 413
    body = json.dumps({"name": "n", "slug": "almost", "description": "d" * (1024 * 1024 - 200)})
    assert len(body) < 1024 * 1024
    r = s.post("/api/meeting-types", body=body, token=acc.token,
               headers={"Content-Type": "application/json"})
    assert r.status != 413, r
    assert_error(r, 422, "validation_failed", field="description")


def test_non_json_content_type_is_415():
    s = shared_server()
    acc = new_user(s)
    payload = json.dumps(signup_body()).encode()
    c = Checks()
    for ctype in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/xml", "application/jsonp", "text/json-ish", None]:
        with c.case("POST /api/users Content-Type %r" % ctype):
            hdrs = {"Content-Type": ctype} if ctype else {}
            assert_error(s.post("/api/users", body=payload, headers=hdrs), 415, "unsupported_media_type")
    for method, path in [("POST", "/api/meeting-types"), ("PATCH", "/api/me"),
                         ("PUT", "/api/availability/rules")]:
        with c.case("%s %s text/plain" % (method, path)):
            r = s.request(method, path, body=b'{"name":"x"}', token=acc.token,
                          headers={"Content-Type": "text/plain"})
            assert_error(r, 415, "unsupported_media_type")
    c.done()


def test_json_content_type_variants_accepted():
    s = shared_server()
    c = Checks()
    for ctype in ["application/json", "application/json; charset=utf-8",
                  "application/json;charset=UTF-8", "Application/JSON"]:
        with c.case(ctype):
            r = s.post("/api/users", body=json.dumps(signup_body()).encode(),
                       headers={"Content-Type": ctype})
            assert r.status == 201, r
    c.done()


def test_invalid_json_is_400():
    s = shared_server()
    acc = new_user(s)
    bodies = [
        b"{", b"}", b"{\"a\":}", b"{\"email\": \"x\",}", b"nul", b"{'a': 1}",
        b"{\"a\": 1} trailing", b"\xff\xfe{}", b"{\"name\": \"\xc3\x28\"}",
        b"{\"name\": \"\xed\xa0\x80\"}",           # UTF-8 encoded surrogate
        b"{\"name\": \"\xf8\x88\x80\x80\x80\"}",   # 5-byte sequence
        b"{\"name\": \"\xc0\xaf\"}",               # overlong
        b"[]", b"[1,2]", b"\"string\"", b"42", b"null", b"true",
        b"",
    ]
    c = Checks()
    for b in bodies:
        with c.case("signup %r" % b[:40]):
            assert_error(s.post("/api/users", body=b, headers={"Content-Type": "application/json"}),
                         400, "invalid_json")
        with c.case("meeting type %r" % b[:40]):
            assert_error(s.post("/api/meeting-types", body=b, token=acc.token,
                                headers={"Content-Type": "application/json"}), 400, "invalid_json")
    c.done()
    s.assert_live()


def test_unknown_fields_are_ignored():
    s = shared_server()
    body = signup_body()
    body["favourite_colour"] = "green"
    body["role"] = "admin"
    r = s.post("/api/users", json=body)
    assert r.status == 201, r
    assert r.body["role"] == "user", "role must not be settable at sign-up: %r" % r


def test_cache_control_on_api_answers():
    s = shared_server()
    acc = new_user(s)
    mt = make_meeting_type(s, acc.token)
    for r in [s.get("/api/me", token=acc.token), s.get("/api/meeting-types/" + mt["id"]),
              s.get("/api/public/users/" + acc.username), s.get("/api/me")]:
        assert "no-store" in (r.headers.get("Cache-Control") or ""), r
