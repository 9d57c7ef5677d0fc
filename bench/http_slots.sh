#!/usr/bin/env bash
# HTTP benchmark of GET /api/availability/slots against a static file of the
# same size served by nginx, in the same run, with wrk.
#
#   bench/http_slots.sh [BIN]        (default build/calendula; `make build` first)
#
# Set-up: a host in America/New_York (Mon–Fri 09–17), a 30-minute meeting
# type with a 730-day window, 200 confirmed bookings spread over the weeks
# after 2027-03-01, the clock frozen-start at 2027-03-01 (--fake-now).
# Measured: a 7-day range (2027-03-15..21) of that host, i.e. the engine
# plus the SQLite reads for 200 bookings' range, per request.
# Needs: wrk, nginx-light (scripts/install-deps --bench installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/calendula}
DUR=${DUR:-10s}
CONNS=${CONNS:-16}
RUNS=${RUNS:-3}
T=$(mktemp -d)
cleanup() {
  [[ -n "${SRV:-}" ]] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null || true
  [[ -f "$T/nginx.pid" ]] && kill "$(cat "$T/nginx.pid")" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); NP=$(port)
"$BIN" serve --listen 127.0.0.1:$P --data-dir "$T/data" --fake-now 2027-03-01T00:00:00Z \
  --log-level warn ${THREADS:+--threads $THREADS} </dev/null >"$T/server.out" 2>"$T/server.err" &
SRV=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$P/health/live" >/dev/null && break; sleep 0.1; done

MT=$(python3 - "$P" <<'PY'
import json, sys, urllib.request, datetime
base = "http://127.0.0.1:%s" % sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r: return json.loads(r.read() or b"null")
call("POST", "/api/users", {"email": "bench@example.com", "password": "bench-password",
     "name": "Bench", "username": "bench", "time_zone": "America/New_York"})
tok = call("POST", "/api/auth/login", {"email": "bench@example.com", "password": "bench-password"})["token"]
mt = call("POST", "/api/meeting-types", {"name": "Bench", "slug": "bench", "duration_minutes": 30,
          "booking_window_days": 730}, tok)["id"]
# 200 bookings: every other slot of the weekdays from 2027-03-01 on.
n, day = 0, datetime.date(2027, 3, 1)
while n < 200:
    if day.weekday() < 5:
        slots = call("GET", "/api/availability/slots?meeting_type_id=%s&date=%s" % (mt, day))["slots"]
        for s in slots[::2]:
            if n == 200: break
            call("POST", "/api/bookings", {"meeting_type_id": mt, "start_time": s["start"],
                 "invitee_name": "Guest %d" % n, "invitee_email": "g%d@example.com" % n,
                 "invitee_timezone": "Europe/Paris"})
            n += 1
    day += datetime.timedelta(days=1)
print(mt)
PY
)
URL="http://127.0.0.1:$P/api/availability/slots?meeting_type_id=$MT&start_date=2027-03-15&end_date=2027-03-21&timezone=Europe/Paris"
curl -fs "$URL" >"$T/www.json"
SIZE=$(stat -c %s "$T/www.json")
mkdir -p "$T/www" && cp "$T/www.json" "$T/www/static.json"
cat >"$T/nginx.conf" <<NGX
worker_processes 2;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $T/nb; proxy_temp_path $T/np; fastcgi_temp_path $T/nf;
  uwsgi_temp_path $T/nu; scgi_temp_path $T/ns;
  server { listen 127.0.0.1:$NP; root $T/www; default_type application/json; }
}
NGX
nginx -c "$T/nginx.conf"
sleep 0.3

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%F)"
echo "slots answer: $SIZE bytes, $(python3 -c "import json;print(len(json.load(open('$T/www.json'))['slots']))") slots; wrk -t2 -c$CONNS -d$DUR, $RUNS runs each"
if [[ -n "${PROFILE:-}" ]]; then perf record -F 2000 -g -p $SRV -o "$PROFILE" -- sleep 4 &>/dev/null & fi
for i in $(seq "$RUNS"); do
  for target in calendula nginx; do
    u=$URL; [[ $target == nginx ]] && u="http://127.0.0.1:$NP/static.json"
    out=$(wrk -t2 -c"$CONNS" -d"$DUR" --latency "$u")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
    echo "run $i $target: $rps req/s, p50 $p50, p99 $p99${non2xx:+, non-2xx $non2xx}"
  done
done
