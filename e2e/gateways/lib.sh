# Shared by the gateway e2e scripts (sourced): the binary, processes started
# and stopped by pid, free ports, requests, checks.
#   needs: REPO, WORK set by the caller.

PIDS=()
FAILURES=0

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}

fatal() {
  echo "FATAL: $*" >&2
  for log in "$WORK"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $log (last 20 lines)" >&2
    tail -n 20 "$log" >&2
  done
  exit 1
}

sesame_binary() {
  if [ -z "${SESAME_BIN:-}" ]; then
    (cd "$REPO" && cargo build -q -p sesame-server --bin sesame)
    SESAME_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/sesame"
  fi
  [ -x "$SESAME_BIN" ] || fatal "no executable at SESAME_BIN=$SESAME_BIN"
  SESAME_BIN=$(readlink -f "$SESAME_BIN")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_sesame NAME DATABASE_URL [CONFIG]: `sesame serve` on a free port,
# run from $WORK/NAME; sets SESAME_PORT, SESAME_PID and (on a first start)
# ROOT_KEY.
start_sesame() {
  local name=$1 url=$2 config=${3:-}
  local dir="$WORK/$name"
  mkdir -p "$dir"
  (
    cd "$dir"
    export SESAME__SERVER__BIND=127.0.0.1:0 SESAME__DATABASE__URL="$url" SESAME__SERVER__WORKERS=2
    export SESAME__USAGE__FLUSH_INTERVAL_MS=200 RUST_LOG=warn,sesame=info NO_COLOR=1
    if [ -n "$config" ]; then
      exec "$SESAME_BIN" --config "$config" serve >"$dir/stdout.log" 2>"$WORK/$name.log"
    else
      exec "$SESAME_BIN" serve >"$dir/stdout.log" 2>"$WORK/$name.log"
    fi
  ) &
  SESAME_PID=$!
  PIDS+=("$SESAME_PID")
  SESAME_PORT=
  for _ in $(seq 1 300); do
    kill -0 "$SESAME_PID" 2>/dev/null || fatal "sesame ($name) exited before listening"
    SESAME_PORT=$(sed -nE 's#.*listening on http://[^ ]*:([0-9]+).*#\1#p' "$WORK/$name.log" 2>/dev/null | head -n 1 || true)
    [ -n "$SESAME_PORT" ] && break
    sleep 0.1
  done
  [ -n "$SESAME_PORT" ] || fatal "sesame ($name) did not log 'listening on' within 30 s"
  local root
  root=$(awk '$1 == "secret:" { print $2; exit }' "$dir/stdout.log" 2>/dev/null || true)
  [ -n "$root" ] && ROOT_KEY=$root
  return 0
}

# wait_http URL: until it answers at all (any status).
wait_http() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  fatal "$1 did not answer within 10 s"
}

# req [curl options…] URL: sets STATUS; the body is in $WORK/body, the
# response headers in $WORK/headers.
req() {
  STATUS=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 10 "$@") || STATUS=000
}

# json FIELD_PATH: reads the last body as JSON; prints the value at the
# Python expression `body<path>`, e.g. json '["data"]["id"]'.
json() {
  python3 -c 'import json, sys; v = eval("json.load(open(sys.argv[1]))" + sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' "$WORK/body" "$1"
}

header() {
  tr -d '\r' <"$WORK/headers" | awk -v name="$(echo "$1" | tr 'A-Z' 'a-z')" 'BEGIN { FS = ": " } tolower($1) == name { sub(/^[^:]*: /, ""); print; exit }'
}

# check DESCRIPTION EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then
    echo "  ok    $1"
  else
    echo "  FAIL  $1: expected $2, got $3" >&2
    [ -f "$WORK/body" ] && echo "        body: $(head -c 400 "$WORK/body")" >&2
    FAILURES=$((FAILURES + 1))
  fi
}

# A well-formed key (right prefix and checksum) that was never issued: it
# reaches the stored-hash check and is charged to the failure budgets.
unissued_key() {
  python3 - <<'PY'
import os, zlib
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
prefix = "sk_live_"
lookup, secret = os.urandom(16), os.urandom(32)
body = lookup + secret + zlib.crc32(prefix.encode() + lookup + secret).to_bytes(4, "big")
n = int.from_bytes(body, "big")
out = ""
while n:
    n, r = divmod(n, 58)
    out = ALPHABET[r] + out
out = "1" * (len(body) - len(body.lstrip(b"\0"))) + out
print(prefix + out)
PY
}
