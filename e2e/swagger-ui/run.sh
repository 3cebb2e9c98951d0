#!/usr/bin/env bash
# Swagger UI used as a person uses it, in headless Chromium (Debian's package),
# against the real `sesame serve` on a fresh SQLite file and a free port.
#
#   bash e2e/swagger-ui/run.sh                 # builds target/debug/sesame first
#   SESAME_BIN=path/to/sesame bash e2e/swagger-ui/run.sh
#
# Installs Debian's chromium when it is missing (needs root) and the pinned
# playwright-core with `npm ci`. Exits non-zero when the browser test fails;
# a screenshot of each failing step and the server's log are then left in
# target/e2e-artifacts/swagger-ui/ (or $ARTIFACTS_DIR), printed in the output.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ARTIFACTS="${ARTIFACTS_DIR:-${CARGO_TARGET_DIR:-$REPO/target}/e2e-artifacts/swagger-ui}"

# --- tools: Chromium (Debian) and playwright-core (npm, pinned in package-lock.json)
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "FATAL: chromium is not installed; run as root or: apt-get install -y --no-install-recommends chromium" >&2
    exit 1
  fi
  echo "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)

# --- the binary
if [ -z "${SESAME_BIN:-}" ]; then
  (cd "$REPO" && cargo build -q -p sesame-server --bin sesame)
  SESAME_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/sesame"
fi
[ -x "$SESAME_BIN" ] || { echo "FATAL: no executable at SESAME_BIN=$SESAME_BIN" >&2; exit 1; }
SESAME_BIN=$(readlink -f "$SESAME_BIN") # the server runs from a temp dir

# --- the server: empty SQLite file, port 0 (the OS picks a free one, read back from the log)
WORK=$(mktemp -d -t sesame-swagger-ui.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
server_logs() {
  mkdir -p "$ARTIFACTS"
  cp "$WORK/stderr.log" "$ARTIFACTS/server.stderr.log" 2>/dev/null || true
  echo "--- sesame's log (last 30 lines; whole log in $ARTIFACTS/server.stderr.log)" >&2
  tail -n 30 "$WORK/stderr.log" >&2 || true
}
fail() { echo "FATAL: $*" >&2; server_logs; exit 1; }

# The logs exist before the server does: the wait below reads them at once.
: >"$WORK/stdout.log"
: >"$WORK/stderr.log"
# Run from the temp dir so that no ./sesame.toml of the caller is read.
(
  cd "$WORK"
  export SESAME__SERVER__BIND=127.0.0.1:0
  export SESAME__DATABASE__URL="sqlite://$WORK/sesame.db?mode=rwc"
  export SESAME__SERVER__WORKERS=2
  # GitHub's documented example key: leak reports are checked, and refused
  # for their signature, as neither tool can sign (docs/secret-scanning.md).
  export SESAME__SECRET_SCANNING__GITHUB_PUBLIC_KEYS_FILE="$REPO/e2e/secret-scanning/github-public-keys.json"
  export RUST_LOG=info NO_COLOR=1
  exec "$SESAME_BIN" serve >"$WORK/stdout.log" 2>"$WORK/stderr.log"
) &
SERVER_PID=$!

PORT=
for _ in $(seq 1 300); do # 30 s: migrations and bootstrap run first
  kill -0 "$SERVER_PID" 2>/dev/null || fail "sesame serve exited before listening"
  PORT=$(sed -nE 's#.*listening on http://[^ ]*:([0-9]+).*#\1#p' "$WORK/stderr.log" | head -n 1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "sesame serve did not log 'listening on' within 30 s"
export SESAME_URL="http://127.0.0.1:$PORT"

# The banner is printed once, on stdout, before the server listens.
SESAME_ROOT_KEY=$(awk '$1 == "secret:" { print $2; exit }' "$WORK/stdout.log")
case "$SESAME_ROOT_KEY" in
  sk_live_*) export SESAME_ROOT_KEY ;;
  *) cat "$WORK/stdout.log" >&2; fail "no root key banner (secret: sk_live_…) on sesame's stdout" ;;
esac

ready=
for _ in $(seq 1 100); do # 10 s
  kill -0 "$SERVER_PID" 2>/dev/null || fail "sesame serve exited"
  if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "$SESAME_URL/openapi.json"; then
    ready=1
    break
  fi
  sleep 0.1
done
[ -n "$ready" ] || fail "GET $SESAME_URL/openapi.json did not answer 200 within 10 s"
echo "sesame serving on $SESAME_URL (SQLite in $WORK); on failure, screenshots and logs go to $ARTIFACTS"

# --- the browser test
export ARTIFACTS_DIR="$ARTIFACTS"
if ! node "$HERE/swagger-ui.test.mjs"; then
  server_logs
  exit 1
fi
