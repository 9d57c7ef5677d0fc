"""Notifications through RabbitMQ (issue #7): with CALENDULA_AMQP_URL the
outbox is relayed to a durable queue with publisher confirms and
`calendula worker` consumes it with manual acks; failures go through retry
queues with a TTL, then to the dead-letter queue. A real broker is started
on loopback by scripts/rabbitmq-start (and restarted mid-flow)."""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

from booking_fixtures import ALL_DAY, book, host, meeting_type
from harness import REPO_ROOT, Server, binary_path, clean_env, run_cli, unique
from smtp_sink import SmtpSink, free_port, wait_for
from test_notifications import db_opts

WEIGHT = 80
NOW = "2027-03-01T00:00:00Z"
FAST = ["--job-backoff", "1,2", "--job-lease", "5"]
RBIN = "/usr/lib/rabbitmq/bin"

_broker = {}


# --------------------------------------------------------------------------
# the broker


def broker():
    """One RabbitMQ node for the module: (dir, url)."""
    if not _broker:
        if not os.access(os.path.join(RBIN, "rabbitmq-server"), os.X_OK):
            raise AssertionError("RabbitMQ is missing: scripts/install-deps --test installs "
                                 "rabbitmq-server")
        d = tempfile.mkdtemp(prefix="calendula-rabbit-")
        for _ in range(20):   # the node port and the next one (distribution) must be free
            port = free_port()
            if port < 65000:
                try:
                    import socket
                    with socket.socket() as s:
                        s.bind(("127.0.0.1", port + 1))
                    break
                except OSError:
                    continue
        _broker.update(dir=d, port=port)
        _broker["url"] = start_broker()
    return _broker["dir"], _broker["url"]


def start_broker():
    r = subprocess.run([os.path.join(REPO_ROOT, "scripts", "rabbitmq-start"), _broker["dir"],
                        str(_broker["port"])], capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def stop_broker():
    r = subprocess.run([os.path.join(REPO_ROOT, "scripts", "rabbitmq-stop"), _broker["dir"]],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr


def queues():
    """{queue name: messages ready} from rabbitmqctl."""
    d, port = _broker["dir"], _broker["port"]
    env = dict(os.environ, HOME=d, ERL_EPMD_ADDRESS="127.0.0.1")
    r = subprocess.run([os.path.join(RBIN, "rabbitmqctl"), "-n", "calendula-%d@localhost" % port,
                        "list_queues", "-q", "--no-table-headers", "name", "messages"],
                       capture_output=True, text=True, timeout=60, env=env,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = int(parts[1])
    return out


def teardown_module():
    if _broker:
        try:
            stop_broker()
        finally:
            shutil.rmtree(_broker["dir"], ignore_errors=True)
            _broker.clear()


# --------------------------------------------------------------------------
# processes


class Worker:
    """`calendula worker` consuming from the broker, sending to smtp_url."""

    def __init__(self, server, amqp_url, smtp_url, log_path, extra=()):
        self.args = [binary_path(), "worker", "--amqp-url", amqp_url, "--smtp-url", smtp_url,
                     "--fake-now", NOW, "--job-workers", "2"] + db_opts(server) + FAST + \
            list(extra)
        self.log_path = log_path
        self.cwd = server.tmp
        self.proc = None
        self.start()

    def start(self):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.args, env=clean_env(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, cwd=self.cwd)
        finally:
            log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.proc.wait(15)
            assert rc == 0, self.log()[-3000:]
        self.proc = None
        text = self.log()
        assert "AddressSanitizer" not in text and "runtime error:" not in text, text[-4000:]

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


@contextlib.contextmanager
def relay_flow(sink, extra_worker=()):
    """A server relaying through the broker, a worker consuming from it, a host
    and a meeting type: (s, w, h, mt). Afterwards the worker is killed unless
    the test stopped it (and so checked its clean exit), and the server and
    the sink are closed."""
    s = w = None
    try:
        _, url = broker()
        s = Server(args=["--fake-now", NOW, "--amqp-url", url, "--job-workers", "1"] + FAST)
        w = Worker(s, url, sink.url(), os.path.join(s.tmp, "worker.log"), extra_worker)
        h = host(s, rules=ALL_DAY)
        mt = meeting_type(s, h, name="Relay call")
        yield s, w, h, mt
    finally:
        if w:
            w.kill()
        if s:
            s.close()
        sink.close()


def jobs_json(server):
    import json
    r = run_cli(["jobs", "list", "--json", "--limit", "1000"] + db_opts(server))
    assert r.returncode == 0, r.stderr
    return [json.loads(x) for x in r.stdout.splitlines() if x.strip()]


def unique_ids(messages):
    return {m.message_id for m in messages}


# --------------------------------------------------------------------------
# tests


def test_relay_and_consumer_give_the_same_emails():
    sink = SmtpSink().up()
    with relay_flow(sink) as (s, w, h, mt):
        r = book(s, mt["id"], "2027-03-16T13:00:00Z", tz="Asia/Kolkata")
        assert r.status == 201, r
        msgs = wait_for(lambda: len(sink.messages()) >= 2 and sink.messages(), timeout=30,
                        what="2 confirmation emails through RabbitMQ")
        subjects = sorted(str(m.message["Subject"]) for m in msgs)
        assert subjects[0].startswith("Confirmed: Relay call with %s on Tuesday, March 16, 2027 "
                                      "at 6:30\u202fPM" % h.name), subjects
        assert subjects[1].startswith("New booking: Relay call"), subjects
        for m in msgs:
            assert m.message_id.startswith("<%s." % r.body["id"])
        r = s.delete("/api/bookings/%s" % r.body["id"], token=h.token)
        assert r.status == 200
        wait_for(lambda: len(sink.messages()) >= 4, timeout=30, what="cancellation emails")
        assert len(unique_ids(sink.messages())) == 4
        rows = jobs_json(s)
        relayed = [j for j in rows if j["last_error"] == "relayed to AMQP"]
        assert {j["topic"] for j in relayed} >= {"booking.created", "booking.cancelled",
                                                  "email.send"}, rows
        assert "consumer" in w.log() and "(amqp): done" in w.log()
        q = queues()
        assert q.get("calendula.jobs") == 0 and q.get("calendula.jobs.dead") == 0, q
        w.stop()


def test_broker_restart_while_jobs_flow_loses_nothing():
    sink = SmtpSink().up()
    with relay_flow(sink) as (s, w, h, mt):
        ids = []
        for hour in range(9, 13):   # 4 bookings, then the broker goes away at once
            r = book(s, mt["id"], "2027-03-17T%02d:00:00Z" % hour)
            assert r.status == 201, r
            ids.append(r.body["id"])
        stop_broker()
        for hour in range(13, 16):  # 3 more while it is down: still 201, rows wait
            r = book(s, mt["id"], "2027-03-17T%02d:00:00Z" % hour)
            assert r.status == 201, r
            ids.append(r.body["id"])
        time.sleep(2)
        _broker["url"] = start_broker()
        msgs = wait_for(lambda: len(unique_ids(sink.messages())) >= 14 and sink.messages(),
                        timeout=90, what="all 14 emails after the broker came back")
        time.sleep(3)
        msgs = sink.messages()
        got = unique_ids(msgs)
        assert len(got) == 14, sorted(got)
        assert {m[1:37] for m in got} == set(ids)
        # at least once: a redelivered message may be sent again, with the same Message-ID
        assert len(msgs) - len(got) <= 2, len(msgs)
        # both sides saw the broker go and come back
        assert "connected again" in w.log() and "connected again" in s.log_text()
        w.stop()


def test_retry_queue_then_dead_letter_queue():
    sink = SmtpSink().up()
    tries = {"n": 0}

    def busy_twice(stage, value):
        if stage == "rcpt" and value.startswith("busy."):
            tries["n"] += 1
            if tries["n"] <= 2:
                return "451 4.2.1 Mailbox busy, try later"
        return None

    sink.rules += [busy_twice,
                   lambda st, v: "550 5.1.1 No such user" if st == "rcpt" and
                   v.startswith("nobody.") else None]
    with relay_flow(sink) as (s, w, h, mt):
        busy = "busy.%s@example.com" % unique("b")
        dead = "nobody.%s@example.com" % unique("d")
        assert book(s, mt["id"], "2027-03-18T09:00:00Z", email=busy).status == 201
        assert book(s, mt["id"], "2027-03-18T10:00:00Z", email=dead).status == 201
        wait_for(lambda: any(busy in m.rcpt_to for m in sink.messages()), timeout=30,
                 what="the email after two 451s")
        wait_for(lambda: queues().get("calendula.jobs.dead") == 1, timeout=30,
                 what="one message in the dead-letter queue")
        q = queues()
        assert "calendula.jobs.retry.1s" in q and "calendula.jobs.retry.2s" in q, q
        assert tries["n"] == 3
        assert not any(dead in m.rcpt_to for m in sink.messages())
        log = w.log()
        assert "attempt 1 (amqp): retry" in log and "attempt 3 (amqp): done" in log
        assert "(amqp): dead" in log and "550" in log
        w.stop()


def test_worker_sigterm_mid_delivery_requeues_the_message():
    sink = SmtpSink().up()
    sink.stall_after_data.set()   # the first message is read, then never answered
    with relay_flow(sink, extra_worker=["--job-workers", "1"]) as (s, w, h, mt):
        assert book(s, mt["id"], "2027-03-19T09:00:00Z").status == 201
        wait_for(lambda: sink.stalled, timeout=30, what="a stalled delivery")
        t0 = time.monotonic()
        w.stop()   # exit 0: the send is cut after the grace period, the message rejected
        assert time.monotonic() - t0 < 10
        assert "given back" in w.log(), w.log()[-3000:]
        sink.stall_after_data.clear()
        sink.release.set()
        w.start()
        wait_for(lambda: len(unique_ids(sink.messages())) >= 2, timeout=30,
                 what="both emails after the restart")
        assert unique_ids(sink.stalled) <= unique_ids(sink.messages())
        w.stop()


def test_amqp_url_is_checked_and_never_logged():
    r = run_cli(["migrate", "--amqp-url", "http://x"])
    assert r.returncode == 2 and "--amqp-url" in r.stderr
    r = run_cli(["migrate"], env={"CALENDULA_AMQP_URL": "redis://user:hunter2@x"})
    assert r.returncode == 2 and "hunter2" not in r.stderr
    port = free_port()
    with Server(args=["--amqp-url", "amqp://guest:hunter2@127.0.0.1:%d" % port]) as s:
        time.sleep(1.5)   # nothing listens there: the relay keeps trying, quietly
        text = s.log_text()
        assert "hunter2" not in text
        assert text.count("cannot connect") == 1, text
