#!/usr/bin/env bash
# `chatty bench` against a cluster: the same room served by one
# `chatty serve --cluster` server, then by three sharing one Redis (the
# bench's clients spread round robin with --addr A,B,C), the two alternating
# run by run, REPEAT times each (default 3). Every run gets a fresh
# redis-server of its own (a free loopback port, a temporary directory, no
# persistence) and fresh servers. The CPU time of every process (each
# server, Redis, the bench) is taken from /proc over the whole bench run and
# printed beside the bench's figures as one Markdown table, then a summary
# (medians) and the ceiling of one Redis.
#
#   benches/cluster.sh                     # every scenario, 10 s windows
#   WINDOW=5s REPEAT=1 benches/cluster.sh fanout   # one scenario, once
#   SERVERS="1 2 3" benches/cluster.sh     # other cluster sizes
#
#   fanout   100 clients, 10 senders as fast as all receive (run.sh's 1)
#   1000     1,000 clients, 10 senders, 100 k deliveries/s offered (run.sh's 3)
#   ceiling  the most room lines per second one Redis orders: 20 clients,
#            all of them senders, as fast as all receive (lines/s = sent/s;
#            CEILING sets its flags), and Redis's CPU per line
#
# Everything runs on 127.0.0.1. Raw JSON reports, bench progress and the
# logs of the servers and of Redis are kept in a temporary directory
# (printed at the end); warnings and errors in the servers' logs are shown.
set -euo pipefail
cd "$(dirname "$0")/.."

WINDOW="${WINDOW:-10s}"
WARMUP="${WARMUP:-2s}"
REPEAT="${REPEAT:-3}"
SERVERS="${SERVERS:-1 3}"
# The ceiling's load: few receivers per line, so that ordering, not the
# fan-out, runs out first; 20 x 50 lines in flight fit in a client's queue
# (--queue 1024), so none is skipped.
CEILING="${CEILING:---clients 20 --senders 20 --rate 0 --in-flight 50}"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(fanout 1000 ceiling)

command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
# 1,000 clients and the servers' sockets need more open files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cargo build --release --quiet
chatty=target/release/chatty
work="$(mktemp -d)"
hz="$(getconf CLK_TCK)"
pids=()

# Stops everything started, the last started first: the servers end
# (flushing to Redis) before their Redis does.
stop_all() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  pids=()
}
trap stop_all EXIT

# A loopback port nobody listens on.
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2
  exit 1
}

# Starts a redis-server of its own in $work/NAME; sets redis_pid and redis_port.
start_redis() {
  local dir="$work/$1"
  mkdir -p "$dir"
  redis_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "redis-server did not start; see $dir/redis.log" >&2
  exit 1
}

# Starts `chatty serve --cluster` on a free port, logging to LOG; appends
# to server_pids and server_addrs.
start_server() {
  local log="$1"
  "$chatty" serve --addr 127.0.0.1:0 --rate 0 --history 0 --max-clients 5000 \
    --cluster "redis://127.0.0.1:$redis_port" 2>"$log" &
  server_pids+=($!)
  pids+=($!)
  local addr=""
  for _ in $(seq 100); do
    addr="$(grep -o 'listening on [0-9.:]*' "$log" 2>/dev/null | head -1 | cut -d' ' -f3 || true)"
    if [ -n "$addr" ]; then server_addrs+=("$addr"); return 0; fi
    sleep 0.05
  done
  echo "chatty serve did not start; see $log" >&2
  exit 1
}

# CPU time (user + system, every thread) of a running process, in ticks
# (0 if it is gone).
ticks() {
  local stat fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  read -r -a fields <<<"${stat##*) }"
  echo $((fields[11] + fields[12]))
}

seconds() {
  awk -v t="$1" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'
}

# The value of "key" in a flat JSON report.
field() {
  grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2- | tr -d '"'
}

# A number rounded for the table ("-" when absent).
num() {
  local value="$1" digits="${2:-0}"
  if [ -z "$value" ] || [ "$value" = null ]; then echo "-"; else printf "%.${digits}f" "$value"; fi
}

# The bench flags of a scenario.
flags() {
  case "$1" in
    fanout) echo --name-first --clients 100 --senders 10 --rate 0 ;;
    1000) echo --name-first --clients 1000 --senders 10 --rate 10 ;;
    ceiling) echo --name-first $CEILING ;;
    *) echo "unknown scenario $1 (fanout, 1000, ceiling)" >&2; exit 2 ;;
  esac
}

rows=()
# "scenario servers deliveries/s lines/s p99 cpu-per-M redis-cpu-%" per run.
figures=()
odd=()

# run SCENARIO SERVERS
run() {
  local name="$1" n="$2" tag="$1-$2x-$round"
  local bench_flags
  read -r -a bench_flags <<<"$(flags "$name")"
  start_redis "$tag"
  server_pids=()
  server_addrs=()
  for k in $(seq "$n"); do start_server "$work/$tag/server-$k.log"; done
  local addrs
  addrs="$(IFS=,; echo "${server_addrs[*]}")"
  echo "== $name, $n server(s): chatty bench --addr $addrs ${bench_flags[*]}" >&2
  local before=() pid
  for pid in "${server_pids[@]}" "$redis_pid"; do before+=("$(ticks "$pid")"); done
  local json="$work/$tag/report.json" started ended
  started="$(date +%s.%N)"
  # The bench's CPU: the children's time of a shell that waited for it.
  bash -c '"$@"; status=$?; read -r -a s </proc/$$/stat; echo $((s[15] + s[16])) >"$0"; exit $status' \
    "$work/$tag/bench.ticks" "$chatty" bench --addr "$addrs" --json \
    --warmup "$WARMUP" --duration "$WINDOW" "${bench_flags[@]}" \
    >"$json" 2>"$work/$tag/bench.progress" || true
  ended="$(date +%s.%N)"
  local cpu=() i=0 gone=""
  for pid in "${server_pids[@]}" "$redis_pid"; do
    kill -0 "$pid" 2>/dev/null || gone="$gone, process $pid exited during the run"
    cpu+=($(($(ticks "$pid") - before[i])))
    i=$((i + 1))
  done
  stop_all
  local log
  for log in "$work/$tag"/server-*.log; do
    while IFS= read -r line; do odd+=("$tag $(basename "$log"): $line"); done \
      < <(grep -E ' (WARN|ERROR) ' "$log" || true)
  done
  if [ ! -s "$json" ]; then
    rows+=("| $name | $n | $round | failed: $(tail -1 "$work/$tag/bench.progress") |||||||||||||||")
    return
  fi
  local clients delivered expected share wall redis_cpu bench_cpu each=() per_m=() total=0
  clients="$(field "$json" clients)"
  delivered="$(field "$json" delivered)"
  expected="$(field "$json" expected)"
  share="-"
  [ "${expected:-0}" != 0 ] && share="$(awk -v d="$delivered" -v e="$expected" 'BEGIN { printf "%.2f", 100 * d / e }')"
  wall="$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')"
  redis_cpu="${cpu[n]}"
  bench_cpu="$(cat "$work/$tag/bench.ticks" 2>/dev/null || echo 0)"
  for k in $(seq 0 $((n - 1))); do
    # Server k has clients k, k+n, k+2n...: its share of the deliveries.
    local mine=$(((clients - k + n - 1) / n))
    each+=("$(seconds "${cpu[k]}")")
    per_m+=("$(awk -v t="${cpu[k]}" -v hz="$hz" -v d="$delivered" -v m="$mine" -v c="$clients" \
      'BEGIN { if (d > 0) printf "%.2f", t / hz / (d * m / c / 1e6); else print "-" }')")
    total=$((total + cpu[k]))
  done
  local all_per_m
  all_per_m="$(awk -v t="$total" -v hz="$hz" -v d="$delivered" 'BEGIN { if (d > 0) printf "%.2f", t / hz / (d / 1e6); else print "-" }')"
  local notes="${gone#, }"
  [ "$(field "$json" connected)" != "$clients" ] && notes="connected $(field "$json" connected) of $clients"
  [ "$(field "$json" error)" != null ] && notes="$notes; $(field "$json" error)"
  [ "$(field "$json" first_error)" != null ] && notes="$notes; first client error: $(field "$json" first_error)"
  notes="${notes#; }"
  local redis_share redis_per_line
  redis_share="$(awk -v t="$redis_cpu" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.0f", 100 * t / hz / w }')"
  # Redis CPU per room line ordered (every line sent was ordered once).
  redis_per_line="$(awk -v t="$redis_cpu" -v hz="$hz" -v e="$expected" -v c="$clients" \
    'BEGIN { if (e > 0) printf "%.1f", 1e6 * t / hz / (e / c); else print "-" }')"
  figures+=("$name $n $(field "$json" deliveries_per_s) $(field "$json" achieved_per_s) $(field "$json" latency_p99_ms) $all_per_m $redis_share $redis_per_line")
  rows+=("| $name | $n | $round | $(num "$(field "$json" deliveries_per_s)") | $(num "$(field "$json" achieved_per_s)") | $(num "$(field "$json" latency_p50_ms)" 2) | $(num "$(field "$json" latency_p99_ms)" 2) | $share | $(field "$json" gaps) | $(field "$json" skipped_lines) | $wall | $(IFS=/; echo "${each[*]}" | sed 's|/| / |g') | $(seconds "$redis_cpu") ($redis_share %) | $redis_per_line | $(seconds "$bench_cpu") | $(IFS=/; echo "${per_m[*]}" | sed 's|/| / |g') | $all_per_m | $notes |")
}

for round in $(seq "$REPEAT"); do
  for s in "${scenarios[@]}"; do
    flags "$s" >/dev/null
    for n in $SERVERS; do run "$s" "$n"; done
  done
done

# Median and spread of one figure (column 3 to 7) of a scenario and size.
stat() {
  printf '%s\n' "${figures[@]}" | awk -v s="$1" -v n="$2" -v col="$3" '
    $1 == s && $2 == n && $col != "null" && $col != "-" && $col != "" { v[++k] = $col }
    END {
      if (k == 0) { print "- - -"; exit }
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      m = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
      print m, v[1], v[k]
    }'
}

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), window $WINDOW after $WARMUP warmup, $(redis-server --version | grep -o 'v=[0-9.]*')"
echo
echo "CPU seconds are over the whole bench run (connect, settle, warmup, window, drain), as are the deliveries they are divided by (\`delivered\`, a server's share by its clients); deliveries/s, lines/s and latency are the window's."
echo
echo "| scenario | servers | run | deliveries/s | lines/s | p50 ms | p99 ms | delivered % | gaps | skipped | run s | CPU s each server | CPU s Redis (% of a core) | Redis CPU µs per line | CPU s bench | server CPU s per M deliveries, each | all servers CPU s per M deliveries | notes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| scenario | servers | deliveries/s (min-max) | lines/s | p99 ms (min-max) | all servers CPU s per M deliveries | Redis % of a core |"
echo "|---|---|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
  for n in $SERVERS; do
    read -r d dmin dmax <<<"$(stat "$s" "$n" 3)"
    read -r l _ _ <<<"$(stat "$s" "$n" 4)"
    read -r p pmin pmax <<<"$(stat "$s" "$n" 5)"
    read -r c _ _ <<<"$(stat "$s" "$n" 6)"
    read -r r _ _ <<<"$(stat "$s" "$n" 7)"
    echo "| $s | $n | $(num "$d") ($(num "$dmin")-$(num "$dmax")) | $(num "$l") | $(num "$p" 2) ($(num "$pmin" 2)-$(num "$pmax" 2)) | $(num "$c" 2) | $(num "$r") |"
  done
done
ceiling="$(printf '%s\n' "${figures[@]}" | awk '$1 == "ceiling" && $4 != "null" && $4 > best { best = $4; line = $0 } END { print line }')"
if [ -n "$ceiling" ]; then
  read -r _ n _ lines _ _ redis per_line <<<"$ceiling"
  echo
  echo "Ceiling of one Redis: at most $(num "$lines") room lines/s ordered here ($(flags ceiling), $n server(s)), Redis using $redis % of a core over that run, $per_line µs of its CPU per line: a Redis with a core of its own would order about $(awk -v u="$per_line" 'BEGIN { printf "%.0f", 1e6 / u }') lines/s at that cost."
fi
if [ ${#odd[@]} -gt 0 ]; then
  echo
  echo "Warnings and errors in the servers' logs (${#odd[@]}):"
  printf '    %s\n' "${odd[@]:0:40}"
fi
echo "reports and logs: $work" >&2
