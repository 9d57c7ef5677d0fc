"""Notifications that are never lost (issue #7): confirmation, reschedule,
cancellation and reminder emails through real SMTP servers on loopback
(postfix's smtp-sink, and a scriptable sink of our own for 4xx/5xx, outages
and stalls), .eml files by default, retries, dead letter, `calendula jobs`,
and a worker killed mid-delivery."""

import datetime
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse

from booking_fixtures import ALL_DAY, book, book_body, host, meeting_type
from harness import Server, binary_path, clean_env, db_rows, new_user, run_cli, unique
from smtp_sink import PostfixSink, SmtpSink, wait_for

WEIGHT = 90

NOW = "2027-03-01T00:00:00Z"
NNBSP = "\u202f"   # ICU 72 writes "9:00\u202fAM" in en_US
FAST = ["--job-backoff", "1,2", "--job-lease", "5"]


# --------------------------------------------------------------------------
# helpers


def mail_server(smtp_url=None, args=(), env=None, now=NOW):
    a = ["--fake-now", now] + FAST + list(args)
    if smtp_url:
        a += ["--smtp-url", smtp_url]
    return Server(args=a, env=env)


def part(msg, ctype):
    for p in msg.walk():
        if p.get_content_type() == ctype:
            return p
    raise AssertionError("no %s part in %s" % (ctype, msg["Subject"]))


def text_of(msg):
    return part(msg, "text/plain").get_content()


def ics_of(msg):
    """The .ics attachment as {NAME: value} (first occurrence, lines unfolded),
    plus the Content-Type's method parameter under '_method'."""
    p = part(msg, "text/calendar")
    assert p.get_content_disposition() == "attachment", p
    assert p.get_filename() == "invite.ics"
    raw = p.get_payload(decode=True).decode("utf-8")
    unfolded = re.sub(r"\r\n[ \t]", "", raw)
    out = {"_method": p.get_param("method"), "_raw": unfolded}
    for line in unfolded.split("\r\n"):
        name, _, value = line.partition(":")
        key = name.split(";")[0]
        if key == "BEGIN" or key == "END":
            continue
        out.setdefault(key, value)
    return out


def by_recipient(messages):
    out = {}
    for m in messages:
        assert len(m.rcpt_to) == 1, m
        out.setdefault(m.rcpt_to[0], []).append(m)
    return out


def db_opts(server):
    """The options that point a command at the server's database."""
    opts = ["--data-dir", server.data_dir]
    if server.pg:
        opts += ["--database-url", server.pg.url]
    return opts


def jobs(server, *args):
    """`calendula jobs ...` on the server's database; returns CompletedProcess."""
    return run_cli(["jobs"] + list(args) + db_opts(server))


def jobs_json(server, status=None):
    args = ["list", "--json", "--limit", "1000"]
    if status:
        args += ["--status", status]
    r = jobs(server, *args)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def setup_booking(s, host_tz="America/New_York", **mt_fields):
    h = host(s, tz=host_tz, rules=ALL_DAY)
    mt_fields.setdefault("name", "Intro call")
    mt = meeting_type(s, h, **mt_fields)
    return h, mt


def manage_link(text):
    m = re.search(r"(http://\S+/booking/([0-9a-f-]{36})\?token=(\S+))", text)
    assert m, text
    return m.group(1), m.group(2), m.group(3)


def unique_ids(messages):
    return {m.message_id for m in messages}


# --------------------------------------------------------------------------
# content: confirmation, reschedule, cancellation through postfix's smtp-sink


def test_confirmation_reschedule_cancellation_emails():
    sink = PostfixSink().start()
    try:
        with mail_server(sink.url()) as s:
            h, mt = setup_booking(s, name="Intro call \u2014 Zo\u00eb's team")
            inv = "guest.%s@example.com" % unique("g")
            r = book(s, mt["id"], "2027-03-16T13:00:00Z", email=inv, tz="Asia/Kolkata",
                     invitee_name="Zo\u00eb \u00c5ngstr\u00f6m", notes="Agenda: <b>x</b>")
            assert r.status == 201, r
            b = r.body
            got = wait_for(lambda: len(sink.messages()) >= 2 and sink.messages(),
                           what="2 confirmation emails")
            mails = by_recipient(got)
            assert set(mails) == {inv, h.email}, mails
            m_inv, m_host = mails[inv][0].message, mails[h.email][0].message

            # headers: recipients, subjects in each recipient's zone, encoded names
            assert m_inv["To"].addresses[0].addr_spec == inv
            assert m_inv["To"].addresses[0].display_name == "Zo\u00eb \u00c5ngstr\u00f6m"
            assert m_host["To"].addresses[0].addr_spec == h.email
            assert m_inv["From"].addresses[0].addr_spec == "calendula@localhost"
            assert m_inv["Reply-To"].addresses[0].addr_spec == h.email
            assert m_host["Reply-To"].addresses[0].addr_spec == inv
            # 13:00Z is 18:30 in Kolkata (UTC+05:30) and 09:00 in New York (EDT)
            assert str(m_inv["Subject"]) == (
                "Confirmed: Intro call \u2014 Zo\u00eb's team with %s on "
                "Tuesday, March 16, 2027 at 6:30%sPM" % (h.name, NNBSP)), m_inv["Subject"]
            assert str(m_host["Subject"]).startswith(
                "New booking: Intro call \u2014 Zo\u00eb's team with Zo\u00eb \u00c5ngstr\u00f6m on "
                "Tuesday, March 16, 2027 at 9:00%sAM" % NNBSP), m_host["Subject"]
            raw_headers = re.split(rb"\r?\n\r?\n", mails[inv][0].raw)[0]
            assert max(len(x) for x in re.split(rb"\r?\n", raw_headers)) <= 78, raw_headers
            assert all(c < 128 for c in raw_headers), "raw headers must be ASCII (RFC 2047)"
            assert m_inv["Message-ID"] != m_host["Message-ID"]
            assert m_inv["Message-ID"].startswith("<%s." % b["id"])

            # bodies: text and HTML alternatives, the zone named, the manage link
            assert m_inv.get_content_type() == "multipart/mixed"
            alt = part(m_inv, "multipart/alternative")
            assert [p.get_content_type() for p in alt.iter_parts()] == ["text/plain", "text/html"]
            t_inv, t_host = text_of(m_inv), text_of(m_host)
            assert "6:30%sPM - 7:00%sPM (Asia/Kolkata, UTC+05:30)" % (NNBSP, NNBSP) in t_inv, t_inv
            assert "9:00%sAM - 9:30%sAM (America/New_York, UTC-04:00)" % (NNBSP, NNBSP) in t_host
            assert "Agenda: <b>x</b>" in t_host and "Agenda" not in t_inv
            assert "&lt;b&gt;x&lt;/b&gt;" in part(m_host, "text/html").get_content()
            url, bid, token = manage_link(t_inv)
            assert bid == b["id"] and url.startswith(s.base + "/booking/")
            assert urllib.parse.unquote(token) == b["manage_token"]
            assert "token=" not in t_host
            g = s.get("/api/bookings/%s?token=%s" % (bid, token))
            assert g.status == 200, g   # the link works
            assert b["manage_token"] not in s.log_text()

            # the .ics: METHOD, UID, SEQUENCE, DTSTART in UTC
            for m in (m_inv, m_host):
                ics = ics_of(m)
                assert ics["_method"] == "REQUEST" and ics["METHOD"] == "REQUEST", ics
                assert ics["UID"] == "%s@calendula" % b["id"]
                assert ics["SEQUENCE"] == "0"
                assert ics["DTSTART"] == "20270316T130000Z"
                assert ics["DTEND"] == "20270316T133000Z"
                assert ics["STATUS"] == "CONFIRMED"

            # reschedule by the invitee (manage token): both told, SEQUENCE 1
            r = s.put("/api/bookings/%s/reschedule?token=%s" % (bid, b["manage_token"]),
                      json={"start_time": "2027-03-17T15:00:00Z", "reason": "Clash"})
            assert r.status == 200, r
            seen = unique_ids(got)
            got = wait_for(lambda: len(sink.messages()) >= 4 and sink.messages(),
                           what="2 reschedule emails")
            new = by_recipient([m for m in got if m.message_id not in seen])
            assert set(new) == {inv, h.email}
            r_inv = new[inv][0].message
            assert str(r_inv["Subject"]).startswith(
                "Rescheduled: Intro call \u2014 Zo\u00eb's team with %s, now on "
                "Wednesday, March 17, 2027 at 8:30%sPM" % (h.name, NNBSP)), r_inv["Subject"]
            t = text_of(r_inv)
            assert "Was:     Tuesday, March 16, 2027 at 6:30%sPM" % NNBSP in t, t
            assert "Reason:  Clash" in t
            assert manage_link(t)[2] == token
            for m in new.values():
                ics = ics_of(m[0].message)
                assert ics["METHOD"] == "REQUEST" and ics["SEQUENCE"] == "1"
                assert ics["UID"] == "%s@calendula" % bid
                assert ics["DTSTART"] == "20270317T150000Z"

            # cancellation by the host: METHOD:CANCEL, SEQUENCE 2, no manage link
            r = s.delete("/api/bookings/%s?reason=Sick" % bid, token=h.token)
            assert r.status == 200, r
            seen = unique_ids(got)
            got = wait_for(lambda: len(sink.messages()) >= 6 and sink.messages(),
                           what="2 cancellation emails")
            new = by_recipient([m for m in got if m.message_id not in seen])
            assert set(new) == {inv, h.email}
            for who, ms in new.items():
                m = ms[0].message
                assert str(m["Subject"]).startswith("Cancelled: Intro call"), m["Subject"]
                assert "token=" not in text_of(m)
                assert "Reason:  Sick" in text_of(m)
                ics = ics_of(m)
                assert ics["_method"] == "CANCEL" and ics["METHOD"] == "CANCEL", ics
                assert ics["SEQUENCE"] == "2" and ics["STATUS"] == "CANCELLED"
                assert ics["UID"] == "%s@calendula" % bid
            all_msgs = sink.messages()
            assert len(unique_ids(all_msgs)) == len(all_msgs) == 6
            time.sleep(1.5)   # nothing more trickles in (no duplicates, no reminders)
            assert len(sink.messages()) == 6
            rows = jobs_json(s)
            emails = [j for j in rows if j["topic"] == "email.send"]
            assert len(emails) == 6 and all(j["status"] == "done" for j in emails), emails
            # every attempt is recorded, with the manage token kept out
            sent = db_rows(s, "SELECT recipient_email, notification_type, status, body, "
                              "message_id FROM email_notifications ORDER BY created_at")
            assert len(sent) == 6 and all(r[2] == "sent" for r in sent), sent
            assert {r[1] for r in sent} == {"confirmation", "reschedule", "cancellation"}
            assert {"<%s>" % r[4] for r in sent} == unique_ids(all_msgs)
            assert not any(b["manage_token"] in r[3] for r in sent)
            assert any("token=[redacted]" in r[3] for r in sent if r[0] == inv)
            sealed = db_rows(s, "SELECT sealed_manage_token FROM booking_secrets")
            assert len(sealed) == 1 and b["manage_token"] not in sealed[0][0]
            # its reminders were withdrawn when the booking moved, then when it was cancelled
            rem = [j for j in rows if j["topic"] == "booking.reminder"]
            assert len(rem) == 4 and all(j["status"] == "done" for j in rem), rem
            assert all(j["last_error"].startswith("withdrawn") for j in rem), rem
    finally:
        sink.close()


# --------------------------------------------------------------------------
# the embedded default: .eml files


def test_eml_files_in_the_data_dir_by_default():
    with mail_server() as s:
        h, mt = setup_booking(s)
        r = book(s, mt["id"], "2027-03-16T13:00:00Z", tz="Europe/Paris")
        assert r.status == 201, r
        out = os.path.join(s.data_dir, "mail", "outbox")
        def emls():
            return os.path.isdir(out) and [f for f in os.listdir(out) if f.endswith(".eml")]
        wait_for(lambda: len(emls() or []) >= 2, what=".eml files")
        time.sleep(0.5)
        files = sorted(os.listdir(out))   # no temporary file is left behind
        assert len(files) == 2 and all(f.endswith(".eml") for f in files), files
        assert not [f for f in files if f.startswith(".tmp")]
        import email
        import email.policy
        subjects = []
        for f in files:
            with open(os.path.join(out, f), "rb") as fh:
                msg = email.message_from_bytes(fh.read(), policy=email.policy.default)
            assert msg["Message-ID"] == "<%s>" % f[:-4]
            subjects.append(str(msg["Subject"]))
            assert ics_of(msg)["DTSTART"] == "20270316T130000Z"
        assert any("2:00%sPM" % NNBSP in x for x in subjects), subjects   # Paris, UTC+1
        assert "mail: files in %s" % out in s.log_text()


def eml_messages(server, count):
    """The first `count` .eml files of the server's mail folder, parsed, once they are there."""
    import email
    import email.policy
    out = os.path.join(server.data_dir, "mail", "outbox")
    def ready():
        files = os.path.isdir(out) and [f for f in os.listdir(out) if f.endswith(".eml")]
        return files if files and len(files) >= count else None
    files = wait_for(ready, what="%d .eml files" % count)
    msgs = []
    for f in sorted(files):
        with open(os.path.join(out, f), "rb") as fh:
            msgs.append(email.message_from_bytes(fh.read(), policy=email.policy.default))
    return msgs


def test_invitee_dates_in_their_language():
    with mail_server() as s:
        h, mt = setup_booking(s)
        # invitee_locale in the body; the host's email stays in English
        de = "de.%s@example.com" % unique("g")
        r = book(s, mt["id"], "2027-03-16T13:00:00Z", email=de, tz="Europe/Berlin",
                 invitee_locale="de_de")
        assert r.status == 201, r
        assert "invitee_locale" not in r.body
        # no invitee_locale: the browser's Accept-Language decides
        fr = "fr.%s@example.com" % unique("g")
        r = s.post("/api/bookings", json=book_body(mt["id"], "2027-03-17T13:00:00Z", email=fr,
                                                   tz="Europe/Paris"),
                   headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
        assert r.status == 201, r
        msgs = eml_messages(s, 4)
        subjects = {m["To"].addresses[0].addr_spec: str(m["Subject"]) for m in msgs
                    if m["To"].addresses[0].addr_spec != h.email}
        host_subjects = [str(m["Subject"]) for m in msgs if m["To"].addresses[0].addr_spec == h.email]
        # 13:00Z is 14:00 in Berlin and Paris (CET)
        assert "Dienstag, 16. M\u00e4rz 2027" in subjects[de] and "14:00" in subjects[de], subjects
        assert "mercredi 17 mars 2027" in subjects[fr] and "14:00" in subjects[fr], subjects
        assert len(host_subjects) == 2 and all("March" in x for x in host_subjects), host_subjects
        text_de = text_of([m for m in msgs if m["To"].addresses[0].addr_spec == de][0])
        assert "Dienstag, 16. M\u00e4rz 2027" in text_de, text_de
        # a tag that is not one is refused, nothing booked
        r = book(s, mt["id"], "2027-03-18T13:00:00Z", invitee_locale="de DE\r\nX: y")
        assert r.status == 422 and r.body["error"]["field"] == "invitee_locale", r
        r = book(s, mt["id"], "2027-03-18T13:00:00Z", invitee_locale=12)
        assert r.status == 422 and r.body["error"]["field"] == "invitee_locale", r
        starts = [x["start"] for x in s.get(
            "/api/availability/slots?meeting_type_id=%s&date=2027-03-18&timezone=UTC"
            % mt["id"]).body["slots"]]
        assert "2027-03-18T13:00:00Z" in starts, starts


def test_finished_jobs_are_purged_after_retention():
    with mail_server() as s:
        h, mt = setup_booking(s)
        assert book(s, mt["id"], "2027-04-20T13:00:00Z").status == 201
        eml_messages(s, 2)
        wait_for(lambda: len(jobs_json(s, "done")) >= 1 and not jobs_json(s, "processing"),
                 what="the confirmation job done")
        assert len(jobs_json(s, "pending")) == 2      # the two reminders
        # Nineteen days later, with a week's retention: an idle worker deletes the
        # finished rows and leaves the pending reminders alone.
        s.stop()
        at = s.extra_args.index("--fake-now")
        s.extra_args[at + 1] = "2027-03-20T00:00:00Z"
        s.extra_args += ["--job-retention", "7"]
        s.start()
        wait_for(lambda: not jobs_json(s, "done"), what="done rows purged")
        assert len(jobs_json(s, "pending")) == 2
        assert "deleted" in s.log_text() and "older than 7 day(s)" in s.log_text()
        # By hand: recent rows are kept with --older-than, all go without it.
        assert book(s, mt["id"], "2027-04-21T13:00:00Z").status == 201
        wait_for(lambda: len(jobs_json(s, "done")) >= 1 and not jobs_json(s, "processing"),
                 what="the second confirmation job done")
        later = ["--fake-now", "2027-03-20T00:10:00Z"]   # the command's clock, like the server's
        r = jobs(s, "purge-done", "--older-than", "7", *later)
        assert r.returncode == 0 and r.stdout.strip() == "purged 0 finished job(s)", r
        r = jobs(s, "purge-done", *later)
        assert r.returncode == 0 and re.fullmatch(r"purged [1-9]\d* finished job\(s\)",
                                                   r.stdout.strip()), r
        assert not jobs_json(s, "done") and len(jobs_json(s, "pending")) == 4
        r = jobs(s, "purge-done", "--older-than", "-1")
        assert r.returncode != 0 and "--older-than" in r.stderr, r
        r = run_cli(["serve", "--job-retention", "3651"] + db_opts(s))
        assert r.returncode == 2 and "job-retention" in r.stderr, r


# --------------------------------------------------------------------------
# failures: SMTP down, 4xx, 5xx


def test_smtp_down_while_booking_then_up_every_email_once():
    sink = SmtpSink()   # not listening yet: connections are refused
    try:
        with mail_server(sink.url()) as s:
            h, mt = setup_booking(s)
            ids = []
            for hour in (13, 14, 15):
                r = book(s, mt["id"], "2027-03-16T%02d:00:00Z" % hour)
                assert r.status == 201, r
                ids.append(r.body["id"])
            r = s.put("/api/bookings/%s/reschedule" % ids[0], token=h.token,
                      json={"start_time": "2027-03-18T13:00:00Z"})
            assert r.status == 200, r
            # 8 emails wait: attempts fail and are retried with backoff
            def failing():
                rows = [j for j in jobs_json(s) if j["topic"] == "email.send"]
                return len(rows) == 8 and all(j["attempts"] >= 1 and j["status"] == "pending"
                                              and "SMTP" in (j["last_error"] or "")
                                              for j in rows) and rows
            rows = wait_for(failing, what="8 email jobs failing while SMTP is down")
            assert "Could not connect" in rows[0]["last_error"] or \
                "Couldn't connect" in rows[0]["last_error"], rows[0]
            sink.up()
            msgs = wait_for(lambda: len(sink.messages()) >= 8 and sink.messages(), timeout=30,
                            what="8 emails after SMTP came back")
            time.sleep(2.5)   # longer than the backoff: a duplicate would show up now
            msgs = sink.messages()
            assert len(msgs) == 8, msgs
            assert len(unique_ids(msgs)) == 8
            per_booking = {}
            for m in msgs:
                bid = m.message_id[1:37]
                per_booking[bid] = per_booking.get(bid, 0) + 1
            assert per_booking == {ids[0]: 4, ids[1]: 2, ids[2]: 2}, per_booking
            assert all(j["status"] == "done" for j in jobs_json(s) if j["topic"] == "email.send")
    finally:
        sink.close()


def test_4xx_is_retried_and_5xx_goes_to_dead_letter():
    sink = SmtpSink().up()
    tries = {"n": 0}

    def busy_then_ok(stage, value):   # the host's mailbox is busy twice, then fine
        if stage == "rcpt" and value.startswith("busy-host"):
            tries["n"] += 1
            if tries["n"] <= 2:
                return "451 4.2.1 Mailbox busy, try later"
        return None

    def no_such_user(stage, value):
        if stage == "rcpt" and value.startswith("nobody."):
            return "550 5.1.1 No such user"
        return None

    sink.rules += [busy_then_ok, no_such_user]
    try:
        with mail_server(sink.url()) as s:
            acc_email = "busy-host.%s@example.com" % unique("h")
            busy = new_user(s, email=acc_email, time_zone="UTC")
            assert s.post("/api/availability/rules", json={"time_zone": "UTC", "rules": ALL_DAY},
                          token=busy.token).status == 200
            mt = meeting_type(s, busy, name="Busy")
            dead_inv = "nobody.%s@example.com" % unique("x")
            r = book(s, mt["id"], "2027-03-16T13:00:00Z", email=dead_inv)
            assert r.status == 201, r
            # the host's copy arrives after two 451s; the invitee's is dead (550)
            wait_for(lambda: any(acc_email in m.rcpt_to for m in sink.messages()),
                     what="the host's email after 451s")
            dead = wait_for(lambda: jobs_json(s, "dead"), what="a dead job")
            assert len(dead) == 1, dead
            d = dead[0]
            assert d["topic"] == "email.send" and d["attempts"] == 1, d
            assert d["payload"]["to"] == dead_inv and d["payload"]["kind"] == "confirmation"
            assert "550" in d["last_error"], d
            host_job = [j for j in jobs_json(s) if j["topic"] == "email.send"
                        and j["payload"]["to"] == acc_email][0]
            assert host_job["status"] == "done" and host_job["attempts"] == 3, host_job
            tries = db_rows(s, "SELECT recipient_email, status, error FROM email_notifications")
            busy_tries = [t for t in tries if t[0] == acc_email]
            assert sorted(t[1] for t in busy_tries) == ["failed", "failed", "sent"], tries
            assert all("451" in t[2] for t in busy_tries if t[1] == "failed")
            assert [t[1] for t in tries if t[0] == dead_inv] == ["failed"]
            assert len([m for m in sink.messages() if acc_email in m.rcpt_to]) == 1

            # the text listing shows it too
            lst = jobs(s, "list", "--status", "dead")
            assert lst.returncode == 0 and "email.send" in lst.stdout and "550" in lst.stdout, lst
            # retry after the address is fixed on the server side: delivered
            sink.rules.remove(no_such_user)
            r = jobs(s, "retry", str(d["id"]))
            assert r.returncode == 0 and "requeued 1" in r.stdout, r
            wait_for(lambda: any(dead_inv in m.rcpt_to for m in sink.messages()),
                     what="the retried email")
            assert jobs_json(s, "dead") == []
            # a new dead letter, then purge-dead
            sink.rules.append(no_such_user)
            r = book(s, mt["id"], "2027-03-16T15:00:00Z",
                     email="nobody.%s@example.com" % unique("y"))
            assert r.status == 201
            wait_for(lambda: jobs_json(s, "dead"), what="a second dead job")
            r = jobs(s, "retry-dead")
            assert r.returncode == 0 and "requeued 1" in r.stdout, r
            wait_for(lambda: jobs_json(s, "dead"), what="it to die again")
            r = jobs(s, "purge-dead")
            assert r.returncode == 0 and "purged 1" in r.stdout, r
            assert jobs_json(s, "dead") == []
            # bad invocations
            assert jobs(s, "retry").returncode == 2
            assert jobs(s, "frobnicate").returncode == 2
            assert jobs(s, "list", "--status", "sideways").returncode == 2
            assert jobs(s, "retry", "999999").returncode == 1
    finally:
        sink.close()


def test_smtp_login_and_a_wrong_password():
    sink = SmtpSink()
    sink.auth = ("mailer", "s3cret!pw")
    sink.up()
    try:
        with mail_server(sink.url("mailer:s3cret%21pw")) as s:
            h, mt = setup_booking(s)
            assert book(s, mt["id"], "2027-03-16T13:00:00Z").status == 201
            wait_for(lambda: len(sink.messages()) >= 2, what="2 emails after AUTH PLAIN")
            assert set(sink.logins) == {("mailer", "s3cret!pw")}
            s.stop()
            s.extra_args[s.extra_args.index("--smtp-url") + 1] = sink.url("mailer:wrong")
            s.start()
            assert book(s, mt["id"], "2027-03-16T15:00:00Z").status == 201
            dead = wait_for(lambda: jobs_json(s, "dead"), what="dead letters after 535")
            assert all("535" in d["last_error"] for d in dead), dead
            text = s.log_text()
            assert "s3cret" not in text and "wrong" not in text
            assert "smtp://127.0.0.1:%d" % sink.port in text
    finally:
        sink.close()


def test_max_attempts_then_dead():
    sink = SmtpSink().up()
    sink.rules.append(lambda stage, v: "421 4.3.2 Service shutting down" if stage == "mail"
                      else None)
    try:
        with mail_server(sink.url(), args=["--job-max-attempts", "3"]) as s:
            h, mt = setup_booking(s)
            assert book(s, mt["id"], "2027-03-16T13:00:00Z").status == 201
            dead = wait_for(lambda: len(jobs_json(s, "dead")) == 2 and jobs_json(s, "dead"),
                            timeout=30, what="two emails dead after 3 attempts")
            for d in dead:
                assert d["attempts"] == 3 and "421" in d["last_error"], d
            assert sink.messages() == []
    finally:
        sink.close()


# --------------------------------------------------------------------------
# crash and shutdown


def start_worker(server, smtp_url, log_path, extra=()):
    log = open(log_path, "ab")
    args = [binary_path(), "worker", "--smtp-url", smtp_url, "--fake-now", NOW,
            "--job-workers", "1"] + db_opts(server) + FAST + list(extra)
    try:
        return subprocess.Popen(args, env=clean_env(), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, cwd=server.tmp)
    finally:
        log.close()


def test_worker_killed_mid_delivery_is_retried_and_delivered():
    sink = SmtpSink().up()
    sink.stall_after_data.set()   # read the whole message, then never answer
    worker = None
    try:
        with Server(args=["--fake-now", NOW, "--job-workers", "0"]) as s:
            log_path = os.path.join(s.tmp, "worker.log")
            worker = start_worker(s, sink.url(), log_path)
            h, mt = setup_booking(s)
            r = book(s, mt["id"], "2027-03-16T13:00:00Z")
            assert r.status == 201, r
            wait_for(lambda: sink.stalled, what="the worker to be mid-delivery")
            worker.kill()   # SIGKILL: no chance to release the lease
            worker.wait()
            stalled = list(sink.stalled)
            rows = [j for j in jobs_json(s) if j["topic"] == "email.send"]
            assert any(j["status"] == "processing" for j in rows), rows
            sink.stall_after_data.clear()
            sink.release.set()
            worker = start_worker(s, sink.url(), log_path)
            msgs = wait_for(lambda: len(sink.messages()) >= 2 and sink.messages(), timeout=30,
                            what="both emails after the lease expired")
            time.sleep(1.5)
            msgs = sink.messages()
            # the stalled copy may have reached the recipient too: with the deterministic
            # Message-ID it is one logical email
            ids = unique_ids(msgs) | unique_ids(stalled)
            assert len(ids) == 2, (msgs, stalled)
            assert unique_ids(stalled) <= unique_ids(msgs)
            assert len(msgs) == 2
            rows = [j for j in jobs_json(s) if j["topic"] == "email.send"]
            assert all(j["status"] == "done" for j in rows), rows
            assert max(j["attempts"] for j in rows) == 2, rows
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(10) == 0
            worker = None
            with open(log_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            assert "AddressSanitizer" not in text and "runtime error:" not in text, text[-3000:]
    finally:
        if worker:
            worker.kill()
            worker.wait()
        sink.close()


def test_sigterm_releases_the_job_in_hand():
    sink = SmtpSink().up()
    sink.stall_after_data.set()
    try:
        with mail_server(sink.url(), args=["--job-lease", "600", "--job-workers", "1"]) as s:
            h, mt = setup_booking(s)
            assert book(s, mt["id"], "2027-03-16T13:00:00Z").status == 201
            wait_for(lambda: sink.stalled, what="a stalled delivery")
            t0 = time.monotonic()
            s.stop()   # asserts exit 0 within 10 s
            assert time.monotonic() - t0 < 9
            rows = [j for j in jobs_json(s) if j["topic"] == "email.send"]
            assert len(rows) == 2 and all(j["status"] == "pending" for j in rows), rows
            assert all(j["attempts"] == 0 for j in rows), rows   # given back, not counted
            assert "released" in s.log_text()
            sink.stall_after_data.clear()
            sink.release.set()
            s.start()   # the next run delivers at once (the lease was released)
            wait_for(lambda: len(sink.messages()) >= 2, timeout=15, what="delivery after restart")
            assert len(unique_ids(sink.messages())) == 2
    finally:
        sink.close()


# --------------------------------------------------------------------------
# reminders


def test_reminders_end_to_end():
    # The clock starts 70 s before 09:00Z; reminders 1 minute before the meeting
    # are due 10 s from now. The 60-minute one is already past: not scheduled.
    sink = SmtpSink().up()
    try:
        with mail_server(sink.url(), now="2027-03-02T08:58:50Z") as s:
            h, mt = setup_booking(s, host_tz="Europe/Berlin", reminder_minutes=[60, 1])
            assert mt["reminder_minutes"] == [60, 1], mt
            started = time.monotonic()
            keep = book(s, mt["id"], "2027-03-02T09:00:00Z", tz="America/Chicago")
            gone = book(s, mt["id"], "2027-03-02T09:30:00Z")
            moved = book(s, mt["id"], "2027-03-02T10:00:00Z")
            assert keep.status == gone.status == moved.status == 201
            assert s.delete("/api/bookings/%s" % gone.body["id"], token=h.token).status == 200
            r = s.put("/api/bookings/%s/reschedule" % moved.body["id"], token=h.token,
                      json={"start_time": "2027-03-09T10:00:00Z"})
            assert r.status == 200, r
            rem = [j for j in jobs_json(s) if j["topic"] == "booking.reminder"]
            pending = [j for j in rem if j["status"] == "pending"]
            # keep: 1 (the 60-minute one is past); gone: withdrawn; moved: 60 and 1 for the new time
            assert sorted((j["aggregate_id"], j["payload"]["minutes_before"]) for j in pending) \
                == sorted([(keep.body["id"], 1), (moved.body["id"], 60), (moved.body["id"], 1)])
            assert next(j for j in pending if j["aggregate_id"] == keep.body["id"])[
                "available_at"] == "2027-03-02T08:59:00Z"

            def reminders():
                return [m for m in sink.messages()
                        if str(m.message["Subject"]).startswith("Reminder:")]
            got = wait_for(lambda: len(reminders()) >= 2 and reminders(), timeout=40,
                           what="two reminder emails")
            assert time.monotonic() - started >= 8, "sent before it was due"
            time.sleep(1.5)
            got = reminders()
            assert len(got) == 2, got   # none for the cancelled or the moved booking
            mails = by_recipient(got)
            assert set(mails) == {keep.body["invitee_email"], h.email}
            inv = mails[keep.body["invitee_email"]][0].message
            hm = mails[h.email][0].message
            # 09:00Z is 3:00 AM in Chicago (CST) and 10:00 in Berlin (CET)
            assert str(inv["Subject"]) == "Reminder: Intro call with %s on Tuesday, March 2, " \
                "2027 at 3:00%sAM" % (h.name, NNBSP), inv["Subject"]
            assert "10:00%sAM" % NNBSP in str(hm["Subject"]), hm["Subject"]
            assert "starts in 1 minute." in text_of(inv)
            assert "(America/Chicago, UTC-06:00)" in text_of(inv)
            assert "(Europe/Berlin, UTC+01:00)" in text_of(hm)
            assert manage_link(text_of(inv))[1] == keep.body["id"]
            ics = ics_of(inv)
            assert ics["METHOD"] == "REQUEST" and ics["SEQUENCE"] == "0"
            assert ics["DTSTART"] == "20270302T090000Z"
            assert ics["UID"] == "%s@calendula" % keep.body["id"]
            assert len(unique_ids(sink.messages())) == len(sink.messages())
    finally:
        sink.close()


def test_reminder_minutes_api_and_server_default():
    with mail_server(args=["--reminders", "1440,60,10"]) as s:
        h = host(s, rules=ALL_DAY)
        mt = meeting_type(s, h, name="Plain")
        assert mt["reminder_minutes"] is None
        bad = [[0], [525601], ["x"], [5, 5], list(range(1, 10)), "60"]
        for v in bad:
            r = s.patch("/api/meeting-types/%s" % mt["id"], json={"reminder_minutes": v},
                        token=h.token)
            assert r.status == 422 and r.error_field == "reminder_minutes", (v, r)
        r = s.patch("/api/meeting-types/%s" % mt["id"], json={"reminder_minutes": [15, 120]},
                    token=h.token)
        assert r.status == 200 and r.body["reminder_minutes"] == [120, 15], r
        r = s.patch("/api/meeting-types/%s" % mt["id"], json={"name": "Renamed"}, token=h.token)
        assert r.body["reminder_minutes"] == [120, 15], r   # kept when not mentioned
        pub = s.get("/api/meeting-types/%s" % mt["id"])
        assert "reminder_minutes" not in pub.body   # owner-only
        other = meeting_type(s, h, name="Default", slug="dflt")
        none = meeting_type(s, h, name="Silent", slug="silent", reminder_minutes=[])
        assert none["reminder_minutes"] == []
        for m, start in ((mt, "2027-03-20T13:00:00Z"), (other, "2027-03-21T13:00:00Z"),
                         (none, "2027-03-22T13:00:00Z")):
            assert book(s, m["id"], start).status == 201
        rem = [j for j in jobs_json(s) if j["topic"] == "booking.reminder"]
        by_type = {}
        for j in rem:
            by_type.setdefault(j["payload"]["start_time"], []).append(j["payload"]["minutes_before"])
        t = lambda iso: int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
        assert sorted(by_type[t("2027-03-20T13:00:00Z")]) == [15, 120]
        assert sorted(by_type[t("2027-03-21T13:00:00Z")]) == [10, 60, 1440]
        assert t("2027-03-22T13:00:00Z") not in by_type
        r = s.patch("/api/meeting-types/%s" % mt["id"], json={"reminder_minutes": None},
                    token=h.token)
        assert r.body["reminder_minutes"] is None


def test_notification_settings_are_checked():
    for args, word in ((["--smtp-url", "http://x"], "--smtp-url"),
                       (["--mail-from", "Bob <bob@x>"], "--mail-from"),
                       (["--job-backoff", "10"], "--job-backoff"),
                       (["--reminders", "60,60"], "--reminders"),
                       (["--job-workers", "-1"], "--job-workers")):
        r = run_cli(["migrate"] + args)
        assert r.returncode == 2 and word in r.stderr, (args, r.stderr)
    r = run_cli(["migrate"], env={"CALENDULA_SMTP_URL": "ftp://user:hunter2@x"})
    assert r.returncode == 2 and "hunter2" not in r.stderr, r.stderr
