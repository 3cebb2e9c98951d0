#!/usr/bin/env bash
# Instructions per cached verify, counted by valgrind's callgrind: repeatable
# where wrk's requests per second are not (the machine is shared and noisy).
# Runs the server under callgrind twice, serving FEW and then MANY cached
# `POST /developers/api_keys/verify` requests over one keep-alive connection,
# and divides the difference of the two totals by MANY - FEW, so start-up
# (migrations, the root key's argon2id hash) cancels out. With
# SCENARIO=gateway the requests are `GET /gateway/auth` with the key in
# X-API-Key (the forward-auth check) instead; with SCENARIO=baseline they are
# sesame-baseline's bare `GET /get`, the ceiling bench/load.sh divides the
# forward-auth check by.
#
#   bash bench/instructions.sh [BINARY]     # FEW=200 MANY=6200 SCENARIO=verify; BINARY defaults to target/release/sesame
set -euo pipefail
shopt -s inherit_errexit  # a failed run inside $(…) stops the script
cd "$(dirname "$0")/.."

FEW=${FEW:-200}
MANY=${MANY:-6200}
PORT=${PORT:-18090}
SCENARIO=${SCENARIO:-verify}
case "$SCENARIO" in
  verify | gateway) BINARY=${1:-target/release/sesame} ;;
  baseline) BINARY=${1:-target/release/sesame-baseline} ;;
  *) echo "SCENARIO must be verify, gateway or baseline, not $SCENARIO" >&2; exit 2 ;;
esac

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
if [ "$#" -eq 0 ]; then cargo build --release -p sesame-server --bins; fi

WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"' EXIT

# Prints the total instructions of one server run that served $1 verifies.
total_for() {
  local n=$1 dir="$WORK/run-$1"
  mkdir -p "$dir"
  BASELINE_BIND="127.0.0.1:$PORT" BASELINE_WORKERS=1 \
    SESAME__DATABASE__URL="sqlite://$dir/sesame.db?mode=rwc" SESAME__SERVER__BIND="127.0.0.1:$PORT" \
    SESAME__SERVER__WORKERS=1 RUST_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" "$BINARY" >"$dir/stdout" 2>"$dir/stderr" &
  local pid=$!
  # The port is bound before the database is set up: the banner says when
  # the root key exists, the port when the server accepts.
  local root=none
  if [ "$SCENARIO" != baseline ]; then
    for _ in $(seq 1 600); do grep -q 'secret:' "$dir/stdout" && break; sleep 0.2; done
  fi
  for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
  if [ "$SCENARIO" != baseline ]; then
    root=$(awk '/secret:/ {print $2}' "$dir/stdout")
    [ -n "$root" ] || { echo "no root key banner on the server's stdout" >&2; exit 1; }
  fi
  python3 - "$PORT" "$root" "$n" "$SCENARIO" <<'PY'
import http.client, json, sys
port, root, n, scenario = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
if scenario == "baseline":
    for _ in range(n):
        conn.request("GET", "/get")
        reply = json.loads(conn.getresponse().read())
        assert reply["code"] == "VALID", reply
    sys.exit(0)
conn.request("POST", "/developers/api_keys", json.dumps({"label": "bench", "scopes": ["api_keys.read"]}),
             {"Authorization": "Bearer " + root, "Content-Type": "application/json"})
key = json.loads(conn.getresponse().read())["data"]["secret"]
body = json.dumps({"key": key, "required_scopes": ["api_keys.read"]})
for _ in range(n):
    if scenario == "gateway":
        conn.request("GET", "/gateway/auth", headers={"X-API-Key": key, "X-Forwarded-Uri": "/products/1"})
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 200 and reply.getheader("X-Sesame-Key-Id"), (reply.status, reply.getheaders())
    else:
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
echo "binary: $BINARY, scenario: $SCENARIO"
echo "totals: $FEW requests $few, $MANY requests $many"
echo "instructions per cached $SCENARIO request: $(( (many - few) / (MANY - FEW) ))"
