#!/usr/bin/env bash
# Response statistics at scale (issue 31): one million messages over ten thousand hotels (and
# 20,000 support messages), stored directly (scripts/stats/fill-*), then counted by the
# statistics follower from the first message (`tigo-chat admin stats rebuild`, timed: the
# follower's throughput), then the reads timed against a release server
# (scripts/stats/latency.py): `GET /chat/hotels/:id/response-stats` for 2,000 random hotels and
# `GET /chat/admin/stats` for 30 days by day and 7 days by hour. PostgreSQL (fsync on) and
# SQLite. Loopback only; every loop is bounded.
#   scripts/bench-stats.sh [pg|sqlite|both]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
source scripts/lib.sh
WHICH=${1:-both}
scratch_with_cleanup tigo-bench-stats
services_install
PG_FSYNC=on PG_SYNC_COMMIT=on services_start
cargo build --release -j2 >/dev/null 2>&1
echo "machine: $(nproc) cores; disk: $(pg_as_owner "$PG_BIN/pg_test_fsync" -s 2 -f "$PG_DATA/fsync-probe" 2>/dev/null | sed -n '/^ *fdatasync /{s/^ *//;s/  */ /g;p;q}')"

run() { # run LABEL KIND DATABASE_URL FILL...
  local label=$1 kind=$2 url=$3
  printf '\n## %s\n' "$label"
  DATABASE_URL=$url "$TIGO_BIN" admin migrate >/dev/null
  local t0=$SECONDS
  "${@:4}" >/dev/null
  echo "filled in $((SECONDS - t0)) s"
  local start end
  start=$(date +%s.%N)
  DATABASE_URL=$url "$TIGO_BIN" admin stats rebuild
  end=$(date +%s.%N)
  python3 -c "print(f'rebuild: {$end - $start:.1f} s, {1020000 / ($end - $start):,.0f} messages/s')"
  server_start "$WORK/stats-$kind.log" DATABASE_URL="$url" JWT_SECRET=bench-secret \
    SEARCH_FOLLOW_EVERY=0 MESSAGES_PER_SECOND=0 EVENTS_PER_SECOND=0
  local token
  token=$(DATABASE_URL=$url JWT_SECRET=bench-secret "$TIGO_BIN" admin token --email admin@bench.test --ttl 1h)
  python3 scripts/stats/latency.py "$SERVER_URL" "$token" "$kind"
  server_stop "$LAST_SERVER_PID"
}

if [ "$WHICH" != sqlite ]; then
  psql "$TEST_PG_URL" -qc "CREATE DATABASE bench_stats"
  run "PostgreSQL $(psql "$TEST_PG_URL" -tAc 'show server_version'), fsync on" pg \
    "${TEST_PG_URL%/*}/bench_stats" psql -q "${TEST_PG_URL%/*}/bench_stats" -f scripts/stats/fill-postgres.sql
fi
if [ "$WHICH" != pg ]; then
  run "SQLite (embedded)" sqlite "sqlite://$WORK/stats.db" \
    python3 scripts/stats/fill-sqlite.py "$WORK/stats.db"
fi
