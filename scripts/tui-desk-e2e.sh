#!/usr/bin/env bash
# The support desk in three real `tigo-chat tui` processes in tmux against a real server whose
# CONTACT_MASKING covers guest↔support rooms: a guest writes to support with a phone number
# (masked before anyone sees it), the operator sees the room waiting in the queue (F2),
# watches another Admin take it live (room_assigned), opens it from the queue, takes it with
# /assign, sees the guest's next masked message arrive, answers with a saved reply (/r), then
# by voice (/upload of a recording ffmpeg makes): the guest sees `🎤 0:03` and its waveform
# in block characters, and saves it with /save.
# Usage: scripts/tui-desk-e2e.sh URL DB_ENV GUEST_EMAIL DESK_ADMIN_EMAIL OPERATOR_EMAIL PASSWORD
# (the saved reply "checkin" must exist: tigo-chat admin replies add checkin 'Check-in is from 14:00.')
set -euo pipefail
URL=$1 DBENV=$2 G_EMAIL=$3 D_EMAIL=$4 O_EMAIL=$5 PASSWORD=$6
TIGO_BIN=${TIGO_BIN:-${CARGO_TARGET_DIR:-target}/release/tigo-chat}
HOME_DIR=$(mktemp -d /tmp/tigo-desk.XXXXXX)
G=desk-guest-$$ D=desk-admin-$$ O=desk-operator-$$
: "$DBENV"

cleanup() {
  for s in "$G" "$D" "$O"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  rm -rf "$HOME_DIR"
}
trap cleanup EXIT

screen_of() { tmux capture-pane -p -t "$1"; }

wait_for() {
  local session=$1 text=$2 limit=${3:-10}
  for _ in $(seq 1 $((limit * 10))); do
    if screen_of "$session" | grep -qF -- "$text"; then
      return 0
    fi
    sleep 0.1
  done
  echo "tui-desk-e2e: '$text' never appeared in $session; its screen:" >&2
  screen_of "$session" >&2
  return 1
}

# The pane never shows TEXT (checked now).
never() {
  if screen_of "$1" | grep -qF -- "$2"; then
    echo "tui-desk-e2e: '$2' must not appear in $1; its screen:" >&2
    screen_of "$1" >&2
    return 1
  fi
}

start() {
  local session=$1 email=$2
  tmux new-session -d -s "$session" -x 110 -y 30 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=$HOME_DIR/$session XDG_CONFIG_HOME=$HOME_DIR/$session/config $TIGO_BIN tui --url $URL --no-save --log-file $HOME_DIR/$session.log; sleep 30"
  wait_for "$session" "Log in"
  tmux send-keys -t "$session" -l "$email"
  tmux send-keys -t "$session" Tab
  tmux send-keys -t "$session" -l "$PASSWORD"
  tmux send-keys -t "$session" Enter
  wait_for "$session" "connected"
}

say() {
  tmux send-keys -t "$1" -l "$2"
  tmux send-keys -t "$1" Enter
}

step() { echo "tui-desk-e2e: $*"; }

step "the guest writes to support with a phone number; it is hidden before storage"
start "$G" "$G_EMAIL"
say "$G" "/new $D_EMAIL"
wait_for "$G" "rooms (1)"
say "$G" "where is my booking? call +33612345678"
wait_for "$G" "call [phone hidden]"
never "$G" "+33612345678"

step "the operator's queue shows the room: type, waiting time, unassigned"
start "$O" "$O_EMAIL"
tmux send-keys -t "$O" F2
wait_for "$O" "1 waiting"
wait_for "$O" "C↔A"
wait_for "$O" "unassigned"
wait_for "$O" "0m"   # the waiting time, e.g. 0m03s

step "another Admin takes the room; the operator's queue follows live"
start "$D" "$D_EMAIL"
say "$D" "/assign"
wait_for "$D" "room assigned to you"
wait_for "$O" "Ada Desk"

step "the operator opens the room from the queue and takes it with /assign"
tmux send-keys -t "$O" Enter
wait_for "$O" "call [phone hidden]"
say "$O" "/assign"
wait_for "$O" "room assigned to you"
tmux send-keys -t "$O" F2
wait_for "$O" " me           "   # the assignee column
tmux send-keys -t "$O" Escape

step "the guest's next message arrives masked while the operator picks a saved reply"
say "$O" "/r checkin"
wait_for "$O" "Check-in is from 14:00."
say "$G" "or mail john.doe@gmail.com"
wait_for "$O" "or mail [email hidden]"
never "$O" "john.doe@gmail.com"

step "the operator edits the saved reply and sends it; the guest reads it"
# The reply is still in the operator's input line: add to it, then send.
tmux send-keys -t "$O" -l " See you soon!"
tmux send-keys -t "$O" Enter
wait_for "$G" "Check-in is from 14:00. See you soon!"

step "the operator answers by voice; the guest sees its length and waveform and saves it"
# 3 s at 440 Hz, the middle second at a tenth of the volume: loud bars, low bars, loud bars.
ffmpeg -v error -nostdin -f lavfi -i "sine=frequency=440:duration=3" \
  -af "volume=enable='between(t,1,2)':volume=0.1" -ac 1 -c:a libopus -b:a 24k \
  "$HOME_DIR/answer.ogg"
say "$O" "/upload $HOME_DIR/answer.ogg"
wait_for "$G" "🎤 0:03 "
bars=$(screen_of "$G" | LC_ALL=C.UTF-8 grep -o "🎤 0:03 [▁▂▃▄▅▆▇█]*" | head -n 1)
if ! LC_ALL=C.UTF-8 grep -qE "[▇█]+.*[▁▂]+.*[▇█]+" <<<"$bars"; then
  echo "tui-desk-e2e: the waveform should read loud, quiet, loud: '$bars'" >&2
  exit 1
fi
say "$G" "/save $HOME_DIR/saved.ogg"
wait_for "$G" "saved"
cmp "$HOME_DIR/answer.ogg" "$HOME_DIR/saved.ogg"

step "answered: the room leaves the queue"
tmux send-keys -t "$O" F2
wait_for "$O" "0 waiting"
tmux send-keys -t "$O" Escape

for s in "$G" "$D" "$O"; do tmux send-keys -t "$s" C-c; done
sleep 0.5
if grep -qiE "panic|password|33612345678|john.doe" "$HOME_DIR"/*.log; then
  echo "tui-desk-e2e: the logs mention a panic, a password or an unmasked contact" >&2
  exit 1
fi
step "passed"
