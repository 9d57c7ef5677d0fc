"""Black-box test harness for Calendula: start the real binary, speak HTTP.

Standard library only. The runner (run.py) configures this module through
environment variables before a test module is imported:

  CALENDULA_BIN         path of the calendula executable
  CALENDULA_TEST_STORE  "sqlite" (default) or "postgres"
  CALENDULA_TEST_PG_URL admin URL of a PostgreSQL server (postgres store only);
                        a fresh database is created for every Server

Main pieces:
  Server            one calendula process on a free port with its own temp dir
  shared_server()   one Server per test module, started lazily, checked and
                    stopped by the runner after the module
  Response          (status, headers, body) with body parsed from JSON when
                    the answer is JSON, else raw bytes
  signup/login/new_user/make_meeting_type   account and fixture helpers
  Checks            collect many sub-case failures, report them all at once
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 20.0

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")

PUBLIC_MT_FIELDS = {"id", "user_id", "name", "slug", "description", "kind",
                    "duration_minutes", "location", "color", "questions", "seats"}
OWNER_ONLY_MT_FIELDS = {"buffer_before_minutes", "buffer_after_minutes",
                        "slot_interval_minutes", "min_notice_minutes",
                        "booking_window_days", "max_bookings_per_day",
                        "host_ids", "is_active", "created_at", "updated_at"}
USER_FIELDS = {"id", "email", "name", "username", "time_zone", "role",
               "created_at", "updated_at"}

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# --------------------------------------------------------------------------
# configuration


def binary_path():
    """The calendula executable to test (absolute path)."""
    path = os.environ.get("CALENDULA_BIN") or os.path.join(REPO_ROOT, "build", "calendula")
    return os.path.abspath(path)


def store_kind():
    return os.environ.get("CALENDULA_TEST_STORE", "sqlite")


def free_port():
    """A TCP port that was free a moment ago (bind to port 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """os.environ without CALENDULA_* settings (so the developer's shell
    cannot leak into a test), plus CALENDULA_LOG_LEVEL=info and `extra`.
    A value of None in `extra` removes the variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALENDULA_")}
    env["CALENDULA_LOG_LEVEL"] = "info"
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run_cli(args, env=None, timeout=15, cwd=None):
    """Runs the binary with `args` to completion; returns CompletedProcess
    (text mode). Runs in a throwaway cwd by default so that a default
    ./var data folder never lands in the repository."""
    own_cwd = None
    if cwd is None:
        own_cwd = tempfile.mkdtemp(prefix="calendula-cli-")
        cwd = own_cwd
    try:
        return subprocess.run([binary_path()] + list(args), cwd=cwd,
                              env=clean_env(env), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
    finally:
        if own_cwd:
            shutil.rmtree(own_cwd, ignore_errors=True)


# --------------------------------------------------------------------------
# PostgreSQL hook (used with --store postgres)


def db_query(server, sql, readonly=False):
    """Runs sql on the server's own database: (ok, rows, error). Rows are
    tuples of strings on PostgreSQL, of SQLite's own types on SQLite, which
    in WAL mode is safe to use beside the running server."""
    if server.pg:
        r = subprocess.run(["psql", server.pg.url, "-X", "-q", "-A", "-t", "-F", "\x1f",
                            "-R", "\x1e", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            return False, [], r.stderr
        return True, [tuple(row.split("\x1f")) for row in r.stdout.rstrip("\n").split("\x1e")
                      if row], ""
    import sqlite3
    path = os.path.join(server.data_dir, "calendula.db")
    con = sqlite3.connect("file:%s?mode=ro" % path if readonly else "file:%s" % path, uri=True,
                          timeout=10)
    try:
        rows = con.execute(sql).fetchall()
        con.commit()
        return True, rows, ""
    except sqlite3.Error as e:
        return False, [], str(e)
    finally:
        con.close()


def db_rows(server, sql):
    """Rows of a read-only query on the server's database (see db_query)."""
    ok, rows, err = db_query(server, sql, readonly=True)
    assert ok, err
    return rows


class PgDatabase:
    """A fresh PostgreSQL database created with psql from the admin URL in
    CALENDULA_TEST_PG_URL; dropped by drop()."""

    def __init__(self):
        admin = os.environ.get("CALENDULA_TEST_PG_URL")
        if not admin:
            raise RuntimeError("--store postgres needs CALENDULA_TEST_PG_URL")
        self.admin_url = admin
        self.name = "calendula_test_" + uuid.uuid4().hex[:16]
        self._psql("CREATE DATABASE %s" % self.name)
        parts = urllib.parse.urlsplit(admin)
        self.url = urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, "/" + self.name, parts.query, parts.fragment))

    def _psql(self, sql):
        subprocess.run(["psql", self.admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                       check=True, capture_output=True, timeout=30)

    def drop(self):
        try:
            self._psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        except Exception:
            pass


# --------------------------------------------------------------------------
# HTTP


class Response(tuple):
    """(status, headers, body). body is the parsed JSON value when the answer
    is JSON and parses, else the raw bytes. Also: .raw (bytes), .text,
    .json (parsed or None), .error_code, .error_field, .cookies."""

    def __new__(cls, status, headers, raw):
        body = raw
        parsed = None
        ctype = headers.get("Content-Type", "") if headers is not None else ""
        if raw and "json" in ctype.lower():
            try:
                parsed = json.loads(raw.decode("utf-8"))
                body = parsed
            except (ValueError, UnicodeDecodeError):
                pass
        self = tuple.__new__(cls, (status, headers, body))
        self.raw = raw
        self.json = parsed
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    @property
    def text(self):
        return self.raw.decode("utf-8", "replace")

    @property
    def error_code(self):
        try:
            return self.json["error"]["code"]
        except (TypeError, KeyError):
            return None

    @property
    def error_field(self):
        try:
            return self.json["error"].get("field")
        except (TypeError, KeyError, AttributeError):
            return None

    @property
    def cookies(self):
        """Set-Cookie headers as {name: (value, attribute-string)}."""
        out = {}
        for line in self.headers.get_all("Set-Cookie") or []:
            first, _, attrs = line.partition(";")
            name, _, value = first.strip().partition("=")
            out[name] = (value, attrs)
        return out

    def __repr__(self):
        body = self.text if len(self.raw) < 2000 else self.text[:2000] + "..."
        return "<Response %s %s>" % (self.status, body)


def http_request(host, port, method, path, json_body=None, body=None, headers=None,
                 token=None, cookies=None, timeout=REQUEST_TIMEOUT):
    """One request on a new connection. `json_body` is serialized with
    Content-Type application/json unless `body` (bytes/str) is given, in which
    case it is sent as is with only the headers given. Returns a Response."""
    hdrs = {}
    if json_body is not None:
        body = json.dumps(json_body).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    elif isinstance(body, str):
        body = body.encode("utf-8")
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    if cookies:
        hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in cookies.items())
    for k, v in (headers or {}).items():
        if v is None:
            hdrs.pop(k, None)
        else:
            hdrs[k] = v
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        return Response(resp.status, resp.headers, raw)
    finally:
        conn.close()


def error_of(resp):
    return resp.error_code


def _raw_answer_complete(buf):
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        return False
    if status in (204, 304) or 100 <= status < 200:
        return True
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        headers[k.strip().lower()] = v.strip().lower()
    if b"content-length" in headers:
        try:
            return len(body) >= int(headers[b"content-length"])
        except ValueError:
            return False
    if headers.get(b"transfer-encoding") == b"chunked":
        return body.endswith(b"0\r\n\r\n")
    return False


# --------------------------------------------------------------------------
# the server under test


class ServerError(AssertionError):
    pass


class Server:
    """One calendula process.

    Server(env={...}, args=[...], config="flags"|"env", start=True)
      - a temp dir holds data/ (the --data-dir) and server.log (stdout and
        stderr of every run, appended across restarts)
      - config="flags" passes --listen and --data-dir on the command line;
        "env" passes them as CALENDULA_LISTEN and CALENDULA_DATA_DIR
      - with the postgres store a fresh database is created per Server
    stop() asserts a clean SIGTERM exit (code 0 within 10 s) and a log free of
    sanitizer reports; kill() is SIGKILL; restart() keeps data dir and port.
    Use as a context manager to always clean up.
    """

    def __init__(self, env=None, args=None, config="flags", start=True,
                 data_dir=None, port=None, command="serve"):
        self.tmp = tempfile.mkdtemp(prefix="calendula-bb-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.log_path = os.path.join(self.tmp, "server.log")
        self.host = "127.0.0.1"
        self._port_chosen = port is None
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.extra_args = list(args or [])
        self.config = config
        self.command = command
        self.proc = None
        self.pg = None
        self.returncodes = []
        self._closed = False
        self._log_offset = 0
        try:
            if store_kind() == "postgres" and "CALENDULA_DATABASE_URL" not in self.extra_env \
                    and "--database-url" not in self.extra_args:
                self.pg = PgDatabase()
            if start:
                self._first_start()
        except BaseException:
            self.close(check=False)     # no leaked temp dir, database or process
            raise

    def _first_start(self):
        """start(), retried on a fresh port when the port we picked was taken
        by someone else in the meantime (parallel modules)."""
        for attempt in range(3):
            try:
                return self.start()
            except ServerError:
                log = self.log_text()[self._log_offset:].lower()
                if not (self._port_chosen and "in use" in log and attempt < 2):
                    raise
                self.port = free_port()

    # -- process control

    def argv(self):
        argv = [binary_path(), self.command]
        if self.config == "flags":
            argv += ["--listen", "%s:%d" % (self.host, self.port), "--data-dir", self.data_dir]
        if self.pg:
            argv += ["--database-url", self.pg.url]
        return argv + self.extra_args

    def environment(self):
        extra = dict(self.extra_env)
        if self.config == "env":
            extra.setdefault("CALENDULA_LISTEN", "%s:%d" % (self.host, self.port))
            extra.setdefault("CALENDULA_DATA_DIR", self.data_dir)
        return clean_env(extra)

    def start(self, timeout=START_TIMEOUT):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.argv(), env=self.environment(), cwd=self.tmp,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        self.wait_live(timeout)
        return self

    def wait_live(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerError("server exited with code %s during start-up\n%s"
                                  % (rc, self.log_tail()))
            try:
                r = http_request(self.host, self.port, "GET", "/health/live", timeout=2)
                if r.status == 200:
                    return
                last = "status %s" % r.status
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        raise ServerError("server not live within %.0f s (%s)\n%s" % (timeout, last, self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; asserts exit code 0 within `timeout` and no sanitizer
        report in the log."""
        if self.proc is None or self.proc.poll() is not None:
            rc = None if self.proc is None else self.proc.returncode
            self.proc = None
            self.check_log()
            if rc not in (None, 0):
                raise ServerError("server had already exited with code %s\n%s"
                                  % (rc, self.log_tail()))
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            raise ServerError("server did not exit within %.0f s of SIGTERM\n%s"
                              % (timeout, self.log_tail()))
        self.proc = None
        self.returncodes.append(rc)
        self.check_log()
        if rc != 0:
            raise ServerError("server exited with code %s after SIGTERM (want 0)\n%s"
                              % (rc, self.log_tail()))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self, timeout=START_TIMEOUT):
        self.stop()
        return self.start(timeout)

    def check_log(self):
        text = self.log_text()
        for marker in SANITIZER_MARKERS:
            if marker in text:
                i = text.index(marker)
                raise ServerError("sanitizer report in server log (%r):\n%s"
                                  % (marker, text[max(0, i - 500):i + 4000]))

    def close(self, check=True):
        """Stops (checked when `check`) and removes the temp dir."""
        if self._closed:
            return
        try:
            if check:
                self.stop()
            else:
                self.kill()
        finally:
            self._closed = True
            self.kill()
            if self.pg:
                self.pg.drop()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(check=exc_type is None)
        return False

    # -- logs

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=40):
        lines = self.log_text().splitlines()
        return "--- server log (last %d lines) ---\n%s" % (n, "\n".join(lines[-n:]))

    def log_records(self):
        """Every line of the log that is a JSON object, parsed."""
        out = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    v = json.loads(line)
                except ValueError:
                    continue
                if isinstance(v, dict):
                    out.append(v)
        return out

    # -- HTTP

    @property
    def base(self):
        return "http://%s:%d" % (self.host, self.port)

    def request(self, method, path, json=None, body=None, headers=None, token=None,
                cookies=None, timeout=REQUEST_TIMEOUT):
        return http_request(self.host, self.port, method, path, json_body=json, body=body,
                            headers=headers, token=token, cookies=cookies, timeout=timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw(self, data, timeout=5.0, shutdown_write=False):
        """Sends raw bytes on a new connection and returns the bytes of the
        first answer: read until that answer is complete (by Content-Length,
        chunked end or a status without body), the server closes, or
        `timeout` passes without data."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            try:
                if data:
                    s.sendall(data)
                if shutdown_write:
                    s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass
            buf = b""
            try:
                while not _raw_answer_complete(buf):
                    b = s.recv(65536)
                    if not b:
                        break
                    buf += b
            except (socket.timeout, ConnectionResetError):
                pass
            return buf

    def assert_live(self):
        if not self.alive():
            raise ServerError("server process is gone (code %s)\n%s"
                              % (self.proc and self.proc.returncode, self.log_tail()))
        r = self.get("/health/live", timeout=10)
        assert r.status == 200, "health/live answered %r" % (r,)


# --------------------------------------------------------------------------
# one shared server per test module


_shared = None


def shared_server():
    """The module's shared server (started on first use). The runner stops
    it after the module, checking the clean exit; if a test kills it, the
    runner reports that test and the next caller gets a fresh one."""
    global _shared
    if _shared is None:
        _shared = Server()
    return _shared


def _shared_died():
    """For the runner: the shared server's log tail if it has died, and
    forget it so the next test starts a new one."""
    global _shared
    if _shared is not None and not _shared.alive():
        tail = _shared.log_tail()
        rc = _shared.proc.returncode if _shared.proc else None
        _shared.close(check=False)
        _shared = None
        return "shared server died (exit code %s)\n%s" % (rc, tail)
    return None


def _teardown_shared():
    global _shared
    s, _shared = _shared, None
    if s is not None:
        s.close(check=True)


# --------------------------------------------------------------------------
# fixtures


_counter = [0]
_counter_lock = threading.Lock()


def unique(prefix="u"):
    """A short lowercase identifier unique across processes and runs."""
    with _counter_lock:
        _counter[0] += 1
        n = _counter[0]
    return "%s%s%d" % (prefix, uuid.uuid4().hex[:10], n)


DEFAULT_PASSWORD = "correct horse battery"


class Account:
    """A signed-up user: .user (the 201 body), .id, .email, .username,
    .password, .token (after login)."""

    def __init__(self, server, user, email, password):
        self.server = server
        self.user = user
        self.id = user["id"]
        self.email = email
        self.username = user["username"]
        self.name = user["name"]
        self.password = password
        self.token = None

    def login(self):
        self.token = login(self.server, self.email, self.password)
        return self.token


def signup_body(**overrides):
    name = unique("u")
    body = {"email": "%s@example.com" % name, "password": DEFAULT_PASSWORD,
            "name": "User " + name, "username": name, "time_zone": "UTC"}
    for k, v in overrides.items():
        if v is OMIT:
            body.pop(k, None)
        else:
            body[k] = v
    return body


class _Omit:
    def __repr__(self):
        return "OMIT"


OMIT = _Omit()  # pass as a value to leave a field out of a body


def signup(server, **overrides):
    """POST /api/users with a unique email and username; asserts 201."""
    body = signup_body(**overrides)
    r = server.post("/api/users", json=body)
    assert r.status == 201, "sign-up failed: %r (body %r)" % (r, body)
    return Account(server, r.body, body["email"], body["password"])


def login_response(server, email, password):
    return server.post("/api/auth/login", json={"email": email, "password": password})


def login(server, email, password):
    """POST /api/auth/login; asserts 200 and returns the token."""
    r = login_response(server, email, password)
    assert r.status == 200, "login failed: %r" % (r,)
    return r.body["token"]


def new_user(server, **overrides):
    """signup + login: an Account with .token."""
    acc = signup(server, **overrides)
    acc.login()
    return acc


def mt_body(**overrides):
    body = {"name": "Intro call", "slug": unique("mt")}
    for k, v in overrides.items():
        if v is OMIT:
            body.pop(k, None)
        else:
            body[k] = v
    return body


def make_meeting_type(server, token, **overrides):
    """POST /api/meeting-types (unique slug unless given); asserts 201."""
    body = mt_body(**overrides)
    r = server.post("/api/meeting-types", json=body, token=token)
    assert r.status == 201, "meeting type creation failed: %r (body %r)" % (r, body)
    return r.body


def walk_keys(value):
    """Every object key anywhere inside a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_keys(v)


def assert_no_secrets(resp):
    """No key named password or password_hash anywhere in a JSON answer."""
    if resp.json is None:
        return
    bad = [k for k in walk_keys(resp.json) if k.lower() in ("password", "password_hash")]
    assert not bad, "answer contains secret keys %r: %r" % (bad, resp)


def assert_error(resp, status, code=None, field=None, field_prefix=None):
    """Asserts an error answer: the status, the JSON error shape, the code and
    (optionally) the field."""
    assert resp.status == status, "want %s %s, got %r" % (status, code or "", resp)
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), "error Content-Type %r: %r" % (ctype, resp)
    body = resp.json
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), \
        "error body shape: %r" % (resp,)
    err = body["error"]
    assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str), \
        "error needs string code and message: %r" % (resp,)
    assert err["message"], "empty error message: %r" % (resp,)
    if code is not None:
        assert err["code"] == code, "want code %s, got %r" % (code, resp)
    if field is not None:
        assert err.get("field") == field, "want field %r, got %r" % (field, resp)
    if field_prefix is not None:
        f = err.get("field") or ""
        assert f.startswith(field_prefix), "want field starting %r, got %r" % (field_prefix, resp)


class Checks:
    """Runs many sub-cases and reports every failing one at the end:

        c = Checks()
        with c.case("duration 4"):
            ...asserts...
        c.done()
    """

    def __init__(self):
        self.failures = []
        self.count = 0

    def case(self, label):
        checks = self

        class _Ctx:
            def __enter__(self):
                checks.count += 1

            def __exit__(self, exc_type, exc, tb):
                if exc_type is not None and issubclass(exc_type, AssertionError):
                    checks.failures.append("%s: %s" % (label, exc))
                    return True
                return False

        return _Ctx()

    def done(self):
        if self.failures:
            raise AssertionError("%d of %d cases failed:\n  - %s" % (
                len(self.failures), self.count, "\n  - ".join(self.failures)))
