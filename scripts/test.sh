#!/usr/bin/env bash
# Runs every test of tigo-chat; CI runs exactly this (.ci/run). It installs what is missing
# (PostgreSQL, Redis, tmux, ffmpeg, Chromium and libopus-dev from Debian packages, the last
# before anything is built since the build links it; socket.io-client and puppeteer-core
# from npm; moto[server], aiosmtpd and http_ece from PyPI), starts private PostgreSQL, Redis,
# S3-compatible (moto) and notification sink (SMTP + Web Push, tests/notify/sink.py) instances
# on free loopback ports, and tears everything down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/services.sh
source scripts/lib.sh

scratch_with_cleanup tigo-test

started=$(date +%s)
step() { printf '\n==> [%ss] %s\n' "$(($(date +%s) - started))" "$*"; }

step "install (libopus-dev and ffmpeg too) and start PostgreSQL, Redis, an S3-compatible store (moto) and the notification sink"
services_install
if ! command -v node >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
services_start

step "format"
cargo fmt --all -- --check

# Lint in the release profile: its build scripts (bundled SQLite, ring) are then shared with
# the release build below instead of compiled twice.
step "lint"
cargo clippy --release --workspace --all-targets -j2 -- -D warnings

step "no import cycles in the server, common and client crates (file by file, and between top-level modules)"
for crate in server/src common/src client/src; do
  python3 scripts/import-cycles.py "$crate"
  python3 scripts/import-cycles.py --top "$crate"
done

step "no function over 80 lines outside tests"
python3 scripts/long-functions.py

step "build (release)"
cargo build --release -j2

step "unit and integration tests (SQLite and PostgreSQL, Redis, S3 via moto)"
cargo test --release -j2 --workspace

step "conformance: official socket.io-client, both transports"
(cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
run_conformance() {
  local label=$1 dbenv=$2
  shift 2
  local log="$WORK/conformance-$label.log"
  local users='{}'
  local i=0
  for spec in "customer:Customer:Carla" "customer2:Customer:Stan" "owner:HotelOwner:Oscar" "admin:Admin:Ada"; do
    IFS=: read -r key role first <<<"$spec"
    local email="$key-$label-$RANDOM@conformance.test"
    create_user "$dbenv" "$email" "conformance-pw-$i" "$first" "Tester" "$role"
    users=$(python3 -c 'import json,sys; u=json.loads(sys.argv[1]); u[sys.argv[2]]={"email":sys.argv[3],"password":sys.argv[4],"first_name":sys.argv[5]}; print(json.dumps(u))' \
      "$users" "$key" "$email" "conformance-pw-$i" "$first")
    i=$((i + 1))
  done
  server_start "$log" $dbenv "$@"
  local url=$SERVER_URL
  echo "$label: $url"
  (cd tests/conformance && TIGO_URL=$url TIGO_USERS=$users node --test --test-concurrency=1 scenarios.test.mjs) || {
    echo "--- server log ($label) ---"
    tail -n 50 "$log"
    return 1
  }
  server_stop "$LAST_SERVER_PID"
}
run_conformance embedded "DATABASE_URL=sqlite://$WORK/conformance.db"
psql "$TEST_PG_URL" -qc "CREATE DATABASE conformance" >/dev/null
PG_CONF_URL="${TEST_PG_URL%/*}/conformance"
env DATABASE_URL="$PG_CONF_URL" "$TIGO_BIN" admin migrate >/dev/null
run_conformance postgres-redis "DATABASE_URL=$PG_CONF_URL" "REDIS_URL=$TEST_REDIS_URL"

step "conformance: connection state recovery, socket.io-client 4.7 and 4.8 (drops, kill -9, two instances)"
# recovery.test.mjs starts, kills (-9) and restarts the servers itself, behind a TCP relay.
run_recovery() { # label, instances, DATABASE_URL, [REDIS_URL]
  local label=$1 instances=$2 db=$3 redis=${4:-}
  local dbenv="DATABASE_URL=$db" users='{}' i=0
  for spec in "customer:Customer:Rita" "customer2:Customer:Rolf" "owner:HotelOwner:Rosa" "admin:Admin:Ray"; do
    IFS=: read -r key role first <<<"$spec"
    local email="$key-recovery-$label-$RANDOM@conformance.test"
    create_user "$dbenv" "$email" "recovery-pw-$i" "$first" "Tester" "$role"
    users=$(python3 -c 'import json,sys; u=json.loads(sys.argv[1]); u[sys.argv[2]]={"email":sys.argv[3],"password":sys.argv[4]}; print(json.dumps(u))' \
      "$users" "$key" "$email" "recovery-pw-$i")
    i=$((i + 1))
  done
  local envjson
  envjson=$(python3 -c 'import json,sys; e={"DATABASE_URL":sys.argv[1],"FILE_STORE":sys.argv[3]}; sys.argv[2] and e.update(REDIS_URL=sys.argv[2]); print(json.dumps(e))' \
    "$db" "$redis" "$WORK/tigo-chat-files")
  (cd tests/conformance && TIGO_BIN=$TIGO_BIN TIGO_ENV=$envjson TIGO_INSTANCES=$instances \
    TIGO_USERS=$users node --test --test-concurrency=1 recovery.test.mjs)
}
run_recovery embedded 1 "sqlite://$WORK/conformance.db"
run_recovery postgres-redis 2 "$PG_CONF_URL" "$TEST_REDIS_URL"

step "browser: the seed's HTML client page in headless Chromium, two users, another origin, three members; voice messages in <audio>"
# Debian's Chromium, driven by puppeteer-core (which downloads no browser of its own).
if ! command -v chromium >/dev/null 2>&1; then
  echo "browser: installing chromium"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
BROWSER_DB="DATABASE_URL=sqlite://$WORK/browser.db"
# The seed page renders "<b>${first_name}:</b> text": the sender's first name is "First".
create_user "$BROWSER_DB" first@browser.test browser-password-1 First Page Customer
create_user "$BROWSER_DB" second@browser.test browser-password-1 Second Page HotelOwner
create_user "$BROWSER_DB" third@browser.test browser-password-1 Third Page Customer
# Voice messages go to support rooms: the guest's support room is with this Admin.
create_user "$BROWSER_DB" support@browser.test browser-password-1 Sue Support Admin
# The page is served from its own loopback port, a different origin from the server's; only
# that origin is in FRONTEND_URL, so the test also sees a page from OTHER_PAGE_PORT refused.
PAGE_PORT=$(free_port)
OTHER_PAGE_PORT=$(free_port)
while [ "$OTHER_PAGE_PORT" = "$PAGE_PORT" ]; do OTHER_PAGE_PORT=$(free_port); done
server_start "$WORK/browser.log" $BROWSER_DB "FRONTEND_URL=http://127.0.0.1:$PAGE_PORT"
(cd tests/browser && TIGO_URL=$SERVER_URL PAGE_PORT=$PAGE_PORT OTHER_PAGE_PORT=$OTHER_PAGE_PORT \
  FIRST_EMAIL=first@browser.test SECOND_EMAIL=second@browser.test THIRD_EMAIL=third@browser.test \
  SUPPORT_EMAIL=support@browser.test USER_PASSWORD=browser-password-1 \
  SCREENSHOT=${BROWSER_SCREENSHOT:-} node --test --test-concurrency=1 page.test.mjs voice.test.mjs) || {
  echo "--- server log (browser) ---"
  tail -n 50 "$WORK/browser.log"
  exit 1
}
server_stop "$LAST_SERVER_PID"

step "smoke: tigo-chat smoke against a real server"
SMOKE_DB="DATABASE_URL=sqlite://$WORK/smoke.db"
create_user "$SMOKE_DB" smoke-guest@smoke.test smoke-guest-pw Sam Guest Customer
create_user "$SMOKE_DB" smoke-hotel@smoke.test smoke-hotel-pw Hal Hotel HotelOwner
create_user "$SMOKE_DB" smoke-support@smoke.test smoke-support-pw Sue Support Admin
server_start "$WORK/smoke.log" $SMOKE_DB
SMOKE_URL=$SERVER_URL
# With a support user, smoke also sends a voice message in the guest's support room.
"$TIGO_BIN" smoke --url "$SMOKE_URL" --user-a smoke-guest@smoke.test:smoke-guest-pw \
  --user-b smoke-hotel@smoke.test:smoke-hotel-pw --user-support smoke-support@smoke.test:smoke-support-pw

step "terminal client: two tigo-chat tui processes in tmux, then a companion's third"
create_user "$SMOKE_DB" tui-guest@tui.test tui-password-1 Tina Guest Customer
create_user "$SMOKE_DB" tui-hotel@tui.test tui-password-1 Otto Hotel HotelOwner
create_user "$SMOKE_DB" tui-friend@tui.test tui-password-1 Fred Friend Customer
scripts/tui-e2e.sh "$SMOKE_URL" "$SMOKE_DB" tui-guest@tui.test tui-hotel@tui.test tui-password-1 \
  tui-friend@tui.test
server_stop "$LAST_SERVER_PID"

step "support desk: a guest, an Admin and an operator in tmux (masking, queue, /assign, /r)"
DESK_DB="DATABASE_URL=sqlite://$WORK/desk.db"
create_user "$DESK_DB" desk-guest@desk.test desk-password-1 Tina Guest Customer
create_user "$DESK_DB" desk-admin@desk.test desk-password-1 Ada Desk Admin
create_user "$DESK_DB" desk-operator@desk.test desk-password-1 Olaf Ops Admin
env $DESK_DB "$TIGO_BIN" admin replies add checkin 'Check-in is from 14:00.' >/dev/null
server_start "$WORK/desk.log" $DESK_DB CONTACT_MASKING=customer_hotel_owner,customer_admin
scripts/tui-desk-e2e.sh "$SERVER_URL" "$DESK_DB" desk-guest@desk.test desk-admin@desk.test \
  desk-operator@desk.test desk-password-1
if grep -qE "33612345678|john.doe@gmail.com" "$WORK/desk.log"; then
  echo "the server log holds an unmasked contact detail"
  exit 1
fi
server_stop "$LAST_SERVER_PID"

step "fuzz: schemathesis against /openapi.json (bounded; no 5xx may come back)"
if ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check schemathesis
fi
FUZZ_DB="DATABASE_URL=sqlite://$WORK/fuzz.db"
create_user "$FUZZ_DB" fuzz@fuzz.test fuzz-password-1 Fuzz Tester Admin Customer HotelOwner
server_start "$WORK/fuzz.log" $FUZZ_DB MESSAGES_PER_SECOND=0 EVENTS_PER_SECOND=0 LOGINS_PER_MINUTE=0 LOGINS_PER_MINUTE_PER_ADDRESS=0
FUZZ_TOKEN=$(env $FUZZ_DB "$TIGO_BIN" admin token --email fuzz@fuzz.test)
schemathesis run "$SERVER_URL/openapi.json" --checks not_a_server_error \
  -H "Authorization: Bearer $FUZZ_TOKEN" --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
  --workers 1 --request-timeout 10
if grep -qi "panicked" "$WORK/fuzz.log"; then
  echo "the server panicked during the fuzz run"
  exit 1
fi
server_stop "$LAST_SERVER_PID"

step "bench smoke: every message exactly once and in order (timings not asserted)"
NO_LIMITS="MESSAGES_PER_SECOND=0 EVENTS_PER_SECOND=0 CONNECTIONS_PER_USER=0"
bench_smoke() { # label, server environment
  server_start "$WORK/bench-$1.log" $2
  env $2 "$TIGO_BIN" bench --url "$SERVER_URL" closed-loop --senders 10 --rooms 5 --messages 2000
  env $2 "$TIGO_BIN" bench --url "$SERVER_URL" open-loop --users 20 --rooms 10 --rate 500 --duration 3s --size 100
  server_stop "$LAST_SERVER_PID"
}
bench_smoke embedded "DATABASE_URL=sqlite://$WORK/bench.db JWT_SECRET=bench-secret-for-tests $NO_LIMITS"
psql "$TEST_PG_URL" -qc "CREATE DATABASE bench" >/dev/null
bench_smoke postgres "DATABASE_URL=${TEST_PG_URL%/*}/bench REDIS_URL=$TEST_REDIS_URL JWT_SECRET=bench-secret-for-tests $NO_LIMITS"

step "all tests passed in $(( $(date +%s) - started )) s"
