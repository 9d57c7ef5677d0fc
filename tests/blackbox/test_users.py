"""Users and sessions: sign-up validation, login, cookies, CSRF, logout,
PATCH /api/me, public profiles, and no secrets in answers."""

from harness import (OMIT, RFC3339_UTC_RE, USER_FIELDS, UUID_RE, Checks, assert_error,
                     assert_no_secrets, login, login_response, new_user, shared_server,
                     signup, signup_body, unique)

WEIGHT = 3

RESERVED = ["api", "admin", "login", "signup", "logout", "dashboard", "booking",
            "settings", "health", "metrics", "static", "assets", "app"]


# -------------------------------------------------------------------- sign-up


def test_signup_returns_user():
    s = shared_server()
    body = signup_body(time_zone="America/New_York")
    r = s.post("/api/users", json=body)
    assert r.status == 201, r
    u = r.body
    assert set(u.keys()) >= USER_FIELDS, "user fields: %r" % u
    assert UUID_RE.match(u["id"]), u
    assert u["email"] == body["email"] and u["name"] == body["name"], u
    assert u["username"] == body["username"] and u["time_zone"] == "America/New_York", u
    assert u["role"] == "user", u
    assert RFC3339_UTC_RE.match(u["created_at"]) and RFC3339_UTC_RE.match(u["updated_at"]), u
    assert_no_secrets(r)
    assert r.headers.get("Content-Type", "").startswith("application/json"), r


def test_signup_time_zone_defaults_to_utc():
    s = shared_server()
    r = s.post("/api/users", json=signup_body(time_zone=OMIT))
    assert r.status == 201 and r.body["time_zone"] == "UTC", r


def test_signup_email_lowercased_and_unique_case_insensitively():
    s = shared_server()
    local = unique("Mixed")
    r = s.post("/api/users", json=signup_body(email="%s@Example.COM" % local))
    assert r.status == 201, r
    assert r.body["email"] == ("%s@example.com" % local).lower(), r
    for variant in ["%s@example.com" % local.lower(), "%s@EXAMPLE.com" % local.upper()]:
        assert_error(s.post("/api/users", json=signup_body(email=variant)), 409, "email_taken")


def test_login_with_mixed_case_email_as_signed_up():
    s = shared_server()
    email = "%s@Example.Com" % unique("Case")
    acc = signup(s, email=email)
    assert login_response(s, email, acc.password).status == 200
    assert login_response(s, email.lower(), acc.password).status == 200


def test_signup_username_taken():
    s = shared_server()
    acc = signup(s)
    assert_error(s.post("/api/users", json=signup_body(username=acc.username)), 409, "username_taken")


def test_signup_password_length():
    s = shared_server()
    c = Checks()
    for pw in ["", "123456789", "x" * 1025]:
        with c.case("password len %d" % len(pw)):
            assert_error(s.post("/api/users", json=signup_body(password=pw)), 422,
                         "validation_failed", field="password")
    for pw in ["1234567890", "é" * 10, "x" * 1024]:
        with c.case("password len %d accepted" % len(pw)):
            r = s.post("/api/users", json=signup_body(password=pw))
            assert r.status == 201, r
    with c.case("missing password"):
        assert_error(s.post("/api/users", json=signup_body(password=OMIT)), 422,
                     "validation_failed", field="password")
    c.done()


def test_signup_bad_email():
    s = shared_server()
    c = Checks()
    for email in ["", "plain", "a@", "@example.com", "a b@example.com", "a@b@c.com",
                  "x" * 300 + "@example.com", "a@example.com\n", "a\r\n@example.com"]:
        with c.case("email %r" % email[:40]):
            assert_error(s.post("/api/users", json=signup_body(email=email)), 422,
                         "validation_failed", field="email")
    with c.case("missing email"):
        assert_error(s.post("/api/users", json=signup_body(email=OMIT)), 422,
                     "validation_failed", field="email")
    c.done()


def test_signup_bad_username():
    s = shared_server()
    c = Checks()
    bad = ["", "ab", "-abc", "ABC", "Abcdef", "a_bc", "a.bc", "a bc", "a" * 41, "ab\u00e9c",
           "abc/", "abc\n"] + RESERVED
    for name in bad:
        with c.case("username %r" % name):
            assert_error(s.post("/api/users", json=signup_body(username=name)), 422,
                         "validation_failed", field="username")
    with c.case("missing username"):
        assert_error(s.post("/api/users", json=signup_body(username=OMIT)), 422,
                     "validation_failed", field="username")
    for good in ["a" + unique("")[:2], unique("z")[:40].ljust(40, "0"), "9" + unique("")[:5] + "-x"]:
        with c.case("username %r accepted" % good):
            r = s.post("/api/users", json=signup_body(username=good))
            assert r.status == 201, r
            assert r.body["username"] == good, r
    c.done()


def test_signup_bad_name():
    s = shared_server()
    c = Checks()
    for name in ["", "x" * 201]:
        with c.case("name len %d" % len(name)):
            assert_error(s.post("/api/users", json=signup_body(name=name)), 422,
                         "validation_failed", field="name")
    with c.case("missing name"):
        assert_error(s.post("/api/users", json=signup_body(name=OMIT)), 422,
                     "validation_failed", field="name")
    with c.case("name of 200 accepted"):
        r = s.post("/api/users", json=signup_body(name="n" * 200))
        assert r.status == 201 and r.body["name"] == "n" * 200, r
    with c.case("unicode name round-trips"):
        r = s.post("/api/users", json=signup_body(name="Zoë Ångström 山田"))
        assert r.status == 201 and r.body["name"] == "Zoë Ångström 山田", r
    c.done()


def test_signup_bad_time_zone():
    s = shared_server()
    c = Checks()
    for tz in ["Mars/Olympus", "", "America/New York", "../../../etc/passwd",
               "/etc/localtime", "America/", "EST5EDT,M3.2.0,M11.1.0", "x" * 300,
               # files and folders of /usr/share/zoneinfo that are not zones
               "zone.tab", "tzdata.zi", "posixrules", "America", "..", "Europe/./Paris",
               "UTC\n", "Europe/Paris "]:
        with c.case("time_zone %r" % tz[:40]):
            assert_error(s.post("/api/users", json=signup_body(time_zone=tz)), 422,
                         "invalid_time_zone", field="time_zone")
    for tz in ["Europe/Berlin", "Asia/Kolkata", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"]:
        with c.case("time_zone %r accepted" % tz):
            r = s.post("/api/users", json=signup_body(time_zone=tz))
            assert r.status == 201 and r.body["time_zone"] == tz, r
    c.done()


def test_signup_wrong_json_types():
    s = shared_server()
    c = Checks()
    for field in ["email", "password", "name", "username", "time_zone"]:
        for value in [123, True, None, [], {}, ["x"]]:
            if field == "time_zone" and value is None:
                continue  # null time_zone may reasonably mean "default"
            with c.case("%s=%r" % (field, value)):
                r = s.post("/api/users", json=signup_body(**{field: value}))
                assert_error(r, 422, field=field)
    c.done()


def test_signup_nul_in_strings():
    s = shared_server()
    c = Checks()
    for field in ["name", "username", "email", "password"]:
        with c.case(field):
            body = signup_body()
            body[field] = body[field][:3] + "\u0000" + body[field][3:]
            assert_error(s.post("/api/users", json=body), 422, field=field)
    c.done()


def test_new_user_gets_default_schedule():
    s = shared_server()
    acc = new_user(s, time_zone="Europe/Paris")
    r = s.get("/api/availability/rules", token=acc.token)
    assert r.status == 200, r
    assert r.body["time_zone"] == "Europe/Paris", r
    got = [(x["day_of_week"], x["start_time"], x["end_time"]) for x in r.body["rules"]]
    assert got == [(d, "09:00", "17:00") for d in range(1, 6)], r


# -------------------------------------------------------------------- login


def test_login_returns_token_user_and_cookies():
    s = shared_server()
    acc = signup(s)
    r = login_response(s, acc.email, acc.password)
    assert r.status == 200, r
    assert isinstance(r.body["token"], str) and len(r.body["token"]) >= 32, r
    assert r.body["user"]["id"] == acc.id and r.body["user"]["email"] == acc.email, r
    assert_no_secrets(r)
    cookies = r.cookies
    assert "calendula_session" in cookies, r.headers.get_all("Set-Cookie")
    value, attrs = cookies["calendula_session"]
    assert value == r.body["token"], (value, r.body["token"])
    low = attrs.lower().replace(" ", "")
    assert ";httponly" in low or low.startswith("httponly"), attrs
    assert "samesite=lax" in low and "path=/" in low, attrs
    assert "calendula_csrf" in cookies, r.headers.get_all("Set-Cookie")
    cvalue, cattrs = cookies["calendula_csrf"]
    clow = cattrs.lower().replace(" ", "")
    assert cvalue and "httponly" not in clow, cattrs
    assert "samesite=lax" in clow and "path=/" in clow, cattrs


def test_login_tokens_differ_per_login():
    s = shared_server()
    acc = signup(s)
    assert login(s, acc.email, acc.password) != login(s, acc.email, acc.password)


def test_login_wrong_password_and_unknown_email_same_answer():
    s = shared_server()
    acc = signup(s)
    r1 = login_response(s, acc.email, "wrong password!")
    r2 = login_response(s, unique("nobody") + "@example.com", acc.password)
    assert_error(r1, 401, "invalid_credentials")
    assert_error(r2, 401, "invalid_credentials")
    assert r1.json["error"]["message"] == r2.json["error"]["message"], (r1, r2)
    assert not r1.cookies.get("calendula_session"), r1


def test_login_validation():
    s = shared_server()
    c = Checks()
    for body in [{}, {"email": "a@example.com"}, {"password": "xxxxxxxxxxxx"},
                 {"email": 5, "password": "xxxxxxxxxxxx"}, {"email": "a@example.com", "password": []}]:
        with c.case(repr(body)):
            r = s.post("/api/auth/login", json=body)
            assert r.status in (401, 422), r
            assert_error(r, r.status)
    c.done()


def test_me_requires_auth():
    s = shared_server()
    assert_error(s.get("/api/me"), 401, "unauthenticated")
    assert_error(s.get("/api/me", token="not-a-real-token"), 401)
    assert_error(s.get("/api/me", token="A" * 64), 401)
    assert_error(s.get("/api/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)
    assert_error(s.get("/api/me", headers={"Authorization": "Bearer"}), 401)
    assert_error(s.get("/api/me", cookies={"calendula_session": "garbage"}), 401)


def test_me_with_bearer_and_cookie():
    s = shared_server()
    acc = new_user(s)
    r = s.get("/api/me", token=acc.token)
    assert r.status == 200 and r.body["id"] == acc.id and r.body["email"] == acc.email, r
    assert_no_secrets(r)
    r = s.get("/api/me", cookies={"calendula_session": acc.token})
    assert r.status == 200 and r.body["id"] == acc.id, r


# -------------------------------------------------------------------- CSRF


def _cookie_login(s):
    acc = signup(s)
    r = login_response(s, acc.email, acc.password)
    assert r.status == 200, r
    jar = {k: v[0] for k, v in r.cookies.items()}
    return acc, jar


def test_csrf_cookie_auth_needs_token_or_origin():
    s = shared_server()
    acc, jar = _cookie_login(s)
    c = Checks()
    with c.case("PATCH with cookie only"):
        assert_error(s.patch("/api/me", json={"name": "X1"}, cookies=jar), 403, "forbidden")
    with c.case("POST meeting type with cookie only"):
        assert_error(s.post("/api/meeting-types", json={"name": "x", "slug": "csrf1"}, cookies=jar),
                     403, "forbidden")
    with c.case("wrong CSRF header"):
        assert_error(s.patch("/api/me", json={"name": "X2"}, cookies=jar,
                             headers={"X-CSRF-Token": jar["calendula_csrf"] + "x"}), 403, "forbidden")
    with c.case("empty CSRF header"):
        assert_error(s.patch("/api/me", json={"name": "X2"}, cookies=jar,
                             headers={"X-CSRF-Token": ""}), 403, "forbidden")
    with c.case("foreign Origin"):
        assert_error(s.patch("/api/me", json={"name": "X3"}, cookies=jar,
                             headers={"Origin": "http://evil.example"}), 403, "forbidden")
    with c.case("Origin null"):
        assert_error(s.patch("/api/me", json={"name": "X3"}, cookies=jar,
                             headers={"Origin": "null"}), 403, "forbidden")
    with c.case("Origin with other port"):
        assert_error(s.patch("/api/me", json={"name": "X3"}, cookies=jar,
                             headers={"Origin": "http://127.0.0.1:1"}), 403, "forbidden")
    with c.case("Origin prefix trick"):
        assert_error(s.patch("/api/me", json={"name": "X3"}, cookies=jar,
                             headers={"Origin": "http://127.0.0.1:%d.evil.example" % s.port}),
                     403, "forbidden")
    with c.case("nothing changed"):
        r = s.get("/api/me", cookies=jar)
        assert r.status == 200 and r.body["name"] == acc.name, r
        lst = s.get("/api/meeting-types", token=login(s, acc.email, acc.password))
        assert lst.body["data"] == [], lst
    with c.case("CSRF header equal to cookie"):
        r = s.patch("/api/me", json={"name": "Via header"}, cookies=jar,
                    headers={"X-CSRF-Token": jar["calendula_csrf"]})
        assert r.status == 200 and r.body["name"] == "Via header", r
    with c.case("same Origin"):
        r = s.patch("/api/me", json={"name": "Via origin"}, cookies=jar,
                    headers={"Origin": "http://127.0.0.1:%d" % s.port})
        assert r.status == 200 and r.body["name"] == "Via origin", r
    with c.case("GET needs no CSRF"):
        r = s.get("/api/me", cookies=jar)
        assert r.status == 200, r
    with c.case("Bearer needs no CSRF"):
        tok = login(s, acc.email, acc.password)
        r = s.patch("/api/me", json={"name": "Via bearer"}, token=tok)
        assert r.status == 200 and r.body["name"] == "Via bearer", r
    c.done()


def test_csrf_origin_must_match_host_header():
    s = shared_server()
    acc, jar = _cookie_login(s)
    host = "calendula.example:8443"
    r = s.patch("/api/me", json={"name": "Via custom host"}, cookies=jar,
                headers={"Host": host, "Origin": "http://" + host})
    assert r.status == 200 and r.body["name"] == "Via custom host", r
    # (http://127.0.0.1:PORT would pass here: it is the default CALENDULA_PUBLIC_URL)
    r = s.patch("/api/me", json={"name": "Mismatch"}, cookies=jar,
                headers={"Host": host, "Origin": "http://other.example:8443"})
    assert_error(r, 403, "forbidden")
    r = s.patch("/api/me", json={"name": "Mismatch"}, cookies=jar,
                headers={"Host": host, "Origin": "http://calendula.example"})
    assert_error(r, 403, "forbidden")


def test_csrf_cookie_logout_needs_proof():
    s = shared_server()
    acc, jar = _cookie_login(s)
    assert_error(s.post("/api/auth/logout", cookies=jar), 403, "forbidden")
    assert s.get("/api/me", cookies=jar).status == 200
    r = s.post("/api/auth/logout", cookies=jar, headers={"X-CSRF-Token": jar["calendula_csrf"]})
    assert r.status == 204, r
    assert_error(s.get("/api/me", cookies=jar), 401)


# -------------------------------------------------------------------- logout


def test_logout_invalidates_token():
    s = shared_server()
    acc = new_user(s)
    other = login(s, acc.email, acc.password)
    r = s.post("/api/auth/logout", token=acc.token)
    assert r.status == 204 and r.raw == b"", r
    assert_error(s.get("/api/me", token=acc.token), 401)
    assert_error(s.get("/api/me", cookies={"calendula_session": acc.token}), 401)
    # other sessions of the same user keep working
    assert s.get("/api/me", token=other).status == 200


def test_logout_requires_auth():
    s = shared_server()
    assert_error(s.post("/api/auth/logout"), 401)


# -------------------------------------------------------------------- PATCH /api/me


def test_patch_me_name_and_time_zone():
    s = shared_server()
    acc = new_user(s)
    r = s.patch("/api/me", json={"name": "New Name", "time_zone": "Asia/Tokyo"}, token=acc.token)
    assert r.status == 200, r
    assert r.body["name"] == "New Name" and r.body["time_zone"] == "Asia/Tokyo", r
    assert r.body["email"] == acc.email and r.body["username"] == acc.username, r
    assert_no_secrets(r)
    r = s.get("/api/me", token=acc.token)
    assert r.body["name"] == "New Name" and r.body["time_zone"] == "Asia/Tokyo", r
    r = s.patch("/api/me", json={}, token=acc.token)
    assert r.status == 200 and r.body["name"] == "New Name", r


def test_patch_me_validation():
    s = shared_server()
    acc = new_user(s)
    c = Checks()
    for body, status, code, field in [
        ({"name": ""}, 422, "validation_failed", "name"),
        ({"name": "x" * 201}, 422, "validation_failed", "name"),
        ({"name": 5}, 422, None, "name"),
        ({"name": "a\u0000b"}, 422, None, "name"),
        ({"time_zone": "Nowhere/Special"}, 422, "invalid_time_zone", "time_zone"),
        ({"time_zone": 3}, 422, None, "time_zone"),
        ({"password": "short"}, 422, "validation_failed", "password"),
        ({"password": "y" * 1025}, 422, "validation_failed", "password"),
        ({"password": 1234567890}, 422, None, "password"),
    ]:
        with c.case(repr(body)[:60]):
            assert_error(s.patch("/api/me", json=body, token=acc.token), status, code, field=field)
    with c.case("unchanged"):
        r = s.get("/api/me", token=acc.token)
        assert r.body["name"] == acc.name and r.body["time_zone"] == "UTC", r
        assert login_response(s, acc.email, acc.password).status == 200
    c.done()


def test_patch_me_requires_auth():
    s = shared_server()
    assert_error(s.patch("/api/me", json={"name": "x"}), 401)


def test_password_change():
    s = shared_server()
    acc = new_user(s)
    other_session = login(s, acc.email, acc.password)
    new_pw = "a brand new password"
    r = s.patch("/api/me", json={"password": new_pw}, token=acc.token)
    assert r.status == 200, r
    assert_no_secrets(r)
    assert login_response(s, acc.email, new_pw).status == 200
    assert_error(login_response(s, acc.email, acc.password), 401, "invalid_credentials")
    # api-notes: a password change ends the user's other sessions, not this one
    assert s.get("/api/me", token=acc.token).status == 200
    assert_error(s.get("/api/me", token=other_session), 401)


# -------------------------------------------------------------------- public profile


def test_get_user_public_profile():
    s = shared_server()
    acc = signup(s, time_zone="Europe/Madrid")
    r = s.get("/api/users/" + acc.id)
    assert r.status == 200, r
    assert r.json == {"id": acc.id, "name": acc.name, "username": acc.username,
                      "time_zone": "Europe/Madrid"}, r
    assert "email" not in r.json
    assert_no_secrets(r)


def test_get_user_unknown_or_bad_id():
    s = shared_server()
    for ident in ["00000000-0000-0000-0000-000000000000", "6f1c1c1e-8a55-4a7b-9a51-3c2d9e0f1a2b",
                  "not-a-uuid", "1", "'%20OR%201=1--"]:
        assert_error(s.get("/api/users/" + ident), 404, "not_found")


def test_no_answer_contains_password():
    s = shared_server()
    acc = new_user(s)
    answers = [
        s.get("/api/me", token=acc.token),
        s.get("/api/users/" + acc.id),
        s.get("/api/public/users/" + acc.username),
        login_response(s, acc.email, acc.password),
        s.patch("/api/me", json={"name": "Z"}, token=acc.token),
    ]
    for r in answers:
        assert r.status == 200, r
        assert_no_secrets(r)
        assert acc.password not in r.text, r
        assert "$argon2" not in r.text, r


def test_concurrent_signups_same_email_and_username():
    from concurrent.futures import ThreadPoolExecutor
    s = shared_server()
    email = unique("race") + "@example.com"
    bodies = [signup_body(email=email) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda b: s.post("/api/users", json=b), bodies))
    statuses = sorted(r.status for r in results)
    assert statuses == [201] + [409] * 5, results
    for r in results:
        if r.status == 409:
            assert_error(r, 409, "email_taken")
    username = unique("race")
    bodies = [signup_body(username=username) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda b: s.post("/api/users", json=b), bodies))
    assert sorted(r.status for r in results) == [201] + [409] * 5, results
    for r in results:
        if r.status == 409:
            assert_error(r, 409, "username_taken")


def test_extra_reserved_usernames():
    # docs/api-notes.md reserves these too
    s = shared_server()
    for name in ["bookings", "account", "new"]:
        assert_error(s.post("/api/users", json=signup_body(username=name)), 422,
                     "validation_failed", field="username")


def test_bearer_scheme_is_case_insensitive():
    s = shared_server()
    acc = new_user(s)
    r = s.get("/api/me", headers={"Authorization": "bearer " + acc.token})
    assert r.status == 200, r


def test_patch_me_time_zone_does_not_move_schedule():
    # docs/api-notes.md: the schedule's zone is set with POST /api/availability/rules
    s = shared_server()
    acc = new_user(s, time_zone="Europe/Oslo")
    assert s.patch("/api/me", json={"time_zone": "Asia/Tokyo"}, token=acc.token).status == 200
    r = s.get("/api/availability/rules", token=acc.token)
    assert r.status == 200 and r.body["time_zone"] == "Europe/Oslo", r


def test_read_only_user_fields_cannot_be_assigned():
    s = shared_server()
    acc = new_user(s)
    other = signup(s)
    fixed = "11111111-2222-4333-8444-555555555555"
    r = s.post("/api/users", json=signup_body(id=fixed, role="admin", created_at="2000-01-01T00:00:00Z"))
    assert r.status == 201, r
    assert r.body["id"] != fixed and r.body["role"] == "user", r
    assert not r.body["created_at"].startswith("2000"), r
    r = s.patch("/api/me", json={"role": "admin", "email": other.email, "username": other.username,
                                 "id": other.id}, token=acc.token)
    assert r.status in (200, 422), r
    me = s.get("/api/me", token=acc.token).body
    assert me["id"] == acc.id and me["role"] == "user", me
    assert me["email"] == acc.email and me["username"] == acc.username, me
    assert login_response(s, other.email, other.password).status == 200
