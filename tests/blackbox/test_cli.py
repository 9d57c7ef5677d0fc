"""The calendula command: --help, --version, refused flags and values,
configuration through environment variables and flags."""

import http.client
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from harness import (Checks, PgDatabase, Server, free_port, http_request, new_user, run_cli,
                     store_kind)

SQLITE = store_kind() == "sqlite"

WEIGHT = 2


def test_help():
    p = run_cli(["--help"])
    assert p.returncode == 0, p
    out = p.stdout
    assert "serve" in out and "migrate" in out and "--listen" in out and "--data-dir" in out, out


def test_version():
    p = run_cli(["--version"])
    assert p.returncode == 0, p
    assert p.stdout.strip() == "calendula 0.1.0", repr(p.stdout)


def test_bad_flags_and_values_refused():
    tmp = tempfile.mkdtemp(prefix="calendula-cli-")
    try:
        data = os.path.join(tmp, "data")
        cases = [
            (["serve", "--bogus"], "--bogus"),
            (["serve", "--listen", "nonsense", "--data-dir", data], "listen"),
            (["serve", "--listen", "127.0.0.1:99999", "--data-dir", data], "listen"),
            (["serve", "--listen", "127.0.0.1:", "--data-dir", data], "listen"),
            (["serve", "--threads", "0", "--data-dir", data], "threads"),
            (["serve", "--threads", "many", "--data-dir", data], "threads"),
            (["serve", "--threads", "-3", "--data-dir", data], "threads"),
            (["serve", "--log-level", "loud", "--data-dir", data], "log-level"),
            (["serve", "--listen"], "listen"),
            (["serve", "--database-url", "mysql://x/y", "--data-dir", data], "database"),
            (["frobnicate"], "frobnicate"),
            (["migrate", "--log-level", "verbose", "--data-dir", data], "log-level"),
        ]
        c = Checks()
        for args, needle in cases:
            with c.case(" ".join(args)):
                try:
                    p = run_cli(args, timeout=10)
                except subprocess.TimeoutExpired:
                    raise AssertionError("still running after 10 s (should have refused)")
                assert p.returncode != 0, "exit code 0"
                assert needle.lower() in p.stderr.lower(), "stderr does not name %r: %r" % (needle, p.stderr)
        c.done()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_environment_values_refused():
    tmp = tempfile.mkdtemp(prefix="calendula-cli-")
    try:
        data = os.path.join(tmp, "data")
        cases = [
            ({"CALENDULA_LISTEN": "nonsense"}, "LISTEN"),
            ({"CALENDULA_LOG_LEVEL": "loud"}, "LOG_LEVEL"),
            ({"CALENDULA_SECRET_KEY": "not-hex"}, "SECRET"),
        ]
        c = Checks()
        for env, needle in cases:
            with c.case(repr(env)):
                e = dict(env)
                e["CALENDULA_DATA_DIR"] = data
                try:
                    p = run_cli(["serve"], env=e, timeout=10)
                except subprocess.TimeoutExpired:
                    raise AssertionError("still running after 10 s (should have refused)")
                assert p.returncode != 0, "exit code 0"
                assert needle.lower() in p.stderr.lower().replace("-", "_"), \
                    "stderr does not name %r: %r" % (needle, p.stderr)
        c.done()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_port_in_use_fails_fast():
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        tmp = tempfile.mkdtemp(prefix="calendula-cli-")
        try:
            try:
                p = run_cli(["serve", "--listen", "127.0.0.1:%d" % port, "--data-dir", tmp], timeout=10)
            except subprocess.TimeoutExpired:
                raise AssertionError("server kept running on a port it could not bind")
            assert p.returncode != 0, p
            assert p.stderr.strip(), "no message on stderr"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def test_configuration_from_environment():
    with Server(config="env") as s:
        assert s.get("/health").status == 200
        acc = new_user(s)
        assert acc.token
        db = os.path.join(s.data_dir, "calendula.db")
        if SQLITE:
            assert os.path.isfile(db), "default database not at $DATA_DIR/calendula.db: %r" % os.listdir(s.data_dir)
        key = os.path.join(s.data_dir, "secret.key")
        assert os.path.isfile(key), "secret.key not generated: %r" % os.listdir(s.data_dir)
        mode = stat.S_IMODE(os.stat(key).st_mode)
        assert mode == 0o600, "secret.key mode %o" % mode
        first = open(key, "rb").read()
        assert first.strip(), "secret.key is empty"
        s.restart()
        assert open(key, "rb").read() == first, "secret.key changed across a restart"
        assert s.get("/api/me", token=acc.token).status == 200


def test_flags_override_environment():
    decoy_port = free_port()
    decoy_dir = tempfile.mkdtemp(prefix="calendula-decoy-")
    try:
        env = {"CALENDULA_LISTEN": "127.0.0.1:%d" % decoy_port, "CALENDULA_DATA_DIR": decoy_dir,
               "CALENDULA_LOG_LEVEL": "info"}
        with Server(env=env) as s:     # flags give --listen and --data-dir
            assert s.get("/health/live").status == 200
            try:
                http_request("127.0.0.1", decoy_port, "GET", "/health/live", timeout=1)
                raise AssertionError("the server also answers on the CALENDULA_LISTEN port")
            except OSError:
                pass
            if SQLITE:
                assert os.path.isfile(os.path.join(s.data_dir, "calendula.db"))
            assert not os.listdir(decoy_dir), "the CALENDULA_DATA_DIR folder was used: %r" % os.listdir(decoy_dir)
    finally:
        shutil.rmtree(decoy_dir, ignore_errors=True)


def test_secret_key_from_environment_is_not_written():
    key = "ab" * 32
    with Server(env={"CALENDULA_SECRET_KEY": key}) as s:
        assert s.get("/health").status == 200
        assert not os.path.exists(os.path.join(s.data_dir, "secret.key")), os.listdir(s.data_dir)


def test_database_url_flag():
    if not SQLITE:
        return  # SQLite-specific; the postgres run passes --database-url itself
    other = tempfile.mkdtemp(prefix="calendula-db-")
    try:
        path = os.path.join(other, "elsewhere.db")
        with Server(args=["--database-url", "sqlite:" + path]) as s:
            new_user(s)
            assert os.path.isfile(path), os.listdir(other)
            assert not os.path.exists(os.path.join(s.data_dir, "calendula.db"))
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_database_url_environment():
    if not SQLITE:
        return  # SQLite-specific
    other = tempfile.mkdtemp(prefix="calendula-db-")
    try:
        path = os.path.join(other, "env.db")
        with Server(env={"CALENDULA_DATABASE_URL": "sqlite:" + path}) as s:
            new_user(s)
            assert os.path.isfile(path), os.listdir(other)
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_postgres_url_forms_and_libpq_environment():
    """On PostgreSQL the store is chosen by a postgres:// or postgresql://
    URL, and libpq's PG* variables fill in what the URL leaves out. A
    password in the URL is never printed."""
    if SQLITE:
        return  # PostgreSQL-specific
    pg = PgDatabase()
    try:
        parts = urllib.parse.urlsplit(pg.url)
        host, port = parts.hostname, parts.port or 5432
        user = parts.username or "postgres"
        forms = [
            ({"CALENDULA_DATABASE_URL": "postgresql://%s:s3cret-pw@%s:%d/%s"
              % (user, host, port, pg.name)}, True),
            ({"CALENDULA_DATABASE_URL": "postgres:///" + pg.name,
              "PGHOST": host, "PGPORT": str(port), "PGUSER": user}, False),
            ({"CALENDULA_DATABASE_URL": "postgresql://", "PGHOST": host, "PGPORT": str(port),
              "PGUSER": user, "PGDATABASE": pg.name}, False),
        ]
        for env, with_password in forms:
            with Server(env=env) as s:
                a = new_user(s)
                assert s.get("/health/ready").status == 200, s.log_tail()
                log = s.log_text()
                assert "s3cret-pw" not in log, log
                if with_password:
                    assert "postgresql://%s:***@" % user in log, s.log_tail()
        # Every form reached the same database: three accounts in it.
        out = subprocess.run(["psql", pg.url, "-XqtAc", "SELECT count(*) FROM users"],
                             capture_output=True, text=True, timeout=30, check=True)
        assert out.stdout.strip() == "3", out
        # Without a database to reach, the server says so and stops, naming no password.
        r = run_cli(["serve", "--listen", "127.0.0.1:%d" % free_port()],
                    env={"CALENDULA_DATABASE_URL": "postgres://%s:s3cret-pw@127.0.0.1:%d/%s"
                         % (user, free_port(), pg.name)})
        assert r.returncode != 0, r
        assert "s3cret-pw" not in r.stdout + r.stderr, r.stderr
    finally:
        pg.drop()


def test_max_active_admits_requests_in_turn():
    """--max-active N lets N API requests run at once and the others wait
    their turn: 16 clients signing up together are all served. The default
    is 4 per CPU on PostgreSQL and no limit on SQLite."""
    with Server(args=["--max-active", "2"]) as s:
        assert "at most 2 requests at once" in s.log_text(), s.log_tail()
        with ThreadPoolExecutor(max_workers=16) as pool:
            accounts = list(pool.map(lambda _: new_user(s), range(16)))
        assert len({a.id for a in accounts}) == 16
        assert s.get("/health").status == 200
    with Server() as s:
        if store_kind() == "postgres":
            assert "at most %d requests at once" % (4 * max(os.cpu_count(), 1)) in s.log_text()
        else:
            assert "at most" not in s.log_text(), s.log_tail()
    with Server(args=["--max-active", "0"]) as s:
        assert "at most" not in s.log_text(), s.log_tail()
    for bad in ("-1", "x", "5000"):
        r = run_cli(["serve", "--max-active", bad])
        assert r.returncode != 0 and "--max-active" in r.stderr, (bad, r.stderr)


def test_log_level_and_threads_flags_accepted():
    """--threads N serves with a pool of N threads; without it every
    connection gets a thread of its own (and 24 connections opened together
    are all answered while all of them stay open)."""
    with Server(args=["--log-level", "debug", "--threads", "3"]) as s:
        assert s.get("/health").status == 200
        assert "with a pool of 3 threads" in s.log_text(), s.log_tail()
    with Server(args=["--log-level", "warn", "--threads", "1"]) as s:
        new_user(s)
        assert s.get("/health").status == 200
    with Server(args=["--log-level", "info"]) as s:
        assert "with a thread per connection" in s.log_text(), s.log_tail()
        conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=10) for _ in range(24)]

        def twice(c):
            out = []
            for _ in range(2):
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                out.append(r.status)
            return out
        try:
            with ThreadPoolExecutor(max_workers=24) as pool:
                results = list(pool.map(twice, conns))
        finally:
            for c in conns:
                c.close()
        assert results == [[200, 200]] * 24, results
