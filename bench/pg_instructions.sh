#!/usr/bin/env bash
# PostgreSQL's work per booking, counted in instructions by valgrind's
# callgrind: the same count for the same binary and inputs whatever else
# this VM is doing, where bookings/s drift by 20% within the hour.
#
#   bench/pg_instructions.sh [BIN...]      (default build/calendula)
#   COUNT=400                              bookings measured per binary
#   WARM=400                               bookings before the ANALYZE
#
# A throwaway PostgreSQL 15 runs under callgrind, with autovacuum off so
# that nothing but the server's backends (and one psql) runs. For each BIN,
# twice, in a fresh database: start the server (--job-workers 0), make 8
# hosts open around the clock, book WARM slots from 4 clients (warm-up: every
# statement prepared), ANALYZE (as autovacuum would have by then), book 40
# (each statement planned again for the new statistics, as it is after each
# of autovacuum's ANALYZEs; in a 10-s run of bench/http_bookings.sh about
# 100 of 10,000 executions are planned), book N more, stop the server. N is
# 0 the first time and COUNT the second; the difference of the two runs'
# instructions in PostgreSQL, over COUNT, is the figure. Each 201 is checked. About 1.5 minutes per binary.
#
# WARM (default 400) is as large as COUNT so that the plans made after the
# ANALYZE stay the plans of the tables they run on: after a warm-up of 40,
# the foreign-key checks on bookings planned a sequential scan of its two
# pages and kept it while the table grew tenfold, a third of the count.
# Sums are printed with %.0f: mawk's %d stops at 2^31 - 1, which the
# backends' total passes.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-400}
WARM=${WARM:-400}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[[ $# -gt 0 ]] || set -- build/calendula
command -v valgrind >/dev/null || { echo "pg_instructions: needs valgrind" >&2; exit 1; }

source bench/lib.sh # T, SRV, free_port, bench_cleanup
as_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The PostgreSQL under callgrind is ours, not scripts/pg-start's: stop it
# (and give valgrind time to end) before bench_cleanup removes $T.
stop_callgrind_postgres() {
  [[ -f $T/pg/postmaster.pid ]] && kill -INT "$(head -1 "$T/pg/postmaster.pid")" 2>/dev/null || true
  sleep 2
}
trap 'stop_callgrind_postgres; bench_cleanup' EXIT

[[ $(id -u) -eq 0 ]] && chown postgres "$T"
as_owner "$PGBIN/initdb" -D "$T/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$T/initdb.log" 2>&1 || { cat "$T/initdb.log" >&2; exit 1; }
PGPORT=$(free_port)
as_owner bash -c "valgrind --tool=callgrind --callgrind-out-file='$T/cg.%p' \
  '$PGBIN/postgres' -D '$T/pg' -p $PGPORT -k '$T' -c listen_addresses=127.0.0.1 \
  -c autovacuum=off ${PG_SETTINGS:-} </dev/null >'$T/pg.log' 2>&1 &"
ADMIN=postgres://postgres@127.0.0.1:$PGPORT/postgres
for _ in $(seq 120); do psql -X -qtA "$ADMIN" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
psql -X -q "$ADMIN" -c "SELECT 1" >/dev/null

# run BIN N: prints the instructions of the backends that ended during it.
run() {
  local bin=$1 n=$2
  PGOPTIONS="-c client_min_messages=warning" psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench" \
    -c "CREATE DATABASE bench"
  local url=postgres://postgres@127.0.0.1:$PGPORT/bench
  psql -X -q "$url" -c "CREATE EXTENSION btree_gist"
  ls "$T"/cg.* 2>/dev/null | sort >"$T/before"
  local port
  port=$(free_port)
  rm -rf "$T/data"
  "$bin" serve --listen 127.0.0.1:$port --data-dir "$T/data" --database-url "$url" \
    --fake-now 2027-02-28T00:00:00Z --log-level warn --job-workers 0 \
    </dev/null >"$T/server.out" 2>"$T/server.err" &
  SRV=$!
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
  python3 - "$port" "$n" "$url" "$WARM" <<'PY'
import http.client, json, subprocess, sys, threading
sys.path.insert(0, "bench")
from api import Api
port, n, url, warm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
api = Api(port)
types = [api.meeting_type(api.host("cg%d" % i)) for i in range(8)]

def book(first, last):
    def worker(w):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for j in range(first + w, last, 4):  # slot j // 8 of type j % 8: all distinct
            k = j // 8
            body = json.dumps({"meeting_type_id": types[j % 8], "invitee_name": "X",
                               "start_time": "2027-04-%02dT%02d:%02d:00Z" % (1 + k // 48, k % 48 // 2, k % 2 * 30),
                               "invitee_email": "x%d@example.com" % j, "invitee_timezone": "UTC"})
            conn.request("POST", "/api/bookings", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            assert r.status == 201, (r.status, body)
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]

book(0, warm)
subprocess.run(["psql", "-X", "-q", url, "-c", "ANALYZE"], check=True)
book(warm, warm + 40)  # the statements planned again for the new statistics
book(warm + 40, warm + 40 + n)
PY
  kill "$SRV"
  wait "$SRV" || true
  SRV=""
  sleep 3 # the backends end and write their counts
  ls "$T"/cg.* | sort | comm -13 "$T/before" - | xargs awk '/^summary:/ {s += $2} END {printf "%.0f\n", s}'
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%F); PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') under callgrind; $COUNT bookings after $WARM"
for bin in "$@"; do
  a=$(run "$bin" 0)
  b=$(run "$bin" "$COUNT")
  echo "$bin: $(( (b - a) / COUNT )) instructions in PostgreSQL a booking"
done
