#!/usr/bin/env bash
# Load benchmark of the verification hot path, on loopback, in one run:
#   (a) POST /developers/api_keys/verify with a valid, cached key
#   (b) GET /developers/api_keys/{id}, authenticated by a cached key
#   (c) sesame-baseline: a minimal actix-web JSON handler (the stack's ceiling)
#   and, with LIMITS=1 (default), (a) for a key with a rate limit counted in
#   memory, the same key on a second instance counting in Redis
#   (limits.store = "redis", Redis on 127.0.0.1:6379), and a key with credits
#   (d) GET /gateway/auth (forward auth) with a valid, cached key in X-API-Key
#   (e) sesame-baseline's bare GET handler, the ceiling (d) is a ratio of
#   (h) sesame-baseline's GET that answers what (d) answers (the identity
#       headers, made at compile time) to the same request, checking nothing:
#       what the protocol's answer alone costs, so (d)/(h) is Sesame's own share
#   (f) nginx proxying to (e), and (g) the same with auth_request to Sesame
# with 1,000 and then 1,000,000 keys stored, and the resident memory of the
# server with 1,000,000 keys stored and 100,000 distinct keys in its cache.
# Results go to stdout and bench/results/; docs/benchmarks.md quotes them.
#
#   bash bench/load.sh     # DURATION=10s ROUNDS=5 CONNECTIONS=32 THREADS=2 BIG=1000000 CACHED=100000
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
BIG=${BIG:-1000000}
CACHED=${CACHED:-100000}
# Overridable, for a machine where another run holds them.
PORT=${PORT:-18080}
BASE_PORT=${BASE_PORT:-18081}
NGINX_PLAIN_PORT=${NGINX_PLAIN_PORT:-18082}
NGINX_AUTH_PORT=${NGINX_AUTH_PORT:-18083}

if ! command -v wrk >/dev/null || ! { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }; then
  apt-get update -qq && apt-get install -y -qq wrk nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
python3 -c "import argon2" 2>/dev/null || pip install -q argon2-cffi

cargo build --release -p sesame-server --bins

WORK=$(mktemp -d)
mkdir -p bench/results
RESULTS="bench/results/$(date -u +%Y-%m-%dT%H%M%SZ).txt"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }
log() { echo "$*" | tee -a "$RESULTS"; }

log "# Sesame load benchmark $(date -u +%FT%TZ)"
log "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print $2/1048576 " GiB"}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, server workers: 2"

export SESAME__DATABASE__URL="sqlite://$WORK/sesame.db?mode=rwc"
export SESAME__SERVER__BIND="127.0.0.1:$PORT"
export SESAME__SERVER__WORKERS=2
export SESAME__CACHE__MAX_ENTRIES=$((CACHED * 2))
export SESAME__CACHE__TTL_SECS=3600
export RUST_LOG=warn
target/release/sesame >"$WORK/out.txt" 2>"$WORK/err.txt" &
SESAME=$!; PIDS+=("$SESAME")
BASELINE_BIND="127.0.0.1:$BASE_PORT" BASELINE_WORKERS=2 target/release/sesame-baseline &
BASELINE=$!; PIDS+=("$BASELINE")
wait_port $PORT; wait_port $BASE_PORT
# The port is bound before the database is set up: wait for the banner too.
for _ in $(seq 1 100); do grep -q 'secret:' "$WORK/out.txt" && break; sleep 0.1; done
ROOT=$(awk '/secret:/ {print $2}' "$WORK/out.txt")

KEY_JSON=$(curl -sf -X POST "http://127.0.0.1:$PORT/developers/api_keys" -H "Authorization: Bearer $ROOT" \
  -H 'Content-Type: application/json' -d '{"label":"bench","scopes":["api_keys.read"]}')
KEY_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])' <<<"$KEY_JSON")
KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])' <<<"$KEY_JSON")

# (a) and (c) receive the same request body.
cat >"$WORK/verify.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"key":"$KEY","required_scopes":["api_keys.read"]}'
wrk.headers["Content-Type"] = "application/json"
LUA
cat bench/report.lua >>"$WORK/verify.lua"
cp "$WORK/verify.lua" "$WORK/baseline.lua"
cat >"$WORK/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
cat bench/report.lua >>"$WORK/get.lua"

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# With a server's pid, also the CPU time it spent per request (server_cpu_us):
# steadier than requests/s, which swings with where the scheduler puts wrk's
# and the server's threads on two cores.
run() { # name url script [server-pid]
  local line before
  [ -n "${4:-}" ] && before=$(cpu_ticks "$4")
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$2" | grep '^RESULT' | sed 's/^RESULT //')
  if [ -n "${4:-}" ]; then
    line=$(python3 -c 'import json,sys,os
r = json.loads(sys.argv[1])
r["server_cpu_us"] = round((int(sys.argv[2]) - int(sys.argv[3])) * 1e6 / os.sysconf("SC_CLK_TCK") / r["requests"], 2)
print(json.dumps(r, separators=(",", ":")))' "$line" "$(cpu_ticks "$4")" "$before")
  fi
  log "$1 $line"
  LAST_RPS=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rps"])' "$line")
  LAST_CPU=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("server_cpu_us", 0))' "$line")
}

# ROUNDS alternating pairs of (c) and (a), (b) once, and the ratios of each
# round: the machine is noisy, so a ratio is only taken within one round.
scenarios() { # label
  local ratios=() c a
  for round in $(seq 1 "$ROUNDS"); do
    run "$1 round=$round (c) baseline" "http://127.0.0.1:$BASE_PORT/verify" "$WORK/baseline.lua"; c=$LAST_RPS
    run "$1 round=$round (a) verify" "http://127.0.0.1:$PORT/developers/api_keys/verify" "$WORK/verify.lua"; a=$LAST_RPS
    ratios+=("$(python3 -c "print(round($a / $c, 3))")")
  done
  run "$1 (b) get" "http://127.0.0.1:$PORT/developers/api_keys/$KEY_ID" "$WORK/get.lua"
  log "$1 (b)/(c), last round: $(python3 -c "print(round($LAST_RPS / $c, 3))")"
  log "$1 (a)/(c) per round: ${ratios[*]}; median: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
}
rss() { awk '/VmRSS/ {print $2/1024 " MiB"}' "/proc/$SESAME/status"; }

seed() { python3 bench/seed.py --db "$WORK/sesame.db" "$@"; }
SEEDED=$(seed --keys 998)   # + root + bench key = 1,000
log "stored: $SEEDED"
# Warm both servers' caches and connections.
wrk -t1 -c4 -d2s -s "$WORK/verify.lua" "http://127.0.0.1:$PORT/developers/api_keys/verify" >/dev/null
scenarios "keys=1000"

# Usage limits: the same verify for keys carrying limits, next to (a) and
# (c) in the same round. Budgets far above what a run spends.
if [ "${LIMITS:-1}" = 1 ]; then
  REDIS_PORT=${REDIS_PORT:-18084}
  SESAME__SERVER__BIND="127.0.0.1:$REDIS_PORT" SESAME__LIMITS__STORE=redis \
    SESAME__LIMITS__REDIS_KEY_PREFIX="sesame-bench:$(date +%s):" target/release/sesame >/dev/null 2>"$WORK/redis-err.txt" &
  PIDS+=("$!")
  wait_port $REDIS_PORT
  limited_key() { # limits-json
    curl -sf -X POST "http://127.0.0.1:$PORT/developers/api_keys" -H "Authorization: Bearer $ROOT" \
      -H 'Content-Type: application/json' -d "{\"label\":\"bench\",\"scopes\":[\"api_keys.read\"],$1}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])'
  }
  RATE_KEY=$(limited_key '"rate_limits":[{"name":"default","limit":1000000000,"duration_seconds":2592000}]')
  CREDIT_KEY=$(limited_key '"credits":{"remaining":1000000000000}')
  for name in rate credit; do
    key=$RATE_KEY; [ $name = credit ] && key=$CREDIT_KEY
    cat >"$WORK/$name.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"key":"$key","required_scopes":["api_keys.read"]}'
wrk.headers["Content-Type"] = "application/json"
LUA
    cat bench/report.lua >>"$WORK/$name.lua"
  done
  for url in "http://127.0.0.1:$PORT" "http://127.0.0.1:$REDIS_PORT"; do
    wrk -t1 -c4 -d2s -s "$WORK/rate.lua" "$url/developers/api_keys/verify" >/dev/null
  done
  declare -A RATIOS=()
  for round in $(seq 1 "$ROUNDS"); do
    run "limits round=$round (c) baseline" "http://127.0.0.1:$BASE_PORT/verify" "$WORK/baseline.lua"; c=$LAST_RPS
    run "limits round=$round (a) verify, plain key" "http://127.0.0.1:$PORT/developers/api_keys/verify" "$WORK/verify.lua"
    RATIOS[plain]+=" $(python3 -c "print(round($LAST_RPS / $c, 3))")"
    run "limits round=$round (a) verify, rate limit in memory" "http://127.0.0.1:$PORT/developers/api_keys/verify" "$WORK/rate.lua"
    RATIOS[memory]+=" $(python3 -c "print(round($LAST_RPS / $c, 3))")"
    run "limits round=$round (a) verify, rate limit in Redis" "http://127.0.0.1:$REDIS_PORT/developers/api_keys/verify" "$WORK/rate.lua"
    RATIOS[redis]+=" $(python3 -c "print(round($LAST_RPS / $c, 3))")"
    run "limits round=$round (a) verify, credits" "http://127.0.0.1:$PORT/developers/api_keys/verify" "$WORK/credit.lua"
    RATIOS[credits]+=" $(python3 -c "print(round($LAST_RPS / $c, 3))")"
  done
  for kind in plain memory redis credits; do
    log "limits $kind (a)/(c) per round:${RATIOS[$kind]}; median: $(printf '%s\n' ${RATIOS[$kind]} | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
  done
fi
# (d) against (e) and (g) against (f), ROUNDS alternating pairs each; the
# key (scope api_keys.read) needs no scope here: no gateway.routes are set.
cat >"$WORK/gateway.lua" <<LUA
wrk.headers["X-API-Key"] = "$KEY"
LUA
cat bench/report.lua >>"$WORK/gateway.lua"
cp bench/report.lua "$WORK/bare.lua"
mkdir -p "$WORK/nginx-tmp"
sed -e "s#@WORK@#$WORK#g" -e "s#@SESAME_PORT@#$PORT#g" -e "s#@UPSTREAM_PORT@#$BASE_PORT#g" \
  -e "s#@PLAIN_PORT@#$NGINX_PLAIN_PORT#g" -e "s#@AUTH_PORT@#$NGINX_AUTH_PORT#g" bench/nginx-auth.conf >"$WORK/nginx.conf"
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" -g 'daemon off;' &
PIDS+=("$!")
wait_port $NGINX_PLAIN_PORT; wait_port $NGINX_AUTH_PORT
log "nginx: $("$NGINX" -v 2>&1 | cut -d/ -f2), 2 workers, in front of (e); (g) adds auth_request to Sesame"
gateway_scenarios() {
  local forward=() protocol=() own=() cpu=() e h d f g e_cpu d_cpu
  for round in $(seq 1 "$ROUNDS"); do
    run "gateway round=$round (e) bare GET" "http://127.0.0.1:$BASE_PORT/get" "$WORK/bare.lua" "$BASELINE"; e=$LAST_RPS; e_cpu=$LAST_CPU
    run "gateway round=$round (h) bare GET, the check's answer" "http://127.0.0.1:$BASE_PORT/get/identity" "$WORK/gateway.lua" "$BASELINE"; h=$LAST_RPS
    run "gateway round=$round (d) forward auth" "http://127.0.0.1:$PORT/gateway/auth" "$WORK/gateway.lua" "$SESAME"; d=$LAST_RPS; d_cpu=$LAST_CPU
    forward+=("$(python3 -c "print(round($d / $e, 3))")")
    protocol+=("$(python3 -c "print(round($h / $e, 3))")")
    own+=("$(python3 -c "print(round($d / $h, 3))")")
    cpu+=("$(python3 -c "print(round($e_cpu / $d_cpu, 3))")")
    run "gateway round=$round (f) nginx" "http://127.0.0.1:$NGINX_PLAIN_PORT/get" "$WORK/gateway.lua"; f=$LAST_RPS
    run "gateway round=$round (g) nginx+auth_request" "http://127.0.0.1:$NGINX_AUTH_PORT/get" "$WORK/gateway.lua"; g=$LAST_RPS
    proxied+=("$(python3 -c "print(round($g / $f, 3))")")
  done
  log "gateway (d)/(e) per round: ${forward[*]}; median: $(printf '%s\n' "${forward[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
  log "gateway (h)/(e) per round: ${protocol[*]}; median: $(printf '%s\n' "${protocol[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
  log "gateway (d)/(h) per round: ${own[*]}; median: $(printf '%s\n' "${own[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
  log "gateway server CPU per request, (e)'s over (d)'s, per round: ${cpu[*]}; median: $(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
  log "gateway (g)/(f) per round: ${proxied[*]}; median: $(printf '%s\n' "${proxied[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
}
wrk -t1 -c4 -d2s -s "$WORK/gateway.lua" "http://127.0.0.1:$NGINX_AUTH_PORT/get" >/dev/null
# (h) stands for (d)'s answer only if it is as long: the same headers, and
# values as long as the benchmark key's.
answer_bytes() { curl -si -H "X-API-Key: $KEY" "$1" | wc -c; }
D_BYTES=$(answer_bytes "http://127.0.0.1:$PORT/gateway/auth")
H_BYTES=$(answer_bytes "http://127.0.0.1:$BASE_PORT/get/identity")
[ "$D_BYTES" = "$H_BYTES" ] || { echo "(h) answers $H_BYTES bytes, (d) $D_BYTES: update sesame-baseline's IDENTITY_VALUES" >&2; exit 1; }
log "(d) and (h) answers: $D_BYTES bytes each"
gateway_scenarios

if [ "${SCALE:-1}" = 0 ]; then log "results: $RESULTS"; exit 0; fi

# Up to BIG keys: dummy ones (never presented), and CACHED real ones hashed
# with argon2id at cheap parameters so seeding is quick (the cache holds the
# same entries whatever the parameters), whose tokens are kept to verify.
seed --keys $((BIG - 1000 - CACHED)) >/dev/null
SEEDED=$(seed --tokens "$CACHED" --tokens-out "$WORK/tokens.txt" --argon2 8,1,1)
log "stored: $SEEDED"
log "rss with $BIG keys stored, cache nearly empty: $(rss)"
scenarios "keys=$BIG"

# Each of the CACHED real keys verified once, cold, so each sits in the cache.
python3 - "$PORT" "$WORK/tokens.txt" <<'PY' | tee -a "$RESULTS"
import http.client, json, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port)
valid = 0
start = time.time()
for token in open(path):
    conn.request("POST", "/developers/api_keys/verify", json.dumps({"key": token.strip()}),
                 {"Content-Type": "application/json"})
    body = json.loads(conn.getresponse().read())
    valid += body["data"]["code"] == "VALID"
print(f"verified {valid} distinct keys cold in {time.time() - start:.1f} s")
PY
log "rss with $BIG keys stored + $CACHED distinct keys cached: $(rss)"
log "results: $RESULTS"
