#!/usr/bin/env bash
# Measures how much a running server's memory grows while it takes 25 MiB uploads: peak RSS
# (VmHWM) after a warm-up, then after 4 uploads one by one and 4 at once. With `audio`, the
# uploads are 10-minute recordings instead (made with ffmpeg; each is read whole and decoded
# for its length and waveform): one of each format, with the time each upload took, then 4
# MP3s at 320 kbit/s (23 MiB, near the upload limit) one by one and at once.
# Usage: scripts/upload-memory.sh [BINARY] [FILE_STORE] [audio]   (S3: also set S3_ENDPOINT etc.)
set -euo pipefail
BIN=${1:-${CARGO_TARGET_DIR:-target}/release/tigo-chat}
WORK=$(mktemp -d /tmp/tigo-upmem.XXXXXX)
STORE=${2:-$WORK/files}
export DATABASE_URL="sqlite://$WORK/chat.db" FILE_STORE="$STORE" UPLOADS_PER_MINUTE=0 JWT_SECRET=upload-memory-test
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
echo pw-upload-memory | "$BIN" admin create-user --email up@mem.test --first-name Up --last-name Mem \
  --role Customer --password-stdin >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/chat/health" >/dev/null && break; sleep 0.1; done
TOKEN=$("$BIN" admin token --email up@mem.test)
hwm() { awk '/VmHWM/ {print $2}' /proc/$PID/status; }
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
warm_up() {
  printf 'x' >"$WORK/tiny.txt"
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$PORT/chat/uploads" -H "Authorization: Bearer $TOKEN" \
    -H 'X-File-Name: warm.txt' --data-binary @"$WORK/tiny.txt"
}
if [ "${3:-}" = audio ]; then
  # 599 s: VOICE_MAX_DURATION is 10 minutes, and a codec's padding adds a few milliseconds.
  tone=(-f lavfi -i "sine=frequency=300:duration=599" -ac 1)
  ffmpeg -v error -nostdin -y "${tone[@]}" -c:a libopus -b:a 32k "$WORK/ten.ogg"
  ffmpeg -v error -nostdin -y "${tone[@]}" -c:a libopus -b:a 32k -f webm -live 1 pipe:1 >"$WORK/ten.webm"
  ffmpeg -v error -nostdin -y "${tone[@]}" -c:a aac -b:a 64k "$WORK/ten.m4a"
  ffmpeg -v error -nostdin -y "${tone[@]}" -ar 44100 -c:a libmp3lame -b:a 128k "$WORK/ten.mp3"
  ffmpeg -v error -nostdin -y "${tone[@]}" -ar 44100 -c:a libmp3lame -b:a 320k "$WORK/big.mp3"
  send() {
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "http://127.0.0.1:$PORT/chat/uploads" \
      -H "Authorization: Bearer $TOKEN" -H "X-File-Name: $2" --data-binary @"$1"
  }
  warm_up
  base=$(hwm)
  echo "after warm-up: peak RSS ${base} KiB (RSS $(rss) KiB)"
  for f in ten.ogg ten.webm ten.m4a ten.mp3 big.mp3; do
    before=$(hwm)
    read -r code secs < <(send "$WORK/$f" "$f")
    echo "$f ($(( $(stat -c %s "$WORK/$f") / 1024 )) KiB): $code in ${secs} s; peak RSS ${before} -> $(hwm) KiB"
  done
  for i in 1 2 3 4; do send "$WORK/big.mp3" "one-$i.mp3" >/dev/null; done
  echo "after 4 x big.mp3 one by one: peak RSS $(hwm) KiB (+$(( ($(hwm) - base) / 1024 )) MiB over warm-up)"
  for i in 1 2 3 4; do send "$WORK/big.mp3" "par-$i.mp3" >/dev/null & done
  wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
  echo "after 4 x big.mp3 at once: peak RSS $(hwm) KiB (+$(( ($(hwm) - base) / 1024 )) MiB over warm-up)"
  exit 0
fi
# 25 MiB of PDF: a header, then filler.
python3 - "$WORK/big.pdf" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"%PDF-1.4\n")
    f.write(b"0" * (25 * 1024 * 1024 - 9))
PY
up() {
  curl -fsS -o /dev/null -w '%{http_code}\n' -X POST "http://127.0.0.1:$PORT/chat/uploads" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/pdf' -H "X-File-Name: $1" \
    --data-binary @"$WORK/big.pdf"
}
warm_up
base=$(hwm)
echo "after warm-up: peak RSS ${base} KiB (RSS $(rss) KiB)"
for i in 1 2 3 4; do up "one-$i.pdf" >/dev/null; done
one=$(hwm)
echo "after 4 x 25 MiB one by one: peak RSS ${one} KiB (+$(( (one - base) / 1024 )) MiB)"
for i in 1 2 3 4; do up "par-$i.pdf" >/dev/null & done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
par=$(hwm)
echo "after 4 x 25 MiB at once: peak RSS ${par} KiB (+$(( (par - base) / 1024 )) MiB over warm-up)"
