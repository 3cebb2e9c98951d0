#!/usr/bin/env bash
# Instructions per cached verify, counted by valgrind's callgrind: repeatable
# where wrk's requests per second are not (the machine is shared and noisy).
# Runs the server under callgrind twice, serving FEW and then MANY cached
# `POST /developers/api_keys/verify` requests over one keep-alive connection,
# and divides the difference of the two totals by MANY - FEW, so start-up
# (migrations, the root key's argon2id hash) cancels out.
#
#   bash bench/instructions.sh [BINARY]     # FEW=200 MANY=6200; BINARY defaults to target/release/sesame
set -euo pipefail
shopt -s inherit_errexit  # a failed run inside $(…) stops the script
cd "$(dirname "$0")/.."

FEW=${FEW:-200}
MANY=${MANY:-6200}
BINARY=${1:-target/release/sesame}
PORT=${PORT:-18090}

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
if [ "$#" -eq 0 ]; then cargo build --release -p sesame-server --bin sesame; fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Prints the total instructions of one server run that served $1 verifies.
total_for() {
  local n=$1 dir="$WORK/run-$1"
  mkdir -p "$dir"
  SESAME__DATABASE__URL="sqlite://$dir/sesame.db?mode=rwc" SESAME__SERVER__BIND="127.0.0.1:$PORT" \
    SESAME__SERVER__WORKERS=1 RUST_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" "$BINARY" >"$dir/stdout" 2>"$dir/stderr" &
  local pid=$!
  # The port is bound before the database is set up: the banner says when
  # the root key exists, the port when the server accepts.
  for _ in $(seq 1 600); do grep -q 'secret:' "$dir/stdout" && break; sleep 0.2; done
  for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
  local root
  root=$(awk '/secret:/ {print $2}' "$dir/stdout")
  [ -n "$root" ] || { echo "no root key banner on the server's stdout" >&2; exit 1; }
  python3 - "$PORT" "$root" "$n" <<'PY'
import http.client, json, sys
port, root, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
conn.request("POST", "/developers/api_keys", json.dumps({"label": "bench", "scopes": ["api_keys.read"]}),
             {"Authorization": "Bearer " + root, "Content-Type": "application/json"})
key = json.loads(conn.getresponse().read())["data"]["secret"]
body = json.dumps({"key": key, "required_scopes": ["api_keys.read"]})
for _ in range(n):
    conn.request("POST", "/developers/api_keys/verify", body, {"Content-Type": "application/json"})
    reply = json.loads(conn.getresponse().read())
    assert reply["data"]["code"] == "VALID", reply
PY
  kill -TERM "$pid"
  wait "$pid" || true
  awk '/^totals:/ {print $2}' "$dir/callgrind.out"
}

few=$(total_for "$FEW")
many=$(total_for "$MANY")
echo "binary: $BINARY"
echo "totals: $FEW verifies $few, $MANY verifies $many"
echo "instructions per cached verify: $(( (many - few) / (MANY - FEW) ))"
