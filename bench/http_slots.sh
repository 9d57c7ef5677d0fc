#!/usr/bin/env bash
# HTTP benchmark of GET /api/availability/slots against a static file of the
# same size served by nginx, in the same run, with wrk.
#
#   bench/http_slots.sh [BIN]             (default build/calendula; `make build` first)
#   STORE=postgres bench/http_slots.sh    (a throwaway PostgreSQL 15)
#
# Set-up: a host in America/New_York (Mon–Fri 09–17), a 30-minute meeting
# type with a 730-day window, 200 confirmed bookings spread over the weeks
# after 2027-03-01, the clock frozen-start at 2027-03-01 (--fake-now).
# Measured: a 7-day range (2027-03-15..21) of that host, i.e. the engine
# plus the store reads for 200 bookings' range, per request.
#  1. throughput: wrk -t2 -c$CONNS -d$DUR, calendula then nginx, RUNS times
#  2. latency at a fixed rate: wrk with a per-request delay (bench/paced.lua)
#     holding about RATE (default 5000) requests/s: p50, p99
# Needs: wrk, nginx-light (scripts/install-deps --bench installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/calendula}
DUR=${DUR:-10s}
CONNS=${CONNS:-16}
RUNS=${RUNS:-3}
RATE=${RATE:-5000}
source bench/lib.sh
start_server "$BIN" 2027-03-01T00:00:00Z
NP=$(free_port)

MT=$(python3 - "$P" <<'PY'
import datetime, sys
sys.path.insert(0, "bench")
from api import Api
api = Api(sys.argv[1])
tok = api.host("bench", tz="America/New_York", rules=[
    {"day_of_week": d, "start_time": "09:00", "end_time": "17:00"} for d in range(1, 6)])
mt = api.meeting_type(tok, slug="bench")
# 200 bookings: every other slot of the weekdays from 2027-03-01 on.
n, day = 0, datetime.date(2027, 3, 1)
while n < 200:
    if day.weekday() < 5:
        slots = api.call("GET", "/api/availability/slots?meeting_type_id=%s&date=%s" % (mt, day))["slots"]
        for s in slots[::2]:
            if n == 200: break
            api.call("POST", "/api/bookings", {"meeting_type_id": mt, "start_time": s["start"],
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

machine_line
echo "server threads: $(server_threads); slots answer: $SIZE bytes, $(python3 -c "import json;print(len(json.load(open('$T/www.json'))['slots']))") slots; wrk -t2 -c$CONNS -d$DUR, $RUNS runs each"
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
# Paced: each connection waits 2 ms between an answer and its next request
# (wrk's delay() takes whole milliseconds), so C connections ask about
# C * 1000 / (2 ms + timer slack + latency) requests/s; one connection
# makes about 360/s here, so C = RATE * 2.8 / 1000. The rate reached is
# printed.
PC=$(( (RATE * 28 + 5000) / 10000 ))
for i in $(seq "$RUNS"); do
  out=$(DELAY_MS=2 wrk -t2 -c"$PC" -d"$DUR" --latency -s bench/paced.lua "$URL")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "run $i paced ($PC connections, 2 ms apart; $RATE/s asked): $rps req/s, p50 $p50, p99 $p99"
done
