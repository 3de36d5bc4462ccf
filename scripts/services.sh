#!/usr/bin/env bash
# Private PostgreSQL, Redis, S3-compatible (moto) and notification sink (SMTP + Web Push,
# tests/notify/sink.py) instances for tests and benchmarks, on free loopback ports. Source it,
# then: services_install; services_start; … ; services_stop
# Exports TEST_PG_URL, TEST_REDIS_URL, TEST_S3_ENDPOINT / TEST_S3_BUCKET, TEST_PUSH_URL /
# TEST_SMTP_PORT, and PG_BIN / PG_DATA / PG_PORT / REDIS_PORT / S3_PORT so fault tests can stop
# and restart them.

SERVICES_DIR=${SERVICES_DIR:-}
# The repository this file belongs to (tests/notify/sink.py lives there).
SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Whether the C library libopus can be linked (its header and its unversioned .so, which
# only libopus-dev provides).
have_libopus() {
  local lib
  [ -e /usr/include/opus/opus.h ] || return 1
  for lib in /usr/lib/libopus.so /usr/lib/*/libopus.so /usr/local/lib/libopus.so; do
    [ -e "$lib" ] && return 0
  done
  return 1
}

# Installs what is missing from Debian packages: PostgreSQL, Redis, tmux; libopus-dev, which
# the build links (voice messages decode Opus with it; libopus0 is what a server then needs),
# and ffmpeg, which makes the voice tests' recordings. Call it before cargo builds anything.
services_install() {
  local need=()
  local bin
  bin=$(pg_bin_dir)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v tmux >/dev/null 2>&1 || need+=(tmux)
  have_libopus || need+=(libopus-dev)
  command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
  if [ ${#need[@]} -gt 0 ]; then
    echo "services: installing ${need[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  # An S3-compatible server for the attachment tests (any S3 store behaves the same).
  if ! command -v moto_server >/dev/null 2>&1; then
    echo "services: installing moto[server] from PyPI"
    python3 -m pip install -q --disable-pip-version-check 'moto[server]'
  fi
  # The notification sink's SMTP server, and an RFC 8291 implementation independent of the
  # server's to decrypt pushes (cryptography also checks the VAPID signatures).
  if ! python3 -c 'import aiosmtpd, http_ece, cryptography' >/dev/null 2>&1; then
    echo "services: installing aiosmtpd, http_ece and cryptography from PyPI"
    python3 -m pip install -q --disable-pip-version-check aiosmtpd http_ece cryptography
  fi
}

# The notification sink: an SMTP server and a Web Push service that checks VAPID and decrypts.
sink_start() {
  python3 "$SERVICES_ROOT/tests/notify/sink.py" --http-port "$PUSH_PORT" \
    --smtp-port "$SMTP_PORT" >"$SERVICES_DIR/sink.log" 2>&1 &
  echo $! >"$SERVICES_DIR/sink.pid"
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PUSH_PORT/health" 2>/dev/null &&
      (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "services: the notification sink did not start; see $SERVICES_DIR/sink.log" >&2
  return 1
}

sink_stop() {
  [ -f "$SERVICES_DIR/sink.pid" ] || return 0
  kill "$(cat "$SERVICES_DIR/sink.pid")" 2>/dev/null || true
  rm -f "$SERVICES_DIR/sink.pid"
}

s3_start() {
  moto_server -H 127.0.0.1 -p "$S3_PORT" >"$SERVICES_DIR/s3.log" 2>&1 &
  echo $! >"$SERVICES_DIR/s3.pid"
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$S3_PORT/$TEST_S3_BUCKET" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "services: the S3 server (moto) did not start; see $SERVICES_DIR/s3.log" >&2
  return 1
}

s3_stop() {
  [ -f "$SERVICES_DIR/s3.pid" ] || return 0
  kill "$(cat "$SERVICES_DIR/s3.pid")" 2>/dev/null || true
  rm -f "$SERVICES_DIR/s3.pid"
}

# Runs a PostgreSQL binary as the owner of the data directory (initdb refuses root).
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$SERVICES_DIR/pg.log" -w -t 30 \
    -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1" start >/dev/null
}

pg_stop() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "${1:-fast}" -w -t 30 stop >/dev/null 2>&1 || true
}

redis_start() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log" \
    --dir "$SERVICES_DIR" >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "services: redis did not start" >&2
  return 1
}

redis_stop() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || return 0
    sleep 0.1
  done
}

services_start() {
  SERVICES_DIR=$(mktemp -d /tmp/tigo-services.XXXXXX)
  chmod 755 "$SERVICES_DIR"
  PG_BIN=$(pg_bin_dir)
  PG_DATA="$SERVICES_DIR/pg"
  PG_PORT=$(free_port)
  REDIS_PORT=$(free_port)
  S3_PORT=$(free_port)
  PUSH_PORT=$(free_port)
  SMTP_PORT=$(free_port)
  TEST_S3_BUCKET=tigo-test
  mkdir -p "$PG_DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DATA" "$SERVICES_DIR"; fi
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 >/dev/null
  cat >>"$PG_DATA/postgresql.conf" <<CONF
max_connections = 300
shared_buffers = 128MB
fsync = ${PG_FSYNC:-off}
synchronous_commit = ${PG_SYNC_COMMIT:-off}
full_page_writes = ${PG_FSYNC:-off}
${PG_EXTRA_CONF:-}
CONF
  pg_start
  redis_start
  s3_start
  sink_start
  export TEST_PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  export TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export TEST_PUSH_URL="http://127.0.0.1:$PUSH_PORT"
  export TEST_SMTP_PORT="$SMTP_PORT"
  export SERVICES_DIR PG_BIN PG_DATA PG_PORT REDIS_PORT S3_PORT TEST_S3_BUCKET PUSH_PORT SMTP_PORT
  echo "services: postgres on $PG_PORT, redis on $REDIS_PORT, s3 on $S3_PORT," \
    "push on $PUSH_PORT, smtp on $SMTP_PORT ($SERVICES_DIR)"
}

services_stop() {
  [ -n "${SERVICES_DIR:-}" ] || return 0
  redis_stop
  s3_stop
  sink_stop
  pg_stop immediate
  rm -rf "$SERVICES_DIR"
  SERVICES_DIR=
}
