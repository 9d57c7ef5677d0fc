"""SMTP servers on loopback for the notification tests (standard library).

Two kinds:

  PostfixSink   postfix's smtp-sink (a real, independent SMTP server): every
                message lands in a file; .messages() parses them.
  SmtpSink      a small SMTP server owned by the tests, which can also answer
                4xx/5xx on demand, stall mid-conversation, go down and come
                back on the same port. Thread-based; one thread per session.

Both hand out received messages as Received(envelope_from, envelope_to,
message) where message is an email.message.EmailMessage.
"""

import base64
import email
import email.policy
import glob
import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time

SMTP_SINK = "/usr/sbin/smtp-sink"


class Received:
    def __init__(self, mail_from, rcpt_to, raw):
        self.mail_from = mail_from
        self.rcpt_to = list(rcpt_to)
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)

    @property
    def message_id(self):
        return self.message["Message-ID"]

    def __repr__(self):
        return "<Received %s to %s: %s>" % (self.message_id, self.rcpt_to,
                                            self.message["Subject"])


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.1, what="condition"):
    """Polls predicate() until it returns something truthy; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# postfix's smtp-sink


class PostfixSink:
    """`smtp-sink -u nobody -d DIR/%Y%m%d/%H%M%S. 127.0.0.1:PORT 64`."""

    def __init__(self, port=None):
        if not os.access(SMTP_SINK, os.X_OK):
            raise RuntimeError("%s is missing: scripts/install-deps --test installs postfix"
                               % SMTP_SINK)
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="calendula-smtp-sink-")
        self.mail_dir = os.path.join(self.dir, "mail")
        os.makedirs(self.mail_dir)
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.mail_dir, user="nobody")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "sink.log"), "ab")
        args = [SMTP_SINK]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        args += ["-d", os.path.join(self.mail_dir, "%Y%m%d/%H%M%S."),
                 "127.0.0.1:%d" % self.port, "64"]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        wait_for(self._accepts, 10, 0.05, "smtp-sink to listen")
        return self

    def _accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, userinfo=""):
        return "smtp://%s127.0.0.1:%d" % (userinfo + "@" if userinfo else "", self.port)

    def messages(self):
        """Every message received so far (in file-name order: by second, not exactly by
        arrival)."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.mail_dir, "*", "*"))):
            with open(path, "rb") as f:
                data = f.read()
            head, _, rest = data.partition(b"\nReceived: ")
            env = {}
            for line in head.split(b"\n"):
                k, _, v = line.decode("latin-1").partition(": ")
                env.setdefault(k, []).append(v.strip())
            # smtp-sink prepends its Received header; drop it (folded over 3 lines)
            lines = rest.split(b"\n")
            i = 1
            while i < len(lines) and lines[i][:1] in (b"\t", b" "):
                i += 1
            raw = b"\n".join(lines[i:])
            rcpts = [a.strip("<>") for a in env.get("X-Rcpt-Args", [])]
            sender = (env.get("X-Mail-Args") or [""])[0].split()[0].strip("<>") \
                if env.get("X-Mail-Args") else ""
            out.append(Received(sender, rcpts, raw))
        return out


# --------------------------------------------------------------------------
# our own SMTP server


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        with sink.lock:
            sink.sessions.add(self.connection)
        try:
            self.session(sink)
        except (OSError, ValueError):
            pass
        finally:
            with sink.lock:
                sink.sessions.discard(self.connection)

    def session(self, sink):
        greeting = sink.greeting
        self.reply(greeting)
        if not greeting.startswith("220"):
            return
        mail_from, rcpts, authed = None, [], False
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode("latin-1").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            sink.commands.append(cmd)
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    self.reply("250-sink.test")
                    self.reply("250-8BITMIME")
                    if sink.auth:
                        self.reply("250-AUTH PLAIN")
                    self.reply("250 SIZE 10485760")
                else:
                    self.reply("250 sink.test")
            elif verb == "AUTH":
                parts = cmd.split()
                if len(parts) < 2 or parts[1].upper() != "PLAIN":
                    self.reply("504 5.5.4 Unrecognized authentication type")
                    continue
                if len(parts) > 2:
                    blob = parts[2]
                else:
                    self.reply("334 ")
                    blob = self.rfile.readline(4096).decode("latin-1").strip()
                try:
                    _, user, password = base64.b64decode(blob).decode("utf-8").split("\0")
                except (ValueError, UnicodeDecodeError):
                    self.reply("501 5.5.2 Cannot decode")
                    continue
                sink.logins.append((user, password))
                if sink.auth == (user, password):
                    authed = True
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL" and sink.auth and not authed:
                self.reply("530 5.7.0 Authentication required")
            elif verb == "MAIL":
                mail_from, rcpts = cmd.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self.reply(sink.answer("mail", mail_from) or "250 2.1.0 Ok")
            elif verb == "RCPT":
                addr = cmd.split(":", 1)[1].strip().strip("<>").split(">")[0]
                answer = sink.answer("rcpt", addr) or "250 2.1.5 Ok"
                if answer.startswith("2"):
                    rcpts.append(addr)
                self.reply(answer)
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                raw = self.read_data()
                if raw is None:
                    return
                received = Received(mail_from, rcpts, raw)
                answer = sink.answer("data", received) or "250 2.0.0 Ok: queued"
                if sink.stall_after_data.is_set():
                    with sink.lock:
                        sink.stalled.append(received)
                    sink.release.wait(120)   # the client times out or is killed meanwhile
                    return
                if answer.startswith("2"):
                    with sink.lock:
                        sink.received.append(received)
                self.reply(answer)
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not recognized")

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline(1 << 20)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            if line.startswith(b".."):
                line = line[1:]
            lines.append(line)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """A scriptable SMTP server on 127.0.0.1.

    Behaviour can change at any time:
      greeting               first line ("421 ..." refuses the session)
      auth                   (user, password): offer and require AUTH PLAIN
      rules                  list of fn(stage, value) -> reply or None; stage is
                             "mail" (value: sender), "rcpt" (address) or "data"
                             (a Received); the first non-None reply is sent
      stall_after_data       Event: when set, a message is read completely, kept
                             in .stalled, and never answered
      down() / up()          stop listening (and drop sessions) / listen again
    received: messages answered 250, in order.
    """

    def __init__(self, port=None):
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.received = []
        self.stalled = []
        self.commands = []
        self.rules = []
        self.sessions = set()
        self.greeting = "220 sink.test ESMTP calendula-tests"
        self.auth = None      # (user, password): then AUTH PLAIN is required
        self.logins = []
        self.stall_after_data = threading.Event()
        self.release = threading.Event()
        self.server = None
        self.thread = None

    def answer(self, stage, value):
        for rule in list(self.rules):
            r = rule(stage, value)
            if r:
                return r
        return None

    def up(self):
        assert self.server is None
        for _ in range(50):
            try:
                self.server = _Server(("127.0.0.1", self.port), _Handler)
                break
            except OSError:
                time.sleep(0.1)   # the port may linger for a moment after down()
        else:
            raise RuntimeError("cannot listen on %d again" % self.port)
        self.server.sink = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    start = up

    def down(self):
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        with self.lock:
            for s in list(self.sessions):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.release.set()
        self.down()

    def url(self, userinfo=""):
        return "smtp://%s127.0.0.1:%d" % (userinfo + "@" if userinfo else "", self.port)

    def messages(self):
        with self.lock:
            return list(self.received)
