#!/usr/bin/env bash
# Drives two real `tigo-chat tui` processes in tmux against a real server and reads their
# screens: log in, open the same room, message both ways, typing shown, read receipt shown,
# a line edited with readline keys (the cursor placed by display width), a reaction, a reply
# with its quote, a search that jumps to the message, a file sent with /upload and saved with
# /save (never over a file without /save!, `~` the home folder), the help's columns apart,
# a travel companion (a third client) brought into the room with /companion, listed by
# /members, messaging both ways, then removed and told so, and a deactivated account signed
# out with the reason, no reconnecting.
# Usage: scripts/tui-e2e.sh URL DB_ENV CUSTOMER_EMAIL OWNER_EMAIL PASSWORD COMPANION_EMAIL
# (the companion: a Customer named Fred Friend)
set -euo pipefail
URL=$1 DBENV=$2 A_EMAIL=$3 B_EMAIL=$4 PASSWORD=$5 C_EMAIL=$6
TIGO_BIN=${TIGO_BIN:-${CARGO_TARGET_DIR:-target}/release/tigo-chat}
HOME_DIR=$(mktemp -d /tmp/tigo-tui.XXXXXX)
A=tui-a-$$ B=tui-b-$$ C=tui-c-$$

cleanup() {
  tmux kill-session -t "$A" 2>/dev/null || true
  tmux kill-session -t "$B" 2>/dev/null || true
  tmux kill-session -t "$C" 2>/dev/null || true
  rm -rf "$HOME_DIR"
}
trap cleanup EXIT

screen_of() { tmux capture-pane -p -t "$1"; }
cursor_x() { tmux display-message -p -t "$1" '#{cursor_x}'; }

# expect_cursor SESSION COLUMN: the terminal's cursor is in that column (within a second).
expect_cursor() {
  for _ in $(seq 1 10); do
    [ "$(cursor_x "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  echo "tui-e2e: the cursor of $1 is in column $(cursor_x "$1"), not $2" >&2
  return 1
}

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

step "A edits a line with readline keys; the cursor sits by display width"
tmux send-keys -t "$A" -l "see you frday"
tmux send-keys -t "$A" Left Left Left
tmux send-keys -t "$A" -l "i"
tmux send-keys -t "$A" C-a
tmux send-keys -t "$A" -l "ok, "
tmux send-keys -t "$A" Enter
wait_for "$B" "ok, see you friday"
# `│> ` is three columns; 日本語 takes six, a space one, café four.
tmux send-keys -t "$A" -l "日本語 café"
expect_cursor "$A" 14
tmux send-keys -t "$A" Home
expect_cursor "$A" 3
tmux send-keys -t "$A" End C-w
expect_cursor "$A" 10
tmux send-keys -t "$A" Escape
expect_cursor "$A" 3

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

step "/save refuses to replace a file, /save! replaces it, ~ is the home folder"
printf 'mine\n' >"$HOME_DIR/saved.txt"
tmux send-keys -t "$B" -l "/save $HOME_DIR/saved.txt"
tmux send-keys -t "$B" Enter
wait_for "$B" "exists; /save!"
[ "$(cat "$HOME_DIR/saved.txt")" = mine ]
tmux send-keys -t "$B" -l "/save! $HOME_DIR/saved.txt"
tmux send-keys -t "$B" Enter
wait_for "$B" "saved 30 B to"
cmp "$HOME_DIR/dusche-notiz.txt" "$HOME_DIR/saved.txt"
mkdir -p "$HOME_DIR/$B"
tmux send-keys -t "$B" -l "/save ~/notiz.txt"
tmux send-keys -t "$B" Enter
wait_for "$B" "$B/notiz.txt"
for _ in $(seq 1 20); do [ -f "$HOME_DIR/$B/notiz.txt" ] && break; sleep 0.1; done
cmp "$HOME_DIR/dusche-notiz.txt" "$HOME_DIR/$B/notiz.txt"

step "/help lists the commands in two columns apart, a guest's own only"
tmux send-keys -t "$A" -l "/help"
tmux send-keys -t "$A" Enter
wait_for "$A" "keys and commands"
wait_for "$A" "PgUp / PgDn  "
if screen_of "$A" | grep -qF "/resolve"; then
  echo "tui-e2e: a guest's help shows Admin commands" >&2
  exit 1
fi
tmux send-keys -t "$A" Escape

say() {
  tmux send-keys -t "$1" -l "$2"
  tmux send-keys -t "$1" Enter
}

step "A brings a travel companion (C) into the room; /members lists C; messages reach C"
start "$C" "$C_EMAIL"
wait_for "$C" "rooms (0)"
say "$A" "/companion add $C_EMAIL"
wait_for "$C" "rooms (1)"
say "$A" "/members"
wait_for "$A" "Fred Friend (companion)"
say "$B" "welcome to the trip"
wait_for "$C" "welcome to the trip"
say "$C" "thanks from the companion"
wait_for "$A" "thanks from the companion"
wait_for "$B" "thanks from the companion"

step "A removes the companion: C loses the room, is told why, and gets nothing more of it"
say "$A" "/companion remove $C_EMAIL"
wait_for "$C" "no longer a member"
wait_for "$C" "rooms (0)"
say "$B" "only for the guest now"
wait_for "$A" "only for the guest now"
sleep 1
if screen_of "$C" | grep -qF "only for the guest now"; then
  echo "tui-e2e: the removed companion still got the room's message" >&2
  exit 1
fi

step "B's account is deactivated: B is signed out with the reason and stops reconnecting"
env $DBENV "$TIGO_BIN" admin deactivate --user "$B_EMAIL" >/dev/null
wait_for "$B" "Signed out: This account is deactivated" 15
sleep 3
if screen_of "$B" | grep -qF "reconnecting"; then
  echo "tui-e2e: B is still reconnecting" >&2
  exit 1
fi
wait_for "$B" "Signed out: This account is deactivated"

step "Ctrl-C restores the terminal"
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
if grep -qiE "panic|password" "$HOME_DIR/$A.log" "$HOME_DIR/$B.log" "$HOME_DIR/$C.log"; then
  echo "tui-e2e: the logs mention a panic or a password" >&2
  exit 1
fi
step "passed"
