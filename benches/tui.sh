#!/usr/bin/env bash
# The terminal client under load: `chatty join` in tmux (100x30) against a
# fresh `chatty serve`, fed by `chatty bench` (one client sending at RATE).
#
#   benches/tui.sh                  # CPU at 1,000 lines/s, keys at 5,000
#   CHATTY=path/to/chatty benches/tui.sh   # another build of the client
#
# Prints the client's CPU (share of one core, from /proc over the middle of
# the window) and how long a typed key takes to show on the screen, as
# tmux's capture-pane sees it (its own cost is in the idle figure).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 1; }
if [ -z "${CHATTY:-}" ]; then
  cargo build --release --quiet
  CHATTY=target/release/chatty
fi
work="$(mktemp -d)"
sock="$work/tmux.sock"
pids=()
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$CHATTY" serve --addr 127.0.0.1:0 --rate 0 --history 0 2>"$work/serve.log" &
pids+=($!)
addr=""
for _ in $(seq 100); do
  addr="$(grep -o 'listening on [0-9.:]*' "$work/serve.log" | head -1 | cut -d' ' -f3 || true)"
  [ -n "$addr" ] && break
  sleep 0.05
done
[ -n "$addr" ] || { echo "the server did not start" >&2; exit 1; }

tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
  "exec env TERM=xterm-256color $CHATTY join --name watcher --addr $addr"
client="$(tmux -S "$sock" display -p -t 0 '#{pane_pid}')"
for _ in $(seq 100); do
  tmux -S "$sock" capture-pane -p -t 0 | grep -q 'connected │ watcher' && break
  sleep 0.05
done

ticks() { awk '{print $14 + $15}' "/proc/$client/stat"; }
hz="$(getconf CLK_TCK)"

# CPU of the client while RATE lines/s arrive (10 s window, 8 s sampled).
cpu_at() {
  "$CHATTY" bench --addr "$addr" --name-first --clients 1 --senders 1 \
    --rate "$1" --warmup 1s --duration 10s >"$work/bench-$1.txt" 2>&1 &
  local bench=$!
  sleep 3
  local t0 t1
  t0="$(ticks)"
  sleep 8
  t1="$(ticks)"
  wait "$bench"
  awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) * 100 / hz / 8 }'
}

# Milliseconds from send-keys to the key on screen, for N keys: median, max.
key_latency() {
  local n="$1" times=()
  for i in $(seq "$n"); do
    local start now shown
    start="$(date +%s%N)"
    tmux -S "$sock" send-keys -t 0 -l "x"
    while :; do
      shown="$(tmux -S "$sock" capture-pane -p -t 0 | grep -c "^>.*$(printf 'x%.0s' $(seq "$i"))" || true)"
      [ "$shown" -gt 0 ] && break
      now="$(date +%s%N)"
      [ $(( (now - start) / 1000000 )) -gt 2000 ] && break
    done
    now="$(date +%s%N)"
    times+=($(( (now - start) / 1000 )))
  done
  tmux -S "$sock" send-keys -t 0 C-u
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median %.1f ms, max %.1f ms", a[int((NR + 1) / 2)] / 1000, a[NR] / 1000 }'
}

echo "client: $CHATTY, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "idle keys: $(key_latency 20)"
echo "CPU at 1,000 lines/s: $(cpu_at 1000) % of a core"
"$CHATTY" bench --addr "$addr" --name-first --clients 1 --senders 1 \
  --rate 5000 --warmup 1s --duration 12s >"$work/bench-5000.txt" 2>&1 &
flood=$!
sleep 2
echo "keys at 5,000 lines/s: $(key_latency 20)"
wait "$flood"
echo "(raw bench output in $work)"
