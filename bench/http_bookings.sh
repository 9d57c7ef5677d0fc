#!/usr/bin/env bash
# Booking throughput and latency on SQLite.
#
#   bench/http_bookings.sh [BIN]       (default build/calendula)
#
# HOSTS hosts (default 100) open around the clock, each with a 30-minute
# meeting type and a 730-day window; the clock started at 2027-02-28
# (--fake-now).
#  1. wrk -t2 -c16 posts bookings on distinct free slots, spread over the
#     hosts (bench/bookings.lua), for DUR: bookings/s, p50, p99, and the
#     count of 201 answers checked against the database afterwards.
#  2. 50 bookings/s for 20 s from a paced client: p50 and p99 latency.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/calendula}
DUR=${DUR:-10s}
T=$(mktemp -d)
cleanup() {
  [[ -n "${SRV:-}" ]] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --listen 127.0.0.1:$P --data-dir "$T/data" --fake-now 2027-02-28T00:00:00Z \
  --log-level warn ${THREADS:+--threads $THREADS} </dev/null >"$T/server.out" 2>"$T/server.err" &
SRV=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$P/health/live" >/dev/null && break; sleep 0.1; done
HOSTS=${HOSTS:-100}
read -r MT MT2 < <(python3 - "$P" "$HOSTS" <<'PY'
import json, sys, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r: return json.loads(r.read() or b"null")
def host(who, minutes):
    call("POST", "/api/users", {"email": who + "@example.com", "password": "bench-password",
         "name": who, "username": who, "time_zone": "UTC"})
    tok = call("POST", "/api/auth/login", {"email": who + "@example.com", "password": "bench-password"})["token"]
    call("POST", "/api/availability/rules", {"rules": [{"day_of_week": d, "start_time": "00:00",
         "end_time": "24:00"} for d in range(7)]}, tok)
    return call("POST", "/api/meeting-types", {"name": "Load", "slug": "load",
         "duration_minutes": minutes, "booking_window_days": 730}, tok)["id"]
load = [host("load%d" % i, 30) for i in range(int(sys.argv[2]))]
print(",".join(load), host("paced", 5))
PY
)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%F)"
if [[ -n "${PROFILE:-}" ]]; then perf record -F 2000 -p $SRV -o "$PROFILE" -- sleep 4 &>/dev/null & fi
out=$(MEETING_TYPES=$MT WRK_THREADS=2 wrk -t2 -c16 -d"$DUR" --latency -s bench/bookings.lua \
  "http://127.0.0.1:$P")
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
p50=$(awk '$1=="50%" {print $2}' <<<"$out")
p99=$(awk '$1=="99%" {print $2}' <<<"$out")
total=$(awk '/requests in/ {print $1}' <<<"$out")
non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
stored=$(sqlite3 "$T/data/calendula.db" "SELECT count(*) FROM bookings WHERE meeting_type_id <> '$MT2'")
echo "burst ($HOSTS hosts, wrk -t2 -c16 -d$DUR): $rps bookings/s, p50 $p50, p99 $p99; $total requests, non-2xx ${non2xx:-0}, stored $stored"

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
