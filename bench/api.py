"""Tiny HTTP client for the benchmark set-ups (standard library only)."""
import json
import urllib.request


class Api:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%s" % port

    def call(self, method, path, body=None, token=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")

    def host(self, who, tz="UTC", rules=None):
        """Signs up `who`, sets weekly rules (default: open around the clock); the token."""
        self.call("POST", "/api/users", {"email": who + "@example.com", "password": "bench-password",
                                         "name": who, "username": who, "time_zone": tz})
        tok = self.call("POST", "/api/auth/login", {"email": who + "@example.com",
                                                     "password": "bench-password"})["token"]
        if rules is None:
            rules = [{"day_of_week": d, "start_time": "00:00", "end_time": "24:00"} for d in range(7)]
        self.call("POST", "/api/availability/rules", {"time_zone": tz, "rules": rules}, tok)
        return tok

    def meeting_type(self, tok, minutes=30, slug="load"):
        return self.call("POST", "/api/meeting-types", {"name": slug.title(), "slug": slug,
                         "duration_minutes": minutes, "booking_window_days": 730}, tok)["id"]
