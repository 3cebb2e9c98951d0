#!/usr/bin/env bash
# Cold verifies right after a restart, under each hash scheme
# (docs/decisions/0009-hash-schemes.md): KEYS distinct keys are stored,
# the server is started (its verified-key cache empty), and every key is
# verified once over CONNECTIONS connections. Reported: distinct keys
# verified per second, and the latency percentiles meanwhile. Then, after
# another restart, SERIAL keys one at a time over one connection: the
# latency of a lone cold verify (server time + loopback + client).
# The client is crates/server/benches/cold_client.rs (wrk cannot stop after
# a fixed number of requests).
# argon2id runs at the default parameters (m = 19 MiB, t = 2, p = 1).
# Results go to stdout and bench/results/; docs/benchmarks.md quotes them.
#
#   bash bench/cold_restart.sh     # KEYS=10000 CONNECTIONS=32 SERIAL=1000 ROUNDS=1
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-10000}
CONNECTIONS=${CONNECTIONS:-32}
SERIAL=${SERIAL:-1000}
ROUNDS=${ROUNDS:-1}
PORT=${PORT:-18095}
BINARY=${BINARY:-${CARGO_TARGET_DIR:-target}/release/sesame}
PEPPER=${PEPPER:-bench-pepper-0123456789abcdef0123456789abcdef}

python3 -c "import argon2" 2>/dev/null || pip install -q argon2-cffi
[ -n "${NO_BUILD:-}" ] || cargo build --release -p sesame-server --bin sesame
cargo bench -q -p sesame-server --bench cold_client --no-run
CLIENT=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/cold_client-* | grep -v '\.d$' | head -1)

WORK=$(mktemp -d)
mkdir -p bench/results
RESULTS="bench/results/cold-restart-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
log() { echo "$*" | tee -a "$RESULTS"; }

log "# Sesame cold-restart benchmark $(date -u +%FT%TZ)"
log "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print $2/1048576 " GiB"}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
log "binary: $BINARY; keys: $KEYS over $CONNECTIONS connections; serial: $SERIAL keys over 1 connection; server workers: 2"

start_server() { # scheme db
  local env=(SESAME__DATABASE__URL="sqlite://$2?mode=rwc" SESAME__SERVER__BIND="127.0.0.1:$PORT"
             SESAME__SERVER__WORKERS=2 SESAME__HASHING__SCHEME="$1" RUST_LOG=warn)
  [ "$1" = argon2id ] || env+=(SESAME__HASHING__PEPPER="$PEPPER")
  env "${env[@]}" "$BINARY" >"$WORK/out.txt" 2>"$WORK/err.txt" &
  SERVER=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server never became ready" >&2; cat "$WORK/err.txt" >&2; exit 1
}
stop_server() { kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""; }

cold_run() { # label connections tokens
  local line
  line=$("$CLIENT" "http://127.0.0.1:$PORT" "$3" "$2" | grep '^RESULT' | sed 's/^RESULT //')
  log "$1 $line"
}

for round in $(seq 1 "$ROUNDS"); do
  for scheme in argon2id hmac-sha256; do
    dir="$WORK/$scheme"; mkdir -p "$dir"
    # First start: migrations and the root key; then KEYS keys stored beside it.
    start_server "$scheme" "$dir/sesame.db"; stop_server
    if [ "$scheme" = argon2id ]; then
      python3 bench/seed.py --db "$dir/sesame.db" --tokens "$KEYS" --tokens-out "$dir/tokens.txt" --argon2 19456,2,1 >/dev/null
    else
      python3 bench/seed.py --db "$dir/sesame.db" --tokens "$KEYS" --tokens-out "$dir/tokens.txt" --hmac-pepper "$PEPPER" >/dev/null
    fi
    start_server "$scheme" "$dir/sesame.db"
    cold_run "round=$round scheme=$scheme cold-restart keys=$KEYS c=$CONNECTIONS" "$CONNECTIONS" "$dir/tokens.txt"
    stop_server
    start_server "$scheme" "$dir/sesame.db"
    head -n "$SERIAL" "$dir/tokens.txt" >"$dir/serial.txt"
    cold_run "round=$round scheme=$scheme serial keys=$SERIAL c=1" 1 "$dir/serial.txt"
    stop_server
    rm -rf "$dir"
  done
done
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
log "results: $RESULTS"
