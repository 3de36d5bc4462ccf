#!/usr/bin/env bash
# Drives two real `tigo-chat tui` processes in tmux against a real server and reads their
# screens: log in, open the same room, message both ways, typing shown, read receipt shown,
# a reaction, a reply with its quote, and a search that jumps to the message.
# a file sent with /upload and saved with /save.
# Usage: scripts/tui-e2e.sh URL DB_ENV CUSTOMER_EMAIL OWNER_EMAIL PASSWORD
set -euo pipefail
URL=$1 DBENV=$2 A_EMAIL=$3 B_EMAIL=$4 PASSWORD=$5
TIGO_BIN=${TIGO_BIN:-${CARGO_TARGET_DIR:-target}/release/tigo-chat}
HOME_DIR=$(mktemp -d /tmp/tigo-tui.XXXXXX)
A=tui-a-$$ B=tui-b-$$

cleanup() {
  tmux kill-session -t "$A" 2>/dev/null || true
  tmux kill-session -t "$B" 2>/dev/null || true
  rm -rf "$HOME_DIR"
}
trap cleanup EXIT

screen_of() { tmux capture-pane -p -t "$1"; }

# wait_for SESSION TEXT [SECONDS]: until the pane shows TEXT.
wait_for() {
  local session=$1 text=$2 limit=${3:-10}
  for _ in $(seq 1 $((limit * 10))); do
    if screen_of "$session" | grep -qF -- "$text"; then
      return 0
    fi
    sleep 0.1
  done
  echo "tui-e2e: '$text' never appeared in $session; its screen:" >&2
  screen_of "$session" >&2
  return 1
}

# A terminal client in its own tmux session, at the login screen.
launch() {
  local session=$1
  # -u: the panes speak UTF-8 (emoji, arrows) whatever the caller's locale is.
  tmux -u new-session -d -s "$session" -x 100 -y 30 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=$HOME_DIR/$session XDG_CONFIG_HOME=$HOME_DIR/$session/config $TIGO_BIN tui --url $URL --no-save --log-file $HOME_DIR/$session.log; sleep 30"
  wait_for "$session" "Log in"
}

# Types an email and a password into the login form and submits it.
log_in() {
  local session=$1 email=$2 password=$3
  tmux send-keys -t "$session" -l "$email"
  tmux send-keys -t "$session" Tab
  tmux send-keys -t "$session" -l "$password"
  tmux send-keys -t "$session" Enter
}

start() {
  local session=$1 email=$2
  launch "$session"
  log_in "$session" "$email" "$PASSWORD"
  wait_for "$session" "connected"
}

step() { echo "tui-e2e: $*"; }

step "a wrong password is refused, then both log in"
launch "$A"
log_in "$A" "$A_EMAIL" "not-the-password"
wait_for "$A" "Wrong email or password"
tmux send-keys -t "$A" -l "$PASSWORD"
tmux send-keys -t "$A" Enter
wait_for "$A" "connected"
start "$B" "$B_EMAIL"

step "A opens a room with B; both see it"
tmux send-keys -t "$A" -l "/new $B_EMAIL"
tmux send-keys -t "$A" Enter
wait_for "$A" "rooms (1)"
wait_for "$B" "rooms (1)"

step "typing shows on the other side"
tmux send-keys -t "$A" -l "hello from A"
wait_for "$B" "is typing…"

step "A's message reaches B, B's reaches A"
tmux send-keys -t "$A" Enter
wait_for "$B" "hello from A"
tmux send-keys -t "$B" -l "hi from B"
tmux send-keys -t "$B" Enter
wait_for "$A" "hi from B"

step "B has the room open, so A's message shows as read"
wait_for "$A" "you: hello from A ✓✓ read"

step "B reacts to A's message; A sees the reaction under it"
tmux send-keys -t "$B" -l "/react 👍"
tmux send-keys -t "$B" Enter
wait_for "$A" "👍"

step "A replies to B's message; B sees the quoted line above the reply"
tmux send-keys -t "$A" -l "/reply got it, thanks"
tmux send-keys -t "$A" Enter
wait_for "$B" "↪ you: hi from B"
wait_for "$B" "Tina: got it, thanks"

step "A searches; Enter opens the found message in its room"
tmux send-keys -t "$A" -l "/search hello"
tmux send-keys -t "$A" Enter
wait_for "$A" "1 found"
tmux send-keys -t "$A" Enter
wait_for "$A" "message · /help"
wait_for "$A" "you: hello from A"
step "A uploads a file with /upload, B sees it as 📎 and saves it with /save"
printf 'Zimmer 12: die Dusche tropft.\n' >"$HOME_DIR/dusche-notiz.txt"
tmux send-keys -t "$A" -l "/upload $HOME_DIR/dusche-notiz.txt"
tmux send-keys -t "$A" Enter
wait_for "$B" "dusche-notiz.txt (30 B)"
tmux send-keys -t "$B" -l "/save $HOME_DIR/saved.txt"
tmux send-keys -t "$B" Enter
wait_for "$B" "saved 30 B to"
cmp "$HOME_DIR/dusche-notiz.txt" "$HOME_DIR/saved.txt"

step "/help lists the commands; Ctrl-C restores the terminal"
tmux send-keys -t "$A" -l "/help"
tmux send-keys -t "$A" Enter
wait_for "$A" "keys and commands"
tmux send-keys -t "$A" Escape
tmux send-keys -t "$A" C-c
tmux send-keys -t "$B" C-c
for s in "$A" "$B"; do
  for _ in $(seq 1 50); do
    screen_of "$s" | grep -q "rooms (" || break
    sleep 0.1
  done
  if screen_of "$s" | grep -q "rooms ("; then
    echo "tui-e2e: $s did not leave the alternate screen" >&2
    exit 1
  fi
done
if grep -qiE "panic|password" "$HOME_DIR/$A.log" "$HOME_DIR/$B.log"; then
  echo "tui-e2e: the logs mention a panic or a password" >&2
  exit 1
fi
step "passed"
