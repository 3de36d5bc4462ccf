# Sourced by scripts/bench.sh (`scripts/bench.sh cpu`): CPU time per message from /proc, apart
# for the server, PostgreSQL, Redis and the load generator, tigo-chat and the Node.js baseline
# (and an earlier build with BEFORE_BIN) taking turns on one PostgreSQL and Redis, with
# `tigo-chat bench` and with the official socket.io-client as the load generator. On two shared
# cores the closed loop is CPU-bound, so this is the figure that shows a design.
#   CPU_WHO="tigo node"   who takes turns (add "before" with BEFORE_BIN; "writer" is this build
#                         with its search and statistics followers off: the write path and
#                         the notification follower, which has no switch)
#   CPU_GEN="tigo official"  the load generators
#   CPU_MESSAGES=2000, RUNS pairs
# What is counted, from the end of the warm-up to the end of the run, including what follows
# the stored messages (tigo-chat's search follower: the reading waits until its lag is 0):
# * server: utime + stime of the server process (every thread);
# * PostgreSQL: every backend and auxiliary process, and the postmaster with its reaped
#   children (cutime + cstime: a connection that closed during the run is counted too);
# * Redis: the redis-server process; load generator: its own user + system time.

pg_ticks() {
  local pm total child
  pm=$(head -n 1 "$PG_DATA/postmaster.pid")
  total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for child in $(pgrep -P "$pm"); do total=$((total + $(cpu_ticks "$child"))); done
  echo "$total"
}
redis_ticks() { cpu_ticks "$(cat "$SERVICES_DIR/redis.pid")"; }

# Waits (at most 30 s) until tigo-chat's followers have caught up; the Node.js baseline has none.
followers_caught_up() {
  local lag
  for _ in $(seq 1 300); do
    lag=$(curl -s "$SERVER_URL/metrics" | awk '/^tigo_(search|stats)_lag_messages /{sum += $2; seen = 1} END {if (seen) print sum}')
    [ -z "$lag" ] || [ "$lag" = 0 ] && return 0
    sleep 0.1
  done
  echo "(followers still behind after 30 s: lag $lag)" >&2
}

# cpu_run WHO GEN: one measured run; prints its row.
cpu_run() {
  local who=$1 gen=$2 envs cmd n=${CPU_MESSAGES:-2000} off=""
  # The write path alone: what follows the stored messages is neither run nor waited for.
  [ "$who" = writer ] && off="SEARCH_FOLLOW_EVERY=0 STATS_FOLLOW_EVERY=0"
  envs="$off DATABASE_URL=${TEST_PG_URL%/*}/cpu_$who REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret NO_MIGRATE=true $NO_LIMITS"
  case $who in
    node) cmd="node scripts/baseline/server.mjs" ;;
    before) cmd="$BEFORE_BIN serve" ;;
    *) cmd="$TIGO_BIN serve" ;;
  esac
  psql "$TEST_PG_URL" -qc CHECKPOINT >/dev/null
  sleep "${SETTLE_SECONDS:-2}"
  SERVE_CMD="$cmd" server_start "$WORK/cpu-$who.log" $envs
  local load
  if [ "$gen" = tigo ]; then
    load=(env $envs "$TIGO_BIN" bench --url "$SERVER_URL" --json closed-loop --senders 10 --rooms 5)
    "${load[@]}" --messages 500 >/dev/null 2>&1 || true # warm-up
  else
    env $envs "$TIGO_BIN" bench --url "$SERVER_URL" rooms --rooms 5 2>/dev/null >"$WORK/rooms.json"
    load=(node scripts/nodeclient/bench.mjs closed "$SERVER_URL" "$WORK/rooms.json" 10)
    "${load[@]}" 500 >/dev/null 2>&1 || true # warm-up
  fi
  [ -n "$off" ] || followers_caught_up
  local s0 p0 r0 s1 p1 r1
  s0=$(cpu_ticks "$LAST_SERVER_PID") p0=$(pg_ticks) r0=$(redis_ticks)
  /usr/bin/time -f '%U %S' -o "$WORK/gen.time" "${load[@]}" $([ "$gen" = tigo ] && echo --messages) "$n" \
    >"$WORK/gen.out" 2>/dev/null || echo "(exit status $?: see the counts)" >&2
  [ -n "$off" ] || followers_caught_up
  s1=$(cpu_ticks "$LAST_SERVER_PID") p1=$(pg_ticks) r1=$(redis_ticks)
  server_stop "$LAST_SERVER_PID"
  python3 - "$who" "$gen" "$n" "$WORK/gen.out" "$WORK/gen.time" $(((s1 - s0) * TICK_US)) \
    $(((p1 - p0) * TICK_US)) $(((r1 - r0) * TICK_US)) <<'PY'
import json, sys
who, gen, n, out, times, server, pg, redis = sys.argv[1:9]
n = int(n)
text = open(out).read()
if gen == "tigo":
    run = json.loads(text)
    rate, p99 = run.get("throughput_msg_s", 0), run.get("p99_ms", 0)
else:
    cols = text.strip().splitlines()[-1].split()
    rate, p99 = float(cols[1]), float(cols[3])
user, system = (float(x) for x in open(times).read().split()[-2:])
per = lambda us: round(int(us) / n)
s, p, r = per(server), per(pg), per(redis)
print(f"{who:<7} {gen:<9} {rate:>6.0f} {p99:>7.1f}  {s:>6} {p:>6} {r:>6} {s + p + r:>6}  {round((user + system) * 1e6 / n):>6}")
PY
}

# The search follower's lag in the closed loop (10,000 messages, tigo-chat only), sampled every
# 25 ms from /metrics while the load runs.
cpu_lag() {
  local envs="DATABASE_URL=${TEST_PG_URL%/*}/cpu_tigo REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret NO_MIGRATE=true $NO_LIMITS"
  say "search lag in the closed loop, 10 senders / 5 rooms / 10,000 messages, PostgreSQL + Redis"
  server_start "$WORK/cpu-lag.log" $envs
  python3 scripts/search-lag.py "$SERVER_URL" "${LAG_SECONDS:-6}" &
  local lag_pid=$!
  env $envs "$TIGO_BIN" bench --url "$SERVER_URL" closed-loop --senders 10 --rooms 5 --messages 10000 2>/dev/null | tail -n 1
  wait "$lag_pid"
  server_stop "$LAST_SERVER_PID"
}

cpu_part() {
  npm_ready baseline
  npm_ready nodeclient
  local who gen
  for who in ${CPU_WHO:-tigo node}; do
    psql "$TEST_PG_URL" -qc "CREATE DATABASE cpu_$who"
    # Every database has this build's schema, except the earlier build's own.
    env DATABASE_URL="${TEST_PG_URL%/*}/cpu_$who" "$([ "$who" = before ] && echo "$BEFORE_BIN" || echo "$TIGO_BIN")" admin migrate >/dev/null
  done
  for gen in ${CPU_GEN:-tigo official}; do
    say "CPU per message (µs, from /proc), closed loop 10 senders / 5 rooms / ${CPU_MESSAGES:-2000} messages, PostgreSQL + Redis, load from $gen, $RUNS rounds"
    echo "WHO     GEN        MSG/S  P99 MS  SERVER     PG  REDIS    SUM  LOADGEN"
    for _ in $(seq 1 "$RUNS"); do
      for who in ${CPU_WHO:-tigo node}; do cpu_run "$who" "$gen"; done
    done
  done
  cpu_lag
}
