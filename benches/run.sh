#!/usr/bin/env bash
# The scenarios of `chatty bench`, each against a freshly started
# `chatty serve` and, where it applies, against the seed's Go server (of
# gopl-8.10-chat.md, built by the script GO_SEED_SCRIPT names), the two
# alternating run by run, REPEAT times each (default 3), printed as one
# Markdown table of every run and one summary: the median of the runs, their
# spread (min-max) and chatty's ratio to the seed.
#
#   benches/run.sh                 # all scenarios, 10 s windows
#   GO_SEED_SCRIPT=path/to/go-seed.sh benches/run.sh   # with the Go seed
#   WINDOW=5s REPEAT=1 benches/run.sh 1 6   # scenarios 1 and 6, once, shorter
#   (SLOW_WINDOW sets scenario 6's window, WARMUP the warmup)
#
#   1  fan-out: 100 clients, 10 senders as fast as all receive (--in-flight)
#   2  fan-out as most load generators drive it (--outstanding 6400)
#   3  1,000 clients, 10 senders, 100 k deliveries/s offered
#      (3-floor: 1 sender at 10 lines/s, one line at a time: what a single
#      line to 1,000 recipients costs with nothing queued behind it)
#   4  1,000 clients, 10 senders, 1 M deliveries/s offered
#   5  10,000 idle connections: memory per connection, connect + settle
#   6  a reader that never reads among 100 clients (6-base: without it)
#
# Everything runs on 127.0.0.1. Raw JSON reports and server logs are kept in
# a temporary directory (printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

WINDOW="${WINDOW:-10s}"
WARMUP="${WARMUP:-2s}"
# Scenario 6 needs time for the never-reading client's socket buffers to
# fill (megabytes on loopback) before the server may call it too slow.
SLOW_WINDOW="${SLOW_WINDOW:-20s}"
REPEAT="${REPEAT:-3}"
# Builds the Go seed into the directory it is given and prints the
# binary's path as its last line; unset: the Go seed runs are skipped.
GO_SEED_SCRIPT="${GO_SEED_SCRIPT:-}"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(1 2 3 4 5 6)

# 10,000 clients and the server's 10,000 sockets need more open files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
  echo "note: open-files limit $(ulimit -n): scenario 5 needs about 10,100 (raise the hard limit)" >&2
fi

cargo build --release --quiet
chatty=target/release/chatty
work="$(mktemp -d)"
# The kernel's price of one loopback line, under every figure below
# (benches/loopback.rs needs only std: no second cargo build).
floor=""
if rustc -O --edition 2024 benches/loopback.rs -o "$work/loopback" 2>"$work/loopback.log"; then
  floor="$("$work/loopback" 2>>"$work/loopback.log" | tail -1 || true)"
fi
[ -n "$floor" ] || echo "note: benches/loopback.rs did not run; see $work/loopback.log" >&2
server_pid=""

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

# Starts chatty on a free port; sets server_pid and server_addr.
start_chatty() {
  local log="$work/chatty-$1.log"
  shift
  "$chatty" serve --addr 127.0.0.1:0 --rate 0 --history 0 --max-clients 20000 "$@" 2>"$log" &
  server_pid=$!
  server_addr=""
  for _ in $(seq 100); do
    server_addr="$(grep -o 'listening on [0-9.:]*' "$log" 2>/dev/null | head -1 | cut -d' ' -f3 || true)"
    [ -n "$server_addr" ] && return 0
    sleep 0.05
  done
  echo "chatty serve did not start; see $log" >&2
  exit 1
}

# Starts the Go seed on a free port; sets server_pid and server_addr.
start_go() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  done
  server_addr="127.0.0.1:$port"
  CHAT_ADDR="$server_addr" "$go_seed" 2>"$work/go-$1.log" &
  server_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "the Go seed did not start; see $work/go-$1.log" >&2
  exit 1
}

go_seed=""
if [ -z "$GO_SEED_SCRIPT" ]; then
  echo "note: GO_SEED_SCRIPT is not set; skipping the Go seed runs" >&2
elif [ -x "$GO_SEED_SCRIPT" ]; then
  if go_seed="$("$GO_SEED_SCRIPT" "$work/go-seed" 2>"$work/go-build.log" | tail -1)" && [ -x "$go_seed" ]; then
    :
  else
    echo "note: building the Go seed failed (see $work/go-build.log); skipping its runs" >&2
    go_seed=""
  fi
else
  echo "note: $GO_SEED_SCRIPT not found; skipping the Go seed runs" >&2
fi

# The value of "key" in a flat JSON report.
field() {
  grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2- | tr -d '"'
}

# A number rounded for the table ("-" when absent).
num() {
  local value="$1" digits="${2:-0}"
  if [ -z "$value" ] || [ "$value" = null ] || [ "$value" = - ]; then echo "-"; else printf "%.${digits}f" "$value"; fi
}

rows=()
# "scenario server deliveries p99 rss_per_conn connect+settle" per run,
# for the summary.
figures=()

# run NAME SERVER -- SERVER_FLAGS -- BENCH_FLAGS
run() {
  local name="$1" server="$2" window="$WINDOW"
  case "$name" in 6*) window="$SLOW_WINDOW" ;; esac
  shift 3
  local serve_flags=()
  while [ "$1" != -- ]; do serve_flags+=("$1"); shift; done
  shift
  local json="$work/$name-$server-$round.json"
  if [ "$server" = chatty ]; then
    start_chatty "$name" "${serve_flags[@]}"
  else
    start_go "$name"
  fi
  echo "== scenario $name, $server: chatty bench $*" >&2
  "$chatty" bench --addr "$server_addr" --pid "$server_pid" --json \
    --warmup "$WARMUP" --duration "$window" "$@" >"$json" 2>"$work/$name-$server-$round.progress" || true
  stop_server
  if [ ! -s "$json" ]; then
    rows+=("| $name | $server | $round | failed: $(tail -1 "$work/$name-$server-$round.progress") |||||||||||")
    return
  fi
  local expected delivered share settle per_conn notes=""
  expected="$(field "$json" expected)"
  delivered="$(field "$json" delivered)"
  share="-"
  [ "${expected:-0}" != 0 ] && share="$(awk -v d="$delivered" -v e="$expected" 'BEGIN { printf "%.2f", 100 * d / e }')"
  settle="$(awk -v c="$(field "$json" connect_s)" -v s="$(field "$json" settle_s)" 'BEGIN { printf "%.1f", c + s }')"
  [ "$(field "$json" settled)" = false ] && settle="$settle (not settled)"
  per_conn="$(field "$json" server_rss_per_connection)"
  [ "$per_conn" != null ] && per_conn="$(awk -v b="$per_conn" 'BEGIN { printf "%.1f", b / 1024 }')"
  [ "$(field "$json" slow_readers)" != 0 ] && notes="slow reader disconnected: $(field "$json" slow_disconnected); others got $(awk -v s="$(field "$json" last_third_share)" 'BEGIN { printf "%.1f", 100 * s }') % of offered in the last third (p99 $(num "$(field "$json" last_third_latency_p99_ms)" 2) ms)"
  [ "$(field "$json" slow_readers)" != 0 ] && notes="$notes; server RSS $(awk -v a="$(field "$json" server_rss_connected)" -v b="$(field "$json" server_rss_window_max)" 'BEGIN { printf "%.1f MiB after connecting, at most %.1f MiB in the window", a / 1048576, b / 1048576 }')"
  # Idle connections: what they hold at the end of the hold, once the
  # arrival burst's memory is returned (bytes per connection, or null).
  local held_end=null
  if [ "$(field "$json" idle)" = true ]; then
    held_end="$(awk -v e="$(field "$json" server_rss_end)" -v b="$(field "$json" server_rss_before)" -v c="$(field "$json" connected)" 'BEGIN { if (c > 0 && e != "null" && b != "null") print (e - b) / c; else print "null" }')"
    notes="$notes; RSS/conn at the end of the hold $([ "$held_end" = null ] && echo - || awk -v h="$held_end" 'BEGIN { printf "%.1f", h / 1024 }') KiB"
  fi
  [ "$(field "$json" error)" != null ] && notes="$notes; $(field "$json" error)"
  notes="${notes#; }"
  local offered
  offered="$(field "$json" offered_per_s)"
  [ "$offered" = null ] && offered="max" || offered="$(num "$offered")"
  # The summary's memory figure: for idle runs the one at the end of the
  # hold (the row also gives the one right after settling).
  local rss_figure
  rss_figure="$(field "$json" server_rss_per_connection)"
  [ "$(field "$json" idle)" = true ] && rss_figure="$held_end"
  local settle_figure="${settle%% *}"
  [ "$(field "$json" settled)" = false ] && settle_figure="not-settled"
  figures+=("$name $server $(field "$json" deliveries_per_s) $(field "$json" latency_p99_ms) $rss_figure $settle_figure")
  rows+=("| $name | $server | $round | $(num "$(field "$json" deliveries_per_s)") | $offered / $(num "$(field "$json" achieved_per_s)") | $(num "$(field "$json" latency_p50_ms)" 2) | $(num "$(field "$json" latency_p99_ms)" 2) | $(num "$(field "$json" latency_p999_ms)" 2) | $share | $(field "$json" gaps) | $(field "$json" skipped_lines) | $settle | $per_conn | $(num "$(awk -v c="$(field "$json" server_cpu)" 'BEGIN { print c * 100 }')") / $(num "$(awk -v c="$(field "$json" bench_cpu)" 'BEGIN { print c * 100 }')") | $notes |")
}

both() {
  run "$@"
  if [ -n "$go_seed" ]; then
    local name="$1"
    shift 2
    # The Go seed has no names: drop --name-first.
    local args=()
    for arg in "$@"; do [ "$arg" = --name-first ] || args+=("$arg"); done
    run "$name" go "${args[@]}"
  fi
}

scenario() {
  case "$1" in
    1) both 1 chatty -- -- --name-first --clients 100 --senders 10 --rate 0 ;;
    2) both 2 chatty -- -- --name-first --clients 100 --senders 10 --rate 0 --outstanding 6400 ;;
    3)
      both 3-floor chatty -- -- --name-first --clients 1000 --senders 1 --rate 10
      both 3 chatty -- -- --name-first --clients 1000 --senders 10 --rate 10
      ;;
    4) both 4 chatty -- -- --name-first --clients 1000 --senders 10 --rate 100 ;;
    5) both 5 chatty -- -- --name-first --clients 10000 --idle --settle-timeout 300s ;;
    6)
      run 6-base chatty -- --write-timeout 3s -- --name-first --clients 100 --senders 5 --rate 200 --payload 350
      both 6 chatty -- --write-timeout 3s -- --name-first --clients 100 --senders 5 --rate 200 --payload 350 --slow-reader 1
      ;;
    *) echo "unknown scenario $1 (1 to 6)" >&2; exit 2 ;;
  esac
}

# Memory (5) is measured once; every latency scenario REPEAT times.
for round in $(seq "$REPEAT"); do
  for s in "${scenarios[@]}"; do
    if [ "$s" != 5 ] || [ "$round" = 1 ]; then scenario "$s"; fi
  done
done

# Median and spread of one figure (column 3 to 6) of a scenario and server.
stat() {
  printf '%s\n' "${figures[@]}" | awk -v n="$1" -v srv="$2" -v col="$3" '
    $1 == n && $2 == srv && $col != "null" && $col != "" { v[++k] = $col }
    END {
      if (k == 0) { print "- - -"; exit }
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      m = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
      print m, v[1], v[k]
    }'
}

summary() {
  echo "| scenario | chatty deliveries/s (min-max) | seed | ratio | chatty p99 ms (min-max) | seed | ratio | chatty RSS/conn KiB (5: end of hold) | seed |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local names
  names="$(printf '%s\n' "${figures[@]}" | awk '{ print $1 }' | awk '!seen[$0]++')"
  for n in $names; do
    read -r cd cdmin cdmax <<<"$(stat "$n" chatty 3)"
    read -r gd _ _ <<<"$(stat "$n" go 3)"
    read -r cp cpmin cpmax <<<"$(stat "$n" chatty 4)"
    read -r gp _ _ <<<"$(stat "$n" go 4)"
    read -r cr _ _ <<<"$(stat "$n" chatty 5)"
    read -r gr _ _ <<<"$(stat "$n" go 5)"
    echo "| $n | $(spread "$cd" "$cdmin" "$cdmax") | $(num "$gd") | $(ratio "$cd" "$gd") | $(spread "$cp" "$cpmin" "$cpmax" 2) | $(num "$gp" 2) | $(ratio "$cp" "$gp") | $(kib "$cr") | $(kib "$gr") |"
  done
}

# "median (min-max)", or "-" when there is no figure.
spread() {
  if [ "$1" = - ]; then echo "-"; else echo "$(num "$1" "${4:-0}") ($(num "$2" "${4:-0}")-$(num "$3" "${4:-0}"))"; fi
}

ratio() {
  if [ "$1" = - ] || [ "$2" = - ] || [ -z "$2" ]; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; fi
}

kib() {
  if [ "$1" = - ] || [ -z "$1" ]; then echo "-"; else awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; fi
}

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), window $WINDOW (scenario 6: $SLOW_WINDOW) after $WARMUP warmup"
echo
[ -n "$floor" ] && echo "$floor" && echo
echo "| scenario | server | run | deliveries/s | send/s offered / achieved | p50 ms | p99 ms | p99.9 ms | delivered % | gaps | skipped | connect+settle s | RSS/conn KiB | CPU % server / bench | notes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
summary
echo
# The idle scenario's settle time (run once), if it ran.
idle_line() {
  local figure name server settle seed="" idle=""
  for figure in "${figures[@]}"; do
    read -r name server _ _ _ settle <<<"$figure"
    [ "$name" = 5 ] || continue
    [ "$settle" = not-settled ] && settle="not settled within --settle-timeout" || settle="$settle s"
    if [ "$server" = chatty ]; then idle="connect + settle $settle"; else seed="; the seed: $settle"; fi
  done
  [ -n "$idle" ] && echo "5 idle: $idle$seed. RSS/conn in the summary is at the end of the hold." && echo
  return 0
}
idle_line
echo "reports and logs: $work" >&2
