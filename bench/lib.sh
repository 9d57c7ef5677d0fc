# Shared by the HTTP benchmarks: free ports, a calendula server on SQLite or
# on a throwaway PostgreSQL, clean-up. Source it after `set -euo pipefail`
# and `cd` to the repository root; it sets T (a temp folder) and a trap.
#   STORE=sqlite (default) | postgres    which store the server uses
#   THREADS=N                            --threads N: a pool of N HTTP threads
#                                        (default: a thread per connection)
#   JOB_WORKERS=N                        --job-workers (0: the server sends no
#                                        email itself; outbox rows still written)
T=$(mktemp -d)
chmod 755 "$T"
SRV=""
PGDIR=""
bench_cleanup() {
  [[ -n "$SRV" ]] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null || true
  [[ -f "$T/nginx.pid" ]] && kill "$(cat "$T/nginx.pid")" 2>/dev/null || true
  [[ -n "$PGDIR" ]] && scripts/pg-stop "$PGDIR" >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap bench_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# How the server runs its HTTP threads, for the results' header.
server_threads() { if [[ -n "${THREADS:-}" ]]; then echo "a pool of $THREADS"; else echo "one per connection"; fi; }

machine_line() {
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%F); store ${STORE:-sqlite}; job workers in the server: ${JOB_WORKERS:-default}"
}

# start_server BIN FAKE_NOW: serves on $P, data in $T/data; sets P, SRV, DB_URL.
start_server() {
  local bin=$1 now=$2
  P=$(free_port)
  DB_URL="sqlite:$T/data/calendula.db"
  if [[ "${STORE:-sqlite}" == postgres ]]; then
    PGDIR=$T/pg
    DB_URL=$(scripts/pg-start "$PGDIR" "$(free_port)")
  fi
  "$bin" serve --listen 127.0.0.1:$P --data-dir "$T/data" --database-url "$DB_URL" \
    --fake-now "$now" --log-level warn ${THREADS:+--threads $THREADS} ${JOB_WORKERS:+--job-workers $JOB_WORKERS} \
    </dev/null >"$T/server.out" 2>"$T/server.err" &
  SRV=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$P/health/ready" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start:" >&2
  cat "$T/server.err" >&2
  exit 1
}

# db_count SQL: one number from the server's database.
db_count() {
  if [[ "${STORE:-sqlite}" == postgres ]]; then
    psql -X -qtA "$DB_URL" -c "$1"
  else
    sqlite3 "$T/data/calendula.db" "$1"
  fi
}
