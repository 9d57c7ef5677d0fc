"""Meeting types: defaults, validation of every field, slugs, owner/public
views, PUT/PATCH/DELETE, other users, and the public endpoints."""

import time

from harness import (OMIT, OWNER_ONLY_MT_FIELDS, PUBLIC_MT_FIELDS, RFC3339_UTC_RE, UUID_RE,
                     Checks, assert_error, make_meeting_type, mt_body, new_user, shared_server,
                     signup, unique)

WEIGHT = 5

ALL_FIELDS = PUBLIC_MT_FIELDS | OWNER_ONLY_MT_FIELDS


def _owner():
    return new_user(shared_server())


def _create(s, token, **overrides):
    return s.post("/api/meeting-types", json=mt_body(**overrides), token=token)


# -------------------------------------------------------------------- create


def test_create_defaults():
    s = shared_server()
    acc = _owner()
    r = _create(s, acc.token, name="Intro", slug="intro")
    assert r.status == 201, r
    mt = r.body
    missing = ALL_FIELDS - set(mt)
    assert not missing, "fields missing: %r in %r" % (missing, mt)
    assert UUID_RE.match(mt["id"]), mt
    expected = {
        "user_id": acc.id, "name": "Intro", "slug": "intro", "description": "",
        "kind": "one_on_one", "duration_minutes": 30, "buffer_before_minutes": 0,
        "buffer_after_minutes": 0, "slot_interval_minutes": 30, "min_notice_minutes": 0,
        "booking_window_days": 60, "max_bookings_per_day": None, "seats": 1,
        "host_ids": [acc.id], "questions": [], "location": "", "color": "#3B82F6",
        "is_active": True,
    }
    wrong = {k: (mt.get(k), v) for k, v in expected.items() if mt.get(k) != v}
    assert not wrong, "defaults wrong (got, want): %r" % wrong
    assert RFC3339_UTC_RE.match(mt["created_at"]) and RFC3339_UTC_RE.match(mt["updated_at"]), mt


def test_create_all_fields_round_trip():
    s = shared_server()
    acc = _owner()
    body = {
        "name": "Deep dive", "slug": "deep-dive-2", "description": "Long talk\nwith notes",
        "kind": "one_on_one", "duration_minutes": 90, "buffer_before_minutes": 15,
        "buffer_after_minutes": 240, "slot_interval_minutes": 45, "min_notice_minutes": 1440,
        "booking_window_days": 730, "max_bookings_per_day": 3, "seats": 1,
        "host_ids": [acc.id],
        "questions": [
            {"id": "topic", "label": "Topic", "type": "text", "required": True},
            {"id": "details", "label": "Details", "type": "textarea", "required": False},
            {"id": "size", "label": "Team size", "type": "select", "required": True,
             "options": ["1-10", "11-50", "51+"]},
            {"id": "agree", "label": "I agree", "type": "checkbox", "required": False},
        ],
        "location": "https://meet.example.com/abc", "color": "#10B981", "is_active": True,
    }
    r = s.post("/api/meeting-types", json=body, token=acc.token)
    assert r.status == 201, r
    got = r.body
    for k, v in body.items():
        if k == "questions":
            for want_q, got_q in zip(v, got["questions"]):
                for qk, qv in want_q.items():
                    assert got_q.get(qk) == qv, "question %r: %r != %r" % (qk, got_q, want_q)
            assert len(got["questions"]) == len(v), got
        else:
            assert got.get(k) == v, "%s: got %r want %r" % (k, got.get(k), v)
    r2 = s.get("/api/meeting-types/" + got["id"], token=acc.token)
    assert r2.status == 200 and r2.body == got, (r2, got)


def test_slot_interval_defaults_to_duration():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token, duration_minutes=45)
    assert mt["slot_interval_minutes"] == 45, mt


def test_create_requires_auth():
    s = shared_server()
    assert_error(s.post("/api/meeting-types", json=mt_body()), 401, "unauthenticated")
    assert_error(s.get("/api/meeting-types"), 401, "unauthenticated")


INT_RANGES = [
    # field, rejected values, accepted values
    ("duration_minutes", [4, 721, 0, -30], [5, 720]),
    ("buffer_before_minutes", [-1, 241], [0, 240]),
    ("buffer_after_minutes", [-1, 241], [0, 240]),
    ("slot_interval_minutes", [4, 721, 0], [5, 720]),
    ("min_notice_minutes", [-1], [0, 60]),
    ("booking_window_days", [0, 731, -5], [1, 730]),
    ("max_bookings_per_day", [0, -1], [1, None]),
    ("seats", [0, -1], [1]),
]


def test_integer_field_ranges():
    s = shared_server()
    acc = _owner()
    c = Checks()
    for field, bad, good in INT_RANGES:
        for v in bad:
            with c.case("%s=%r rejected" % (field, v)):
                assert_error(_create(s, acc.token, **{field: v}), 422, "validation_failed", field=field)
        for v in good:
            with c.case("%s=%r accepted" % (field, v)):
                r = _create(s, acc.token, **{field: v})
                assert r.status == 201, r
                assert r.body[field] == v, r
    c.done()


def test_wrong_json_types():
    s = shared_server()
    acc = _owner()
    c = Checks()
    cases = {
        "name": [5, None, [], {}, True],
        "slug": [5, None, [], True],
        "description": [5, [], {}, True],
        "kind": [1, [], True],
        "duration_minutes": ["30", 30.5, 1.5, True, [], None, {}],
        "buffer_before_minutes": ["0", 1.5, True, []],
        "buffer_after_minutes": ["0", 2.5, False],
        "slot_interval_minutes": ["30", 30.5, []],
        "min_notice_minutes": ["0", 0.5, True],
        "booking_window_days": ["60", 1.5, {}],
        "max_bookings_per_day": ["1", 1.5, True, []],
        "seats": ["1", 1.5, True],
        "host_ids": ["x", 5, {}, True, [5]],
        "questions": ["x", 5, {}, True, ["q"], [5]],
        "location": [5, [], True],
        "color": [5, [], True],
        "is_active": ["true", 1, 0, [], {}],
    }
    for field, values in cases.items():
        for v in values:
            with c.case("%s=%r" % (field, v)):
                r = _create(s, acc.token, **{field: v})
                if field in ("host_ids", "questions"):
                    assert_error(r, 422, field_prefix=field)
                else:
                    assert_error(r, 422, field=field)
    c.done()
    assert s.get("/api/meeting-types", token=acc.token).body["data"] == []


def test_name_and_slug_validation():
    s = shared_server()
    acc = _owner()
    c = Checks()
    for name in ["", "x" * 201, OMIT]:
        with c.case("name %r" % (name if name is OMIT else len(name))):
            assert_error(_create(s, acc.token, name=name), 422, "validation_failed", field="name")
    for slug in ["", "Intro", "-intro", "intro call", "intro_call", "intro/x", "intro.",
                 "é", "a" * 101, "intro\n", OMIT]:
        with c.case("slug %r" % (slug if slug is OMIT else slug[:20])):
            assert_error(_create(s, acc.token, slug=slug), 422, "validation_failed", field="slug")
    for slug in ["a", "0", "intro-call-", "a" * 100, "9-lives"]:
        with c.case("slug %r accepted" % slug[:20]):
            r = _create(s, acc.token, slug=slug)
            assert r.status == 201 and r.body["slug"] == slug, r
    with c.case("name of 200"):
        r = _create(s, acc.token, name="n" * 200)
        assert r.status == 201, r
    c.done()


def test_kind_color_seats_validation():
    s = shared_server()
    acc = _owner()
    c = Checks()
    for kind in ["", "One_On_One", "webinar", "group "]:
        with c.case("kind %r" % kind):
            assert_error(_create(s, acc.token, kind=kind), 422, "validation_failed", field="kind")
    for color in ["", "red", "#12345", "#1234567", "123456", "#GGGGGG", "#12345G", "#fff"]:
        with c.case("color %r" % color):
            assert_error(_create(s, acc.token, color=color), 422, "validation_failed", field="color")
    for color in ["#000000", "#FFFFFF", "#A1B2C3", "#a1b2c3"]:
        with c.case("color %r accepted" % color):
            r = _create(s, acc.token, color=color)
            assert r.status == 201 and r.body["color"].upper() == color.upper(), r
    for kind in ["one_on_one", "collective", "round_robin"]:
        with c.case("seats 2 for %s" % kind):
            assert_error(_create(s, acc.token, kind=kind, seats=2), 422, "validation_failed",
                         field="seats")
    with c.case("group with 5 seats"):
        r = _create(s, acc.token, kind="group", seats=5)
        assert r.status == 201 and r.body["seats"] == 5 and r.body["kind"] == "group", r
    with c.case("group with 1 seat"):
        r = _create(s, acc.token, kind="group", seats=1)
        assert r.status == 201, r
    c.done()


def test_questions_validation():
    s = shared_server()
    acc = _owner()
    q = lambda **kw: dict({"id": "q1", "label": "Question", "type": "text", "required": False}, **kw)
    c = Checks()
    bad = {
        "missing id": [{k: v for k, v in q().items() if k != "id"}],
        "empty id": [q(id="")],
        "missing label": [{k: v for k, v in q().items() if k != "label"}],
        "bad type": [q(type="radio")],
        "missing type": [{k: v for k, v in q().items() if k != "type"}],
        "required not bool": [q(required="yes")],
        "select without options": [q(type="select")],
        "select with empty options": [q(type="select", options=[])],
        "select with non-string option": [q(type="select", options=["a", 2])],
        "select with empty-string option": [q(type="select", options=["a", ""])],
        "duplicate ids": [q(), q(label="Other")],
        "id not a string": [q(id=5)],
        "label not a string": [q(label=["x"])],
        "item not an object": [q(), "text"],
    }
    for label, questions in bad.items():
        with c.case(label):
            assert_error(_create(s, acc.token, questions=questions), 422, "validation_failed",
                         field_prefix="questions")
    with c.case("valid select"):
        r = _create(s, acc.token, questions=[q(type="select", options=["x", "y"], required=True)])
        assert r.status == 201, r
        assert r.body["questions"][0]["options"] == ["x", "y"], r
    c.done()


def test_host_ids_validation():
    s = shared_server()
    acc = _owner()
    other = signup(s)
    c = Checks()
    with c.case("one_on_one with another host"):
        assert_error(_create(s, acc.token, host_ids=[other.id]), 422, "validation_failed",
                     field_prefix="host_ids")
    with c.case("one_on_one with owner and another"):
        assert_error(_create(s, acc.token, host_ids=[acc.id, other.id]), 422, "validation_failed",
                     field_prefix="host_ids")
    with c.case("group with another host"):
        assert_error(_create(s, acc.token, kind="group", seats=3, host_ids=[acc.id, other.id]),
                     422, "validation_failed", field_prefix="host_ids")
    with c.case("one_on_one empty hosts"):
        assert_error(_create(s, acc.token, host_ids=[]), 422, "validation_failed",
                     field_prefix="host_ids")
    with c.case("collective with unknown user"):
        assert_error(_create(s, acc.token, kind="collective",
                             host_ids=[acc.id, "00000000-0000-0000-0000-000000000000"]),
                     422, "validation_failed", field_prefix="host_ids")
    with c.case("collective with non-uuid"):
        assert_error(_create(s, acc.token, kind="collective", host_ids=[acc.id, "bob"]),
                     422, "validation_failed", field_prefix="host_ids")
    with c.case("one_on_one with owner"):
        r = _create(s, acc.token, host_ids=[acc.id])
        assert r.status == 201 and r.body["host_ids"] == [acc.id], r
    with c.case("collective with two hosts"):
        r = _create(s, acc.token, kind="collective", host_ids=[acc.id, other.id])
        assert r.status == 201, r
        assert sorted(r.body["host_ids"]) == sorted([acc.id, other.id]), r
    with c.case("round robin with two hosts"):
        r = _create(s, acc.token, kind="round_robin", host_ids=[acc.id, other.id])
        assert r.status == 201 and sorted(r.body["host_ids"]) == sorted([acc.id, other.id]), r
    with c.case("collective defaults to the owner"):
        r = _create(s, acc.token, kind="collective")
        assert r.status == 201 and r.body["host_ids"] == [acc.id], r
    c.done()


def test_duplicate_slug():
    s = shared_server()
    a = _owner()
    b = _owner()
    make_meeting_type(s, a.token, slug="coffee")
    assert_error(_create(s, a.token, slug="coffee"), 409, "slug_taken")
    mt = make_meeting_type(s, b.token, slug="coffee")   # another owner may reuse it
    assert mt["slug"] == "coffee" and mt["user_id"] == b.id, mt


def test_nul_and_long_strings():
    s = shared_server()
    acc = _owner()
    c = Checks()
    for field in ["name", "description", "location", "slug"]:
        with c.case("NUL in %s" % field):
            assert_error(_create(s, acc.token, **{field: "ab\u0000cd"}), 422, field=field)
    for field in ["name", "description", "location"]:
        with c.case("100 KB %s" % field):
            assert_error(_create(s, acc.token, **{field: "x" * 100_000}), 422, "validation_failed",
                         field=field)
    c.done()


# -------------------------------------------------------------------- list and get


def test_list_own_types_only():
    s = shared_server()
    a = _owner()
    b = _owner()
    a1 = make_meeting_type(s, a.token)
    a2 = make_meeting_type(s, a.token, is_active=False)
    make_meeting_type(s, b.token)
    r = s.get("/api/meeting-types", token=a.token)
    assert r.status == 200, r
    assert set(r.body.keys()) == {"data"}, r
    ids = sorted(x["id"] for x in r.body["data"])
    assert ids == sorted([a1["id"], a2["id"]]), r
    for x in r.body["data"]:
        assert x["user_id"] == a.id and not (ALL_FIELDS - set(x)), x


def test_get_owner_and_public_views():
    s = shared_server()
    owner = _owner()
    other = _owner()
    mt = make_meeting_type(s, owner.token, buffer_before_minutes=10, max_bookings_per_day=4)
    r = s.get("/api/meeting-types/" + mt["id"], token=owner.token)
    assert r.status == 200 and r.body == mt, r
    for who, tok in [("anonymous", None), ("another user", other.token)]:
        r = s.get("/api/meeting-types/" + mt["id"], token=tok)
        assert r.status == 200, (who, r)
        missing = PUBLIC_MT_FIELDS - set(r.body)
        leaked = OWNER_ONLY_MT_FIELDS & set(r.body)
        assert not missing, "%s: public fields missing %r" % (who, missing)
        assert not leaked, "%s: owner-only fields leaked %r" % (who, leaked)
        for k in PUBLIC_MT_FIELDS:
            assert r.body[k] == mt[k], (who, k, r.body[k], mt[k])


def test_inactive_type_is_404_for_others():
    s = shared_server()
    owner = _owner()
    other = _owner()
    mt = make_meeting_type(s, owner.token, is_active=False)
    assert s.get("/api/meeting-types/" + mt["id"], token=owner.token).status == 200
    assert_error(s.get("/api/meeting-types/" + mt["id"]), 404, "not_found")
    assert_error(s.get("/api/meeting-types/" + mt["id"], token=other.token), 404, "not_found")


def test_get_unknown_or_bad_id():
    s = shared_server()
    acc = _owner()
    for ident in ["00000000-0000-0000-0000-000000000000", "nope", "1"]:
        assert_error(s.get("/api/meeting-types/" + ident, token=acc.token), 404, "not_found")
        assert_error(s.get("/api/meeting-types/" + ident), 404, "not_found")


# -------------------------------------------------------------------- update and delete


def test_patch_changes_given_fields_and_bumps_updated_at():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token, description="before", duration_minutes=30)
    time.sleep(1.1)
    r = s.patch("/api/meeting-types/" + mt["id"], json={"name": "Renamed", "buffer_after_minutes": 5},
                token=acc.token)
    assert r.status == 200, r
    new = r.body
    assert new["name"] == "Renamed" and new["buffer_after_minutes"] == 5, new
    for k in ALL_FIELDS - {"name", "buffer_after_minutes", "updated_at"}:
        assert new[k] == mt[k], "PATCH changed %s: %r -> %r" % (k, mt[k], new[k])
    assert new["updated_at"] > mt["updated_at"], (mt["updated_at"], new["updated_at"])
    assert new["created_at"] == mt["created_at"]
    assert s.get("/api/meeting-types/" + mt["id"], token=acc.token).body == new


def test_put_changes_given_fields():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token, description="keep me", location="Room 1")
    time.sleep(1.1)
    r = s.put("/api/meeting-types/" + mt["id"], json={"duration_minutes": 60, "color": "#000000"},
              token=acc.token)
    assert r.status == 200, r
    new = r.body
    assert new["duration_minutes"] == 60 and new["color"] == "#000000", new
    assert new["description"] == "keep me" and new["location"] == "Room 1", new
    # the stored interval does not follow the duration (api-notes)
    assert new["slot_interval_minutes"] == mt["slot_interval_minutes"], new
    assert new["updated_at"] > mt["updated_at"], (mt["updated_at"], new["updated_at"])


def test_update_validation_leaves_type_unchanged():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token)
    c = Checks()
    for method in ["PATCH", "PUT"]:
        for body, field in [({"duration_minutes": 4}, "duration_minutes"),
                            ({"duration_minutes": 721}, "duration_minutes"),
                            ({"name": ""}, "name"), ({"slug": "Bad Slug"}, "slug"),
                            ({"color": "blue"}, "color"), ({"kind": "party"}, "kind"),
                            ({"seats": 3}, "seats"), ({"booking_window_days": 0}, "booking_window_days"),
                            ({"is_active": "no"}, "is_active"),
                            ({"name": "ok", "buffer_before_minutes": 241}, "buffer_before_minutes")]:
            with c.case("%s %r" % (method, body)):
                r = s.request(method, "/api/meeting-types/" + mt["id"], json=body, token=acc.token)
                assert_error(r, 422, field=field)
    with c.case("unchanged"):
        assert s.get("/api/meeting-types/" + mt["id"], token=acc.token).body == mt
    c.done()


def test_update_slug_conflict_and_kind_change():
    s = shared_server()
    acc = _owner()
    a = make_meeting_type(s, acc.token, slug="first")
    b = make_meeting_type(s, acc.token, slug="second")
    assert_error(s.patch("/api/meeting-types/" + b["id"], json={"slug": "first"}, token=acc.token),
                 409, "slug_taken")
    r = s.patch("/api/meeting-types/" + a["id"], json={"slug": "first"}, token=acc.token)
    assert r.status == 200, "keeping its own slug is not a conflict: %r" % r
    r = s.patch("/api/meeting-types/" + b["id"], json={"kind": "group", "seats": 4}, token=acc.token)
    assert r.status == 200 and r.body["kind"] == "group" and r.body["seats"] == 4, r
    # back to one_on_one while seats stay at 4 is invalid
    assert_error(s.patch("/api/meeting-types/" + b["id"], json={"kind": "one_on_one"},
                         token=acc.token), 422, "validation_failed")
    r = s.patch("/api/meeting-types/" + b["id"], json={"kind": "one_on_one", "seats": 1}, token=acc.token)
    assert r.status == 200 and r.body["kind"] == "one_on_one", r


def test_delete():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token, slug="to-delete")
    r = s.delete("/api/meeting-types/" + mt["id"], token=acc.token)
    assert r.status == 204 and r.raw == b"", r
    assert_error(s.get("/api/meeting-types/" + mt["id"], token=acc.token), 404, "not_found")
    assert_error(s.get("/api/meeting-types/" + mt["id"]), 404, "not_found")
    assert_error(s.delete("/api/meeting-types/" + mt["id"], token=acc.token), 404, "not_found")
    assert_error(s.patch("/api/meeting-types/" + mt["id"], json={"name": "x"}, token=acc.token),
                 404, "not_found")
    assert s.get("/api/meeting-types", token=acc.token).body["data"] == []
    assert_error(s.get("/api/public/users/%s/meeting-types/to-delete" % acc.username), 404)
    # the slug is free again
    make_meeting_type(s, acc.token, slug="to-delete")


def test_other_users_cannot_modify():
    s = shared_server()
    owner = _owner()
    other = _owner()
    mt = make_meeting_type(s, owner.token)
    path = "/api/meeting-types/" + mt["id"]
    assert_error(s.put(path, json={"name": "Hijacked"}, token=other.token), 404, "not_found")
    assert_error(s.patch(path, json={"name": "Hijacked"}, token=other.token), 404, "not_found")
    assert_error(s.delete(path, token=other.token), 404, "not_found")
    assert_error(s.patch(path, json={"name": "Hijacked"}), 401)
    assert_error(s.delete(path), 401)
    assert s.get(path, token=owner.token).body == mt


def test_update_requires_auth():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token)
    assert_error(s.put("/api/meeting-types/" + mt["id"], json={"name": "x"}), 401, "unauthenticated")


# -------------------------------------------------------------------- public endpoints


def test_public_user_page():
    s = shared_server()
    acc = _owner()
    active = make_meeting_type(s, acc.token, slug="active-one", buffer_after_minutes=10)
    make_meeting_type(s, acc.token, slug="hidden-one", is_active=False)
    r = s.get("/api/public/users/" + acc.username)
    assert r.status == 200, r
    body = r.body
    assert body["id"] == acc.id and body["username"] == acc.username, body
    assert body["name"] == acc.name and body["time_zone"] == "UTC", body
    assert "email" not in body, body
    slugs = [m["slug"] for m in body["meeting_types"]]
    assert slugs == ["active-one"], body
    m = body["meeting_types"][0]
    assert not (PUBLIC_MT_FIELDS - set(m)), m
    assert not (OWNER_ONLY_MT_FIELDS & set(m)), "owner-only fields leaked: %r" % m
    assert m["id"] == active["id"], m


def test_public_user_unknown():
    s = shared_server()
    assert_error(s.get("/api/public/users/" + unique("nobody")), 404, "not_found")


def test_public_meeting_type_by_slug():
    s = shared_server()
    acc = _owner()
    mt = make_meeting_type(s, acc.token, slug="chat", min_notice_minutes=120)
    make_meeting_type(s, acc.token, slug="off", is_active=False)
    r = s.get("/api/public/users/%s/meeting-types/chat" % acc.username)
    assert r.status == 200, r
    assert not (PUBLIC_MT_FIELDS - set(r.body)), r
    assert not (OWNER_ONLY_MT_FIELDS & set(r.body)), "owner-only fields leaked: %r" % r
    for k in PUBLIC_MT_FIELDS:
        assert r.body[k] == mt[k], k
    assert_error(s.get("/api/public/users/%s/meeting-types/off" % acc.username), 404, "not_found")
    assert_error(s.get("/api/public/users/%s/meeting-types/nope" % acc.username), 404, "not_found")
    assert_error(s.get("/api/public/users/%s/meeting-types/chat" % unique("ghost")), 404, "not_found")
    # deactivating hides it
    assert s.patch("/api/meeting-types/" + mt["id"], json={"is_active": False},
                   token=acc.token).status == 200
    assert_error(s.get("/api/public/users/%s/meeting-types/chat" % acc.username), 404, "not_found")
    assert s.get("/api/public/users/" + acc.username).body["meeting_types"] == []


def test_documented_limits():
    """Limits from docs/api-notes.md."""
    s = shared_server()
    acc = _owner()
    q = lambda i: {"id": "q%d" % i, "label": "L", "type": "text", "required": False}
    c = Checks()
    for field, bad, good in [("description", "d" * 5001, "d" * 5000),
                             ("location", "l" * 501, "l" * 500),
                             ("min_notice_minutes", 1051201, 1051200),
                             ("max_bookings_per_day", 1001, 1000)]:
        with c.case("%s too big" % field):
            assert_error(_create(s, acc.token, **{field: bad}), 422, "validation_failed", field=field)
        with c.case("%s at limit" % field):
            r = _create(s, acc.token, **{field: good})
            assert r.status == 201 and r.body[field] == good, r
    with c.case("seats 1001"):
        assert_error(_create(s, acc.token, kind="group", seats=1001), 422, "validation_failed", field="seats")
    with c.case("seats 1000"):
        assert _create(s, acc.token, kind="group", seats=1000).status == 201
    with c.case("21 questions"):
        assert_error(_create(s, acc.token, questions=[q(i) for i in range(21)]), 422,
                     "validation_failed", field_prefix="questions")
    with c.case("20 questions"):
        assert _create(s, acc.token, questions=[q(i) for i in range(20)]).status == 201
    with c.case("question id with bad characters"):
        assert_error(_create(s, acc.token, questions=[dict(q(0), id="a b")]), 422,
                     "validation_failed", field_prefix="questions")
    with c.case("question id of 65"):
        assert_error(_create(s, acc.token, questions=[dict(q(0), id="a" * 65)]), 422,
                     "validation_failed", field_prefix="questions")
    with c.case("select with 51 options"):
        assert_error(_create(s, acc.token, questions=[dict(q(0), type="select",
                                                               options=["o%d" % i for i in range(51)])]),
                     422, "validation_failed", field_prefix="questions")
    with c.case("select option of 201 chars"):
        assert_error(_create(s, acc.token, questions=[dict(q(0), type="select", options=["o" * 201])]),
                     422, "validation_failed", field_prefix="questions")
    c.done()


def test_concurrent_creates_with_one_slug():
    from concurrent.futures import ThreadPoolExecutor
    s = shared_server()
    acc = _owner()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _create(s, acc.token, slug="hot-slug"), range(8)))
    assert sorted(r.status for r in results) == [201] + [409] * 7, results
    for r in results:
        if r.status == 409:
            assert_error(r, 409, "slug_taken")
    assert len(s.get("/api/meeting-types", token=acc.token).body["data"]) == 1


def test_read_only_fields_cannot_be_assigned():
    """id, user_id and timestamps come from the server: a body naming them
    must never create or move a type for someone else."""
    s = shared_server()
    owner = _owner()
    victim = _owner()
    fake_id = "11111111-2222-4333-8444-555555555555"
    r = _create(s, owner.token, user_id=victim.id, id=fake_id, created_at="2000-01-01T00:00:00Z")
    if r.status == 201:
        assert r.body["user_id"] == owner.id, "created for the user named in the body: %r" % r
        assert r.body["id"] != fake_id, "client chose the id: %r" % r
        assert not r.body["created_at"].startswith("2000"), r
    else:
        assert_error(r, 422)
    assert s.get("/api/meeting-types", token=victim.token).body["data"] == []
    mt = make_meeting_type(s, owner.token)
    r = s.patch("/api/meeting-types/" + mt["id"],
                json={"user_id": victim.id, "id": fake_id, "created_at": "2000-01-01T00:00:00Z"},
                token=owner.token)
    assert r.status in (200, 422), r
    got = s.get("/api/meeting-types/" + mt["id"], token=owner.token)
    assert got.status == 200, "type moved or renamed: %r" % got
    assert got.body["user_id"] == owner.id and got.body["created_at"] == mt["created_at"], got
    assert s.get("/api/meeting-types", token=victim.token).body["data"] == []
    assert_error(s.get("/api/meeting-types/" + fake_id, token=victim.token), 404)
