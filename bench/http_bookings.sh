#!/usr/bin/env bash
# Booking throughput and latency, on SQLite or PostgreSQL.
#
#   bench/http_bookings.sh [BIN]              (default build/calendula)
#   STORE=postgres bench/http_bookings.sh     (a throwaway PostgreSQL 15,
#                                              fsync off; PG_DURABLE=1: on)
#
# HOSTS hosts (default 100) open around the clock, each with a 30-minute
# meeting type and a 730-day window; the clock started at 2027-02-28
# (--fake-now).
#  1. wrk -t2 -c$CONNS posts bookings on distinct free slots, spread over
#     the hosts (bench/bookings.lua), RUNS times for DUR each (fresh slots
#     every run): bookings/s, p50, p99, and the count of 201 answers
#     checked against the database afterwards.
#  2. 50 bookings/s for 20 s from a paced client: p50 and p99 latency.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/calendula}
DUR=${DUR:-10s}
RUNS=${RUNS:-3}
CONNS=${CONNS:-16}
HOSTS=${HOSTS:-100}
source bench/lib.sh
start_server "$BIN" 2027-02-28T00:00:00Z

read -r MT MT2 < <(python3 - "$P" "$HOSTS" <<'PY'
import sys
sys.path.insert(0, "bench")
from api import Api
api = Api(sys.argv[1])
load = [api.meeting_type(api.host("load%d" % i)) for i in range(int(sys.argv[2]))]
print(",".join(load), api.meeting_type(api.host("paced"), minutes=5, slug="paced"))
PY
)
machine_line
echo "server threads: $(server_threads); $HOSTS hosts; wrk -t2 -c$CONNS -d$DUR, $RUNS runs"
if [[ -n "${PROFILE:-}" ]]; then perf record -F 2000 -g -p $SRV -o "$PROFILE" -- sleep 4 &>/dev/null & fi
acked=0
for i in $(seq "$RUNS"); do
  # Each run starts 4000 half-hours after the previous one, on fresh slots.
  out=$(MEETING_TYPES=$MT WRK_THREADS=2 SLOT_OFFSET=$(( (i - 1) * 4000 )) \
    wrk -t2 -c"$CONNS" -d"$DUR" --latency -s bench/bookings.lua "http://127.0.0.1:$P")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  acked=$((acked + total - ${non2xx:-0}))
  echo "run $i burst: $rps bookings/s, p50 $p50, p99 $p99; $total requests, non-2xx ${non2xx:-0}"
done
stored=$(db_count "SELECT count(*) FROM bookings WHERE meeting_type_id <> '$MT2'")
echo "answered 201: $acked, stored: $stored"

python3 - "$P" "$MT2" <<'PY'
import http.client, json, sys, time
port, mt = int(sys.argv[1]), sys.argv[2]
rate, secs = 50, 20
conn = http.client.HTTPConnection("127.0.0.1", port)
lat, base, t0 = [], 1803945600, time.monotonic()
for n in range(rate * secs):
    due = t0 + n / rate
    time.sleep(max(0, due - time.monotonic()))
    body = json.dumps({"meeting_type_id": mt, "start_time": time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + n * 300)), "invitee_name": "P",
        "invitee_email": "p%d@example.com" % n, "invitee_timezone": "UTC"})
    s = time.perf_counter()
    conn.request("POST", "/api/bookings", body, {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    lat.append((time.perf_counter() - s) * 1000)
    assert r.status == 201, r.status
lat.sort()
print("paced (%d/s for %d s): p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (
    rate, secs, lat[len(lat) // 2], lat[int(len(lat) * 0.99)], lat[-1]))
PY
