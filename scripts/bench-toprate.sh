# Sourced by scripts/bench.sh (`scripts/bench.sh toprate`): the open loop's top rate, tigo-chat
# and the Node.js baseline on the same PostgreSQL and Redis in the same minutes (issue 28 item 5).
# A rate is sustained when, for TOPRATE_SECONDS (60), every message is stored and delivered once
# and in order, nothing is refused (no error), and p99 (from each message's scheduled send
# time) is at most 50 ms. Each server climbs from its TOPRATE_START_<who> by TOPRATE_STEP (1.25×)
# until a rate fails, at most TOPRATE_STEPS (6) rates; the last rate that held is its figure
# (TOPRATE_WHO="tigo node": who climbs).
# 200 connections, 100 rooms, 100-byte messages, as the open loop elsewhere in bench.sh.

# toprate_run WHO RATE: one run; prints its row and succeeds when the rate held.
toprate_run() {
  local who=$1 rate=$2 envs cmd lag_pid
  envs="DATABASE_URL=${TEST_PG_URL%/*}/top_$who REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret NO_MIGRATE=true $NO_LIMITS"
  if [ "$who" = node ]; then cmd="node scripts/baseline/server.mjs"; else cmd="$TIGO_BIN serve"; fi
  psql "$TEST_PG_URL" -qc CHECKPOINT >/dev/null
  SERVE_CMD="$cmd" server_start "$WORK/top-$who.log" $envs
  # tigo-chat's search lag beside the load (item 1: found within 1 s at the open loop's rate).
  if [ "$who" = tigo ]; then
    python3 scripts/search-lag.py "$SERVER_URL" "$((${TOPRATE_SECONDS:-60} + 5))" >"$WORK/top-lag.txt" 2>&1 &
    lag_pid=$!
  fi
  env $envs "$TIGO_BIN" bench --url "$SERVER_URL" --timeout 300s --json open-loop --users 200 \
    --rooms 100 --rate "$rate" --duration "${TOPRATE_SECONDS:-60}s" --size 100 >"$WORK/top.json" 2>/dev/null || true
  [ "$who" = tigo ] && wait "$lag_pid" && sed 's/^/         /' "$WORK/top-lag.txt"
  server_stop "$LAST_SERVER_PID"
  python3 - "$who" "$rate" "$WORK/top.json" <<'PY'
import json, sys
who, rate, path = sys.argv[1:4]
try:
    r = json.load(open(path))
except ValueError:
    print(f"{who:<6} {rate:>6}  (no report)")
    sys.exit(1)
held = (r["lost"] == 0 and r["duplicates"] == 0 and r["out_of_order"] == 0 and r["errors"] == 0
        and r["delivered"] == r["expected_deliveries"] and r["p99_ms"] <= 50)
print(f"{who:<6} {rate:>6} {r['throughput_msg_s']:>8.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>8.1f} "
      f"{r['lost']:>5} {r['duplicates']:>4} {r['out_of_order']:>6} {r['errors']:>6}  {'held' if held else 'failed'}")
sys.exit(0 if held else 1)
PY
}

toprate_part() {
  npm_ready baseline
  local who rate best
  say "open loop top rate for ${TOPRATE_SECONDS:-60} s (p99 ≤ 50 ms, nothing lost, refused or out of order), PostgreSQL + Redis"
  echo "WHO      RATE    MSG/S  P50 MS   P99 MS  LOST  DUP  ORDER  ERRORS"
  for who in ${TOPRATE_WHO:-tigo node}; do
    psql "$TEST_PG_URL" -qc "CREATE DATABASE top_$who"
    env DATABASE_URL="${TEST_PG_URL%/*}/top_$who" "$TIGO_BIN" admin migrate >/dev/null
    local start_var="TOPRATE_START_$who"
    rate=${!start_var:-$([ $who = node ] && echo 800 || echo 2500)}
    best=none
    for _ in $(seq 1 "${TOPRATE_STEPS:-6}"); do
      toprate_run "$who" "$rate" || break
      best=$rate
      rate=$(python3 -c "print(round($rate * ${TOPRATE_STEP:-1.25}))")
    done
    echo "$who: top rate held ${best} msg/s"
  done
}
