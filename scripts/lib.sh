#!/usr/bin/env bash
# Helpers for scripts: run the real `tigo-chat` binary in the background on a free port.

# The release build: in $CARGO_TARGET_DIR when that is set, as cargo puts it there. Made
# absolute here, because steps run tools from other folders (the conformance tests start the
# binary from tests/conformance), and exported for the scripts test.sh calls.
TIGO_BIN=${TIGO_BIN:-${CARGO_TARGET_DIR:-target}/release/tigo-chat}
case $TIGO_BIN in /*) ;; *) TIGO_BIN=$PWD/$TIGO_BIN ;; esac
export TIGO_BIN
SERVER_PIDS=()

# server_start LOG [ENV=VALUE ...]: starts `tigo-chat serve` on a free port (or $SERVE_CMD, a
# command that prints the same "listening … addr=" line); sets SERVER_URL and LAST_SERVER_PID
# (call it directly, not in $(…), or those are lost with the subshell).
server_start() {
  local log=$1
  shift
  # Uploaded files go to the run's scratch folder, never into the checkout.
  env FILE_STORE="${WORK:-/tmp}/tigo-chat-files" "$@" PORT=0 HOST=127.0.0.1 LOG_FORMAT=text RUST_LOG=${RUST_LOG:-info} \
    ${SERVE_CMD:-"$TIGO_BIN" serve} >"$log" 2>&1 &
  local pid=$!
  SERVER_PIDS+=("$pid")
  local addr=""
  for _ in $(seq 1 300); do
    addr=$(sed -n 's/.*listening.*addr=\([0-9.:]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$addr" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "server exited early; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "server did not start within 30 s; its log:" >&2
    cat "$log" >&2
    return 1
  fi
  LAST_SERVER_PID=$pid
  SERVER_URL="http://$addr"
}

# server_stop PID: SIGTERM, then wait (at most 30 s) and return its exit code.
server_stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null
    return 124
  fi
  wait "$pid" 2>/dev/null
}

servers_stop_all() {
  local pid
  for pid in "${SERVER_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${SERVER_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  done
  SERVER_PIDS=()
}

# create_user DB_ENV EMAIL PASSWORD FIRST LAST ROLE...: with the same database settings as serve.
create_user() {
  local dbenv=$1 email=$2 password=$3 first=$4 last=$5
  shift 5
  local roles=()
  for r in "$@"; do roles+=(--role "$r"); done
  printf '%s\n' "$password" | env $dbenv "$TIGO_BIN" admin create-user --email "$email" \
    --first-name "$first" --last-name "$last" "${roles[@]}" --password-stdin >/dev/null
}

# Makes a scratch directory $WORK (/tmp/PREFIX.XXXXXX) and, when the script exits, stops every
# server and service it started and removes $WORK, keeping the script's exit status.
scratch_with_cleanup() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  trap scratch_cleanup EXIT
}
scratch_cleanup() {
  local status=$?
  set +e
  servers_stop_all
  services_stop
  rm -rf "$WORK"
  exit "$status"
}
