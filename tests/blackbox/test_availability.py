"""Availability: weekly rules (replace-all, validation, atomicity) and
per-date overrides."""

from harness import UUID_RE, Checks, assert_error, new_user, shared_server

WEIGHT = 2

RULES = "/api/availability/rules"
OVR = "/api/availability/overrides"


def _rule(day, start, end):
    return {"day_of_week": day, "start_time": start, "end_time": end}


def _triples(body):
    return [(r["day_of_week"], r["start_time"], r["end_time"]) for r in body["rules"]]


def _user():
    return new_user(shared_server())


# -------------------------------------------------------------------- weekly rules


def test_rules_need_auth():
    s = shared_server()
    assert_error(s.get(RULES), 401, "unauthenticated")
    assert_error(s.post(RULES, json={"rules": []}), 401, "unauthenticated")
    assert_error(s.put(RULES, json={"rules": []}), 401, "unauthenticated")
    assert_error(s.get(OVR), 401, "unauthenticated")
    assert_error(s.put(OVR + "/2027-03-15", json={"intervals": []}), 401, "unauthenticated")
    assert_error(s.delete(OVR + "/2027-03-15"), 401, "unauthenticated")


def test_replace_rules_sorted_with_ids():
    s = shared_server()
    acc = _user()
    rules = [_rule(3, "13:00", "17:00"), _rule(1, "09:00", "12:00"), _rule(3, "08:00", "12:30"),
             _rule(0, "00:00", "24:00"), _rule(6, "10:00", "10:30"), _rule(1, "12:00", "13:00")]
    r = s.post(RULES, json={"time_zone": "America/New_York", "rules": rules}, token=acc.token)
    assert r.status == 200, r
    assert r.body["time_zone"] == "America/New_York", r
    want = [(0, "00:00", "24:00"), (1, "09:00", "12:00"), (1, "12:00", "13:00"),
            (3, "08:00", "12:30"), (3, "13:00", "17:00"), (6, "10:00", "10:30")]
    assert _triples(r.body) == want, r
    for x in r.body["rules"]:
        assert UUID_RE.match(str(x.get("id"))), x
    g = s.get(RULES, token=acc.token)
    assert g.status == 200 and g.body == r.body, (g, r)


def test_put_rules_same_as_post_and_time_zone_optional():
    s = shared_server()
    acc = _user()
    r = s.put(RULES, json={"time_zone": "Asia/Kolkata", "rules": [_rule(2, "10:00", "11:00")]},
              token=acc.token)
    assert r.status == 200 and _triples(r.body) == [(2, "10:00", "11:00")], r
    r = s.put(RULES, json={"rules": [_rule(4, "14:00", "15:00")]}, token=acc.token)
    assert r.status == 200, r
    assert r.body["time_zone"] == "Asia/Kolkata", "time_zone must be kept when omitted: %r" % r
    assert _triples(r.body) == [(4, "14:00", "15:00")], r


def test_empty_rules_allowed():
    s = shared_server()
    acc = _user()
    r = s.post(RULES, json={"rules": []}, token=acc.token)
    assert r.status == 200 and r.body["rules"] == [], r
    assert s.get(RULES, token=acc.token).body["rules"] == []


def test_rules_are_per_user():
    s = shared_server()
    a = _user()
    b = _user()
    assert s.post(RULES, json={"rules": [_rule(0, "01:00", "02:00")]}, token=a.token).status == 200
    got = _triples(s.get(RULES, token=b.token).body)
    assert got == [(d, "09:00", "17:00") for d in range(1, 6)], got


def test_invalid_rules_rejected_atomically():
    s = shared_server()
    acc = _user()
    base = {"time_zone": "Europe/Berlin",
            "rules": [_rule(1, "09:00", "12:00"), _rule(2, "09:00", "17:00")]}
    r = s.post(RULES, json=base, token=acc.token)
    assert r.status == 200, r
    before = s.get(RULES, token=acc.token).body
    ok1 = _rule(1, "09:00", "12:00")
    ok2 = _rule(2, "09:00", "10:00")
    cases = [
        # label, rules, field (exact) or prefix (ending with '.' or '[')
        ("end before start", [ok1, ok2, _rule(3, "12:00", "11:00")], "rules[2].end_time"),
        ("end equals start", [ok1, ok2, _rule(3, "12:00", "12:00")], "rules[2].end_time"),
        ("day 7", [ok1, ok2, _rule(7, "09:00", "10:00")], "rules[2].day_of_week"),
        ("day -1", [ok1, _rule(-1, "09:00", "10:00")], "rules[1].day_of_week"),
        ("start 25:00", [ok1, ok2, _rule(3, "25:00", "26:00")], "rules[2].start_time"),
        ("start 9:00", [ok1, _rule(3, "9:00", "10:00")], "rules[1].start_time"),
        ("end 09:60", [ok1, ok2, _rule(3, "09:00", "09:60")], "rules[2].end_time"),
        ("end 24:01", [_rule(3, "09:00", "24:01")], "rules[0].end_time"),
        ("end 25:00", [_rule(3, "09:00", "25:00")], "rules[0].end_time"),
        ("start with seconds", [_rule(3, "09:00:00", "10:00")], "rules[0].start_time"),
        ("start empty", [_rule(3, "", "10:00")], "rules[0].start_time"),
        ("start 0900", [_rule(3, "0900", "10:00")], "rules[0].start_time"),
        ("start -1:00", [_rule(3, "-1:00", "10:00")], "rules[0].start_time"),
        ("start 24:00", [ok1, _rule(3, "24:00", "24:00")], "rules[1]."),
        ("overlap later window", [ok1, ok2, _rule(1, "11:00", "13:00")], "rules[2]."),
        ("overlap contained", [ok1, _rule(1, "10:00", "11:00")], "rules[1]."),
        ("duplicate window", [ok1, dict(ok1)], "rules[1]."),
        ("overlap unordered", [_rule(5, "11:00", "13:00"), _rule(5, "09:00", "12:00")], "rules["),
        ("day as string", [_rule("1", "09:00", "10:00")], "rules[0].day_of_week"),
        ("day as float", [_rule(1.5, "09:00", "10:00")], "rules[0].day_of_week"),
        ("start as number", [_rule(1, 900, "10:00")], "rules[0].start_time"),
        ("missing end", [{"day_of_week": 1, "start_time": "09:00"}], "rules[0].end_time"),
        ("missing day", [{"start_time": "09:00", "end_time": "10:00"}], "rules[0].day_of_week"),
        ("item not object", [ok1, "mon 9-5"], "rules[1]"),
        ("NUL in time", [_rule(1, "09:00\u0000", "10:00")], "rules[0].start_time"),
    ]
    c = Checks()
    for label, rules, field in cases:
        with c.case(label):
            r = s.post(RULES, json={"time_zone": "Asia/Tokyo", "rules": rules}, token=acc.token)
            if field.endswith(".") or field.endswith("["):
                assert_error(r, 422, field_prefix=field)
            else:
                assert_error(r, 422, field=field)
    for label, body, status, code, field in [
        ("rules not array", {"rules": "all week"}, 422, None, "rules"),
        ("rules missing", {"time_zone": "UTC"}, 422, None, "rules"),
        ("rules null", {"rules": None}, 422, None, "rules"),
        ("bad time zone", {"time_zone": "Moon/Base", "rules": [ok1]}, 422, "invalid_time_zone", "time_zone"),
        ("time zone number", {"time_zone": 5, "rules": [ok1]}, 422, None, "time_zone"),
    ]:
        with c.case(label):
            assert_error(s.put(RULES, json=body, token=acc.token), status, code, field=field)
    with c.case("nothing changed"):
        assert s.get(RULES, token=acc.token).body == before
    c.done()


# -------------------------------------------------------------------- overrides


def _iv(start, end):
    return {"start_time": start, "end_time": end}


def _ivs(body):
    return sorted((i["start_time"], i["end_time"]) for i in body["intervals"])


def test_override_put_get_delete():
    s = shared_server()
    acc = _user()
    r = s.put(OVR + "/2027-03-15", json={"intervals": [_iv("13:00", "15:00"), _iv("09:00", "12:00")]},
              token=acc.token)
    assert r.status == 200, r
    assert r.body["date"] == "2027-03-15", r
    assert _ivs(r.body) == [("09:00", "12:00"), ("13:00", "15:00")], r
    # replace
    r = s.put(OVR + "/2027-03-15", json={"intervals": [_iv("10:00", "24:00")]}, token=acc.token)
    assert r.status == 200 and _ivs(r.body) == [("10:00", "24:00")], r
    g = s.get(OVR + "?from=2027-03-15&to=2027-03-15", token=acc.token)
    assert g.status == 200, g
    assert [(o["date"], _ivs(o)) for o in g.body["overrides"]] == [("2027-03-15", [("10:00", "24:00")])], g
    d = s.delete(OVR + "/2027-03-15", token=acc.token)
    assert d.status == 204 and d.raw == b"", d
    g = s.get(OVR + "?from=2027-03-01&to=2027-03-31", token=acc.token)
    assert g.status == 200 and g.body["overrides"] == [], g
    # deleting again (or a date that never had one) is still 204
    assert s.delete(OVR + "/2027-03-15", token=acc.token).status == 204
    assert s.delete(OVR + "/2031-01-01", token=acc.token).status == 204


def test_override_closed_day():
    s = shared_server()
    acc = _user()
    r = s.put(OVR + "/2027-12-25", json={"intervals": []}, token=acc.token)
    assert r.status == 200 and r.body == {"date": "2027-12-25", "intervals": []}, r
    g = s.get(OVR + "?from=2027-12-25&to=2027-12-25", token=acc.token)
    assert g.body["overrides"] == [{"date": "2027-12-25", "intervals": []}], g


def test_overrides_list_filtered_and_sorted():
    s = shared_server()
    acc = _user()
    for d in ["2027-03-20", "2027-03-10", "2027-03-15", "2027-04-01"]:
        assert s.put(OVR + "/" + d, json={"intervals": [_iv("09:00", "10:00")]},
                     token=acc.token).status == 200
    def dates(q):
        r = s.get(OVR + q, token=acc.token)
        assert r.status == 200, r
        return [o["date"] for o in r.body["overrides"]]
    assert dates("?from=2027-03-15&to=2027-03-20") == ["2027-03-15", "2027-03-20"]
    assert dates("?from=2027-03-11&to=2027-03-19") == ["2027-03-15"]
    assert dates("?from=2027-03-01&to=2027-12-31") == ["2027-03-10", "2027-03-15", "2027-03-20", "2027-04-01"]
    assert dates("?from=2028-01-01&to=2028-12-31") == []
    assert dates("") == ["2027-03-10", "2027-03-15", "2027-03-20", "2027-04-01"]
    # another user sees none of them
    other = _user()
    r = s.get(OVR + "?from=2027-01-01&to=2027-12-31", token=other.token)
    assert r.status == 200 and r.body["overrides"] == [], r


def test_override_invalid_intervals():
    s = shared_server()
    acc = _user()
    assert s.put(OVR + "/2027-05-05", json={"intervals": [_iv("09:00", "10:00")]},
                 token=acc.token).status == 200
    c = Checks()
    for label, body in [
        ("overlap", {"intervals": [_iv("09:00", "12:00"), _iv("11:00", "13:00")]}),
        ("end before start", {"intervals": [_iv("12:00", "11:00")]}),
        ("end equals start", {"intervals": [_iv("12:00", "12:00")]}),
        ("bad time", {"intervals": [_iv("25:00", "26:00")]}),
        ("bad minutes", {"intervals": [_iv("09:00", "09:75")]}),
        ("single-digit hour", {"intervals": [_iv("9:00", "10:00")]}),
        ("end 24:30", {"intervals": [_iv("09:00", "24:30")]}),
        ("time as number", {"intervals": [_iv(900, "10:00")]}),
        ("missing start", {"intervals": [{"end_time": "10:00"}]}),
        ("intervals not array", {"intervals": "closed"}),
        ("intervals missing", {}),
        ("item not object", {"intervals": [5]}),
    ]:
        with c.case(label):
            assert_error(s.put(OVR + "/2027-05-05", json=body, token=acc.token), 422,
                         field_prefix="intervals")
    with c.case("unchanged"):
        g = s.get(OVR + "?from=2027-05-05&to=2027-05-05", token=acc.token)
        assert [(o["date"], _ivs(o)) for o in g.body["overrides"]] == [("2027-05-05", [("09:00", "10:00")])], g
    c.done()


def test_override_invalid_date_in_path():
    s = shared_server()
    acc = _user()
    c = Checks()
    for d in ["2027-02-30", "2027-02-29", "2027-13-01", "2027-00-10", "2027-04-31", "garbage",
              "2027-3-5", "20270315", "2027-03-15T00:00:00Z", "2027-03-1x", "-2027-03-15"]:
        with c.case("PUT " + d):
            assert_error(s.put(OVR + "/" + d, json={"intervals": []}, token=acc.token), 400,
                         "invalid_parameter")
        with c.case("DELETE " + d):
            assert_error(s.delete(OVR + "/" + d, token=acc.token), 400, "invalid_parameter")
    with c.case("leap day 2028-02-29 accepted"):
        r = s.put(OVR + "/2028-02-29", json={"intervals": []}, token=acc.token)
        assert r.status == 200 and r.body["date"] == "2028-02-29", r
    c.done()


def test_overrides_bad_query():
    s = shared_server()
    acc = _user()
    for q in ["?from=2027-02-30&to=2027-03-01", "?from=yesterday&to=2027-03-01",
              "?from=2027-03-01&to=03/05/2027"]:
        assert_error(s.get(OVR + q, token=acc.token), 400, "invalid_parameter")


def test_concurrent_rule_replacements_are_atomic():
    from concurrent.futures import ThreadPoolExecutor
    s = shared_server()
    acc = _user()
    schedules = []
    for n in range(8):
        # schedule n: every day, n+1 one-hour windows starting at n:00, 2-hour steps
        rules = [_rule(d, "%02d:00" % (h,), "%02d:00" % (h + 1,))
                 for d in range(7) for h in range(n, n + 2 * (n + 1), 2) if h + 1 <= 24]
        schedules.append(rules)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda r: s.post(RULES, json={"rules": r}, token=acc.token), schedules))
    assert all(r.status == 200 for r in results), [r for r in results if r.status != 200]
    final = sorted(_triples(s.get(RULES, token=acc.token).body))
    wanted = [sorted((x["day_of_week"], x["start_time"], x["end_time"]) for x in rules)
              for rules in schedules]
    assert final in wanted, "final schedule mixes several requests: %r" % final


def test_documented_availability_limits():
    """docs/api-notes.md: at most 200 weekly windows, 48 intervals a day."""
    s = shared_server()
    acc = _user()
    many = [_rule(d, "%02d:%02d" % divmod(m, 60), "%02d:%02d" % divmod(m + 5, 60))
            for d in range(7) for m in range(0, 29 * 10, 10)]      # 7 * 29 = 203 windows
    assert len(many) > 200
    assert_error(s.post(RULES, json={"rules": many}, token=acc.token), 422, "validation_failed",
                 field_prefix="rules")
    r = s.post(RULES, json={"rules": many[:200]}, token=acc.token)
    assert r.status == 200 and len(r.body["rules"]) == 200, r
    ivs = [_iv("%02d:%02d" % divmod(m, 60), "%02d:%02d" % divmod(m + 10, 60)) for m in range(0, 49 * 20, 20)]
    assert len(ivs) == 49
    assert_error(s.put(OVR + "/2027-08-08", json={"intervals": ivs}, token=acc.token), 422,
                 "validation_failed", field_prefix="intervals")
    r = s.put(OVR + "/2027-08-08", json={"intervals": ivs[:48]}, token=acc.token)
    assert r.status == 200 and len(r.body["intervals"]) == 48, r
