#!/usr/bin/env bash
# Reproduces the README's performance figures on this machine: a private PostgreSQL with default
# durability (fsync and synchronous_commit on) and Redis, a release build, the server and the
# load generator on the same cores. Loopback only; every run is bounded.
#   scripts/bench.sh              all of it (about 35 minutes)
#   scripts/bench.sh closed       one part: closed | open | connections | memory | history | search
#                                 | baseline | masking | modes | nodeclient (the load from the official
#                                 socket.io-client) | churn (memory left behind by closed connections;
#                                 CHURN_ROUNDS, CHURN_PER_ROUND) (SEARCH_FILL: messages for `search`,
#                                 default 1,000,000)
#   scripts/bench.sh cpu          CPU time per message from /proc (server, PostgreSQL, Redis, load
#                                 generator apart), tigo-chat and the Node.js baseline taking turns,
#                                 load from `tigo-chat bench` and from socket.io-client (see
#                                 scripts/bench-cpu.sh: CPU_WHO, CPU_GEN, CPU_MESSAGES)
#   scripts/bench.sh toprate      the open loop's top rate for 60 s, tigo-chat and the Node.js
#                                 baseline (see scripts/bench-toprate.sh)
#   BEFORE_BIN=/path/to/old/tigo-chat scripts/bench.sh compare
#                                 the closed loop of an earlier build and this one, alternating
#                                 (the same load generator, each on a database of its own;
#                                 COMPARE_ORDER="after before" swaps who goes first in a pair)
# `baseline` runs the same bench against scripts/baseline/server.mjs, a lean Node.js Socket.IO
# service (official server and Redis adapter, one INSERT per message), alternating with
# tigo-chat on the same PostgreSQL and Redis, so the two are compared in the same minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
source scripts/lib.sh
WHAT=${1:-all}
RUNS=${RUNS:-3}
OPEN_RATE=${OPEN_RATE:-"2000 4500 11000"}
OPEN_SECONDS=${OPEN_SECONDS:-60}
scratch_with_cleanup tigo-bench
want() { [ "$WHAT" = all ] || [ "$WHAT" = "$1" ]; }
say() { printf '\n## %s\n' "$*"; }
# npm_ready DIR: the Node.js packages of scripts/DIR (the baseline, the official client).
npm_ready() { (cd "scripts/$1" && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null); }
# cpu_ticks PID: utime + stime of a process in clock ticks (0 once it is gone); TICK_US per tick.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

services_install
PG_FSYNC=on PG_SYNC_COMMIT=on services_start
cargo build --release -j2 >/dev/null 2>&1
NO_LIMITS="MESSAGES_PER_SECOND=0 EVENTS_PER_SECOND=0 CONNECTIONS_PER_USER=0 CONNECTIONS_PER_ADDRESS=0"
PG="DATABASE_URL=${TEST_PG_URL%/*}/bench REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret $NO_LIMITS"
SQ="DATABASE_URL=sqlite://$WORK/bench.db JWT_SECRET=bench-secret $NO_LIMITS"
psql "$TEST_PG_URL" -qc "CREATE DATABASE bench"
echo "disk: $(pg_as_owner "$PG_BIN/pg_test_fsync" -s 2 -f "$PG_DATA/fsync-probe" 2>/dev/null | sed -n '/^ *fdatasync /{s/^ *//;s/  */ /g;p;q}') (pg_test_fsync, one 8 kB write)"
echo "machine: $(nproc) cores, $(uname -r); PostgreSQL $(psql "$TEST_PG_URL" -tAc 'show server_version'), fsync=$(psql "$TEST_PG_URL" -tAc 'show fsync'), synchronous_commit=$(psql "$TEST_PG_URL" -tAc 'show synchronous_commit')"

# One run; its table (header and row). A run that lost, duplicated or reordered a message exits
# non-zero: that is reported and the remaining parts still run.
bench() {
  env $1 "$TIGO_BIN" bench --url "$SERVER_URL" "${@:2}" 2>/dev/null || echo "(exit status $?: see the counts)"
}

if want closed; then
  for mode in PG SQ; do
    label=$([ $mode = PG ] && echo "PostgreSQL + Redis" || echo "embedded (SQLite, in-process bus)")
    say "closed loop 10 senders / 5 rooms / 2,000 messages, $label, $RUNS runs"
    server_start "$WORK/closed-$mode.log" ${!mode}
    bench "${!mode}" closed-loop --senders 10 --rooms 5 --messages 2000 >/dev/null # warm-up
    for run in $(seq 1 "$RUNS"); do
      bench "${!mode}" closed-loop --senders 10 --rooms 5 --messages 2000 | { [ "$run" = 1 ] && cat || tail -n +3; }
    done
    server_stop "$LAST_SERVER_PID"
  done
fi

# The two backends of this build taking turns (issue 20: the embedded default should be the
# faster one), each run on a fresh server and the same database as the runs before it.
if want modes; then
  say "closed loop 10 senders / 5 rooms / 2,000 messages, embedded and PostgreSQL + Redis alternating, $RUNS pairs"
  modes_order=${MODES_ORDER:-SQ PG}
  for run in $(seq 1 "$RUNS"); do
    for mode in $modes_order; do
      # Each run starts on a settled machine: PostgreSQL's checkpoint and autovacuum after the
      # previous run would otherwise take CPU and disk from whichever mode runs next.
      psql "$TEST_PG_URL" -qc CHECKPOINT >/dev/null; sleep "${SETTLE_SECONDS:-3}"
      server_start "$WORK/modes-$mode.log" ${!mode}
      bench "${!mode}" closed-loop --senders 10 --rooms 5 --messages 500 >/dev/null # warm-up
      bench "${!mode}" closed-loop --senders 10 --rooms 5 --messages 2000 | { [ "$run$mode" = "1${modes_order%% *}" ] && sed "1s/^/MODE  /;2s/^/----  /;3s/^/$mode    /" || tail -n 1 | sed "s/^/$mode    /"; }
      server_stop "$LAST_SERVER_PID"
    done
  done
fi

# Contact masking's share of the send path: the closed loop against the same build with
# CONTACT_MASKING on (the bench's rooms are guest↔hotel, masked by default) and off, taking
# turns, and the server's CPU time per message from /proc (utime + stime, in clock ticks).
if want masking; then
  for mode in ${MASKING_MODES:-SQ PG}; do
    label=$([ $mode = PG ] && echo "PostgreSQL + Redis" || echo "embedded (SQLite, in-process bus)")
    say "closed loop 10 senders / 5 rooms / 4,000 messages, $label, CONTACT_MASKING on and off, $RUNS pairs"
    echo "MASKING               MSG/S  SERVER CPU µs/MSG"
    for run in $(seq 1 "$RUNS"); do
      for masking in customer_hotel_owner off; do
        server_start "$WORK/masking-$mode-$masking.log" ${!mode} CONTACT_MASKING=$masking
        bench "${!mode}" closed-loop --senders 10 --rooms 5 --messages 500 >/dev/null # warm-up
        before=$(cpu_ticks "$LAST_SERVER_PID")
        rate=$(bench "${!mode}" --json closed-loop --senders 10 --rooms 5 --messages 4000 | python3 -c 'import json,sys; print(round(json.load(sys.stdin).get("throughput_msg_s", 0)))' 2>/dev/null || echo "?")
        after=$(cpu_ticks "$LAST_SERVER_PID")
        printf '%-20s %6s  %s\n' "$masking" "$rate" $(( (after - before) * TICK_US / 4000 ))
        server_stop "$LAST_SERVER_PID"
      done
    done
  done
fi

if want open; then
  for rate in $OPEN_RATE; do
    say "open loop, PostgreSQL + Redis: 200 connections, 100 rooms, $rate msg/s for ${OPEN_SECONDS}s, 100-byte messages"
    server_start "$WORK/open.log" $PG
    bench "$PG" --timeout 300s open-loop --users 200 --rooms 100 --rate "$rate" --duration "${OPEN_SECONDS}s" --size 100
    server_stop "$LAST_SERVER_PID"
  done
fi

if want memory; then
  say "idle server memory (embedded, after start and one request)"
  server_start "$WORK/idle.log" $SQ
  curl -s "$SERVER_URL/chat/health" >/dev/null
  sleep 2
  echo "idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$LAST_SERVER_PID/status)"
  server_stop "$LAST_SERVER_PID"
fi

if want connections; then
  for count in ${CONN_COUNTS:-10000 19000}; do
    say "idle Socket.IO connections: $count (embedded server, sources 127.0.0.2-127.0.0.20)"
    server_start "$WORK/conn-$count.log" $SQ
    bench "$SQ" --timeout 600s connections --count "$count" --users 200 \
      --source-addrs 127.0.0.2-127.0.0.20 --server-pid "$LAST_SERVER_PID" --hold 3s
    server_stop "$LAST_SERVER_PID"
  done
fi

if want search; then
  # Each backend on a database of its own, filled once to SEARCH_FILL messages in 500 rooms
  # through the store's group commit (the search index kept as in service), then each query
  # timed 50 times in a row over REST.
  psql "$TEST_PG_URL" -qc "CREATE DATABASE search"
  SEARCH_PG="DATABASE_URL=${TEST_PG_URL%/*}/search JWT_SECRET=bench-secret $NO_LIMITS"
  SEARCH_SQ="DATABASE_URL=sqlite://$WORK/search.db JWT_SECRET=bench-secret $NO_LIMITS"
  for mode in SEARCH_PG SEARCH_SQ; do
    label=$([ $mode = SEARCH_PG ] && echo "PostgreSQL (tsvector, GIN)" || echo "embedded SQLite (FTS5)")
    say "search over ${SEARCH_FILL:-1000000} messages in 500 rooms, $label"
    server_start "$WORK/search-$mode.log" ${!mode}
    env ${!mode} "$TIGO_BIN" bench --url "$SERVER_URL" --timeout 600s search \
      --fill "${SEARCH_FILL:-1000000}" --rooms 500 --repeat 50 || echo "(exit status $?)"
    server_stop "$LAST_SERVER_PID"
  done
fi

if want history; then
  say "history page (limit 50, before=a message id) with 10k vs 1M messages in the room, PostgreSQL"
  server_start "$WORK/history.log" $PG
  env $PG "$TIGO_BIN" bench --url "$SERVER_URL" closed-loop --senders 2 --rooms 2 --messages 2 >/dev/null 2>&1
  read -r small big < <(psql "${TEST_PG_URL%/*}/bench" -tAc "select string_agg(id::text, ' ') from (select id from chat_rooms order by id limit 2) r")
  sender=$(psql "${TEST_PG_URL%/*}/bench" -tAc "select participant1_id from chat_rooms where id = '$small'")
  sender_big=$(psql "${TEST_PG_URL%/*}/bench" -tAc "select participant1_id from chat_rooms where id = '$big'")
  for pair in "$small:10000:$sender" "$big:1000000:$sender_big"; do
    IFS=: read -r room n who <<<"$pair"
    psql "${TEST_PG_URL%/*}/bench" -q <<SQL
INSERT INTO chat_messages (id, chat_room_id, sender_id, content, created_at, updated_at)
SELECT gen_random_uuid(), '$room', '$who', 'history ' || g,
       now() - interval '1 microsecond' * ($n - g), now()
FROM generate_series(1, $n) g;
UPDATE chat_rooms SET message_count = message_count + $n WHERE id = '$room';
ANALYZE chat_messages;
SQL
  done
  for pair in "$small:$sender:10k" "$big:$sender_big:1M"; do
    IFS=: read -r room who label <<<"$pair"
    tok=$(env $PG "$TIGO_BIN" admin token --email "$who")
    anchor=$(psql "${TEST_PG_URL%/*}/bench" -tAc "select id from chat_messages where chat_room_id = '$room' order by created_at desc, id desc offset 5000 limit 1")
    python3 - "$SERVER_URL" "$room" "$tok" "$anchor" "$label" <<'PY'
import sys, time, urllib.request
url, room, token, anchor, label = sys.argv[1:]
req = urllib.request.Request(f"{url}/chat/rooms/{room}/messages?limit=50&before={anchor}", headers={"Authorization": f"Bearer {token}"})
for _ in range(20):
    urllib.request.urlopen(req).read()
samples = []
for _ in range(300):
    t = time.perf_counter(); urllib.request.urlopen(req).read(); samples.append(time.perf_counter() - t)
samples.sort()
print(f"{label}: median {samples[len(samples)//2]*1000:.2f} ms, p90 {samples[int(len(samples)*0.9)]*1000:.2f} ms (300 requests)")
PY
  done
  server_stop "$LAST_SERVER_PID"
fi

if want cpu; then
  source scripts/bench-cpu.sh
  cpu_part
fi

if want toprate; then
  source scripts/bench-toprate.sh
  toprate_part
fi

if want baseline; then
  npm_ready baseline
  env $PG "$TIGO_BIN" admin migrate >/dev/null
  # start_as WHO LOG: tigo-chat or the Node.js baseline on PostgreSQL + Redis.
  start_as() {
    if [ "$1" = node ]; then SERVE_CMD="node scripts/baseline/server.mjs" server_start "$2" $PG; else server_start "$2" $PG; fi
  }
  say "closed loop 10 senders / 5 rooms / 2,000 messages, PostgreSQL + Redis, tigo-chat and the Node.js baseline alternating, $RUNS runs each"
  for run in $(seq 1 "$RUNS"); do
    for who in tigo node; do
      start_as $who "$WORK/baseline-closed-$who.log"
      bench "$PG" closed-loop --senders 10 --rooms 5 --messages 500 >/dev/null # warm-up
      bench "$PG" closed-loop --senders 10 --rooms 5 --messages 2000 | { [ "$run$who" = 1tigo ] && sed "1s/^/WHO   /;2s/^/----  /;3s/^/$who  /" || tail -n 1 | sed "s/^/$who  /"; }
      server_stop "$LAST_SERVER_PID"
    done
  done
  for rate in ${BASELINE_RATES:-2000 4500}; do
    say "open loop, PostgreSQL + Redis: 200 connections, 100 rooms, $rate msg/s for 20 s, 100-byte messages"
    for who in tigo node; do
      start_as $who "$WORK/baseline-open-$who.log"
      bench "$PG" --timeout 120s open-loop --users 200 --rooms 100 --rate "$rate" --duration 20s --size 100 | grep -E 'open-loop|exit status' | sed "s/^/$who  /"
      server_stop "$LAST_SERVER_PID"
    done
  done
  say "10,000 idle Socket.IO connections, PostgreSQL + Redis (sources 127.0.0.2-127.0.0.20)"
  for who in tigo node; do
    start_as $who "$WORK/baseline-conn-$who.log"
    bench "$PG" --timeout 300s connections --count 10000 --users 200 \
      --source-addrs 127.0.0.2-127.0.0.20 --server-pid "$LAST_SERVER_PID" --hold 3s | sed -n 3p | sed "s/^/$who  /"
    server_stop "$LAST_SERVER_PID"
  done
fi

# The official socket.io-client (Node.js) as the load generator: the closed loop against
# tigo-chat and the Node.js baseline alternating (PostgreSQL + Redis), and idle connections.
if want nodeclient; then
  npm_ready nodeclient
  npm_ready baseline
  env $PG "$TIGO_BIN" admin migrate >/dev/null
  say "closed loop 10 senders / 5 rooms / 2,000 messages, PostgreSQL + Redis, load from socket.io-client, tigo-chat and the Node.js baseline alternating, $RUNS runs each"
  for run in $(seq 1 "$RUNS"); do
    for who in tigo node; do
      if [ $who = node ]; then SERVE_CMD="node scripts/baseline/server.mjs" server_start "$WORK/nc-$who.log" $PG; else server_start "$WORK/nc-$who.log" $PG; fi
      env $PG "$TIGO_BIN" bench --url "$SERVER_URL" rooms --rooms 5 2>/dev/null >"$WORK/rooms.json"
      node scripts/nodeclient/bench.mjs closed "$SERVER_URL" "$WORK/rooms.json" 10 500 >/dev/null || true # warm-up
      node scripts/nodeclient/bench.mjs closed "$SERVER_URL" "$WORK/rooms.json" 10 2000 | { [ "$run$who" = 1tigo ] && sed "1s/^/WHO   /;2s/^/$who  /" || tail -n 1 | sed "s/^/$who  /"; } || echo "(exit status $?)"
      server_stop "$LAST_SERVER_PID"
    done
  done
  for count in ${CONN_COUNTS:-10000 19000}; do
    say "idle Socket.IO connections from socket.io-client: $count (embedded server)"
    server_start "$WORK/nc-conn.log" $SQ
    env $SQ "$TIGO_BIN" bench --url "$SERVER_URL" rooms --rooms 100 2>/dev/null >"$WORK/rooms.json"
    node --max-old-space-size=4096 scripts/nodeclient/bench.mjs connections "$SERVER_URL" "$WORK/rooms.json" "$count" "$LAST_SERVER_PID" 3 || echo "(exit status $?)"
    server_stop "$LAST_SERVER_PID"
  done
fi

# Memory left behind by closed connections (issue 33): rounds of connections from the official
# socket.io-client that connect, join a room (every other one) and close (a third by dropping the
# transport), one in ten over long-polling; the server's RSS after each round, once recovery
# sessions of the short window have expired and been pruned. Default limits, so the per-connection
# event limiter is exercised too.
if want churn; then
  npm_ready nodeclient
  CHURN_PG="DATABASE_URL=${TEST_PG_URL%/*}/bench REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret"
  CHURN_SQ="DATABASE_URL=sqlite://$WORK/churn.db JWT_SECRET=bench-secret"
  for setup in "SQ 2s" "SQ 0" "PG 2s" "PG 0"; do
    read -r mode window <<<"$setup"
    envs=CHURN_$mode
    label=$([ $mode = PG ] && echo "PostgreSQL + Redis" || echo "embedded (SQLite, in-process bus)")
    say "churn: ${CHURN_ROUNDS:-4} rounds of ${CHURN_PER_ROUND:-3000} connections, $label, SESSION_RECOVERY=$window"
    server_start "$WORK/churn-$mode-$window.log" ${!envs} SESSION_RECOVERY=$window
    env ${!envs} "$TIGO_BIN" bench --url "$SERVER_URL" rooms --rooms 100 2>/dev/null >"$WORK/rooms.json"
    TIMEOUT_S=900 node scripts/nodeclient/bench.mjs churn "$SERVER_URL" "$WORK/rooms.json" "$LAST_SERVER_PID" \
      "${CHURN_ROUNDS:-4}" "${CHURN_PER_ROUND:-3000}" "${CHURN_SETTLE_S:-6}" || echo "(exit status $?)"
    server_stop "$LAST_SERVER_PID"
  done
fi

if want compare && [ -n "${BEFORE_BIN:-}" ]; then
  # Each build on a database of its own, of the same size as the run goes on, migrated by that
  # build (so a schema change, a trigger or an index, is part of what is compared); the servers
  # then start with NO_MIGRATE.
  psql "$TEST_PG_URL" -qc "CREATE DATABASE bench_before"
  PG_BEFORE="DATABASE_URL=${TEST_PG_URL%/*}/bench_before REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret NO_MIGRATE=true $NO_LIMITS"
  SQ_BEFORE="DATABASE_URL=sqlite://$WORK/bench-before.db JWT_SECRET=bench-secret NO_MIGRATE=true $NO_LIMITS"
  env ${PG_BEFORE%% *} "$BEFORE_BIN" admin migrate >/dev/null
  env ${SQ_BEFORE%% *} "$BEFORE_BIN" admin migrate >/dev/null
  order=${COMPARE_ORDER:-before after}
  for mode in ${COMPARE_MODES:-PG SQ}; do
    label=$([ $mode = PG ] && echo "PostgreSQL + Redis" || echo "embedded (SQLite, in-process bus)")
    say "closed loop 10 senders / 5 rooms / 2,000 messages, $label: $BEFORE_BIN (before) and this build (after), alternating, $RUNS pairs"
    for run in $(seq 1 "$RUNS"); do
      for which in $order; do
        if [ $which = before ]; then envs=${mode}_BEFORE; cmd="$BEFORE_BIN serve"; else envs=$mode; cmd="$TIGO_BIN serve"; fi
        SERVE_CMD="$cmd" server_start "$WORK/compare-$mode-$which.log" ${!envs}
        bench "${!envs}" closed-loop --senders 10 --rooms 5 --messages 500 >/dev/null # warm-up
        bench "${!envs}" closed-loop --senders 10 --rooms 5 --messages 2000 | { [ "$run$which" = "1${order%% *}" ] && sed "1s/^/BUILD   /;2s/^/------  /;3s/^/$which  /" || tail -n 1 | sed "s/^/$which   /"; }
        server_stop "$LAST_SERVER_PID"
      done
    done
  done
fi
