#!/usr/bin/env bash
# Generated requests against every operation of every dialect, from the
# OpenAPI document the real `sesame serve` serves on a fresh SQLite file,
# authenticated with its root key: schemathesis with every check and every
# phase (examples, coverage, fuzzing, stateful), seeded and bounded.
#
#   bash e2e/schemathesis/run.sh                # builds target/debug/sesame first
#   SESAME_BIN=path/to/sesame bash e2e/schemathesis/run.sh
#
# Installs the pinned schemathesis from PyPI into target/schemathesis-venv.
# The only exceptions to its checks are in hooks.py, each with its reason.
# Reports and the server's log: target/e2e-artifacts/schemathesis/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
ARTIFACTS="$TARGET/e2e-artifacts/schemathesis"
VENV="$TARGET/schemathesis-venv"
SEED="${SCHEMATHESIS_SEED:-20261202}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-25}"
mkdir -p "$ARTIFACTS"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "version 4.32.5$"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi

if [ -z "${SESAME_BIN:-}" ]; then
  (cd "$REPO" && cargo build -q -p sesame-server --bin sesame)
  SESAME_BIN="$TARGET/debug/sesame"
fi
SESAME_BIN=$(readlink -f "$SESAME_BIN")

WORK=$(mktemp -d -t sesame-schemathesis.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  cp "$WORK"/stderr.log "$ARTIFACTS/server.stderr.log" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FATAL: $*" >&2; tail -n 30 "$WORK/stderr.log" >&2 || true; exit 1; }

# The logs exist before the server does: the wait below reads them at once.
: >"$WORK/stdout.log"
: >"$WORK/stderr.log"
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
for _ in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "sesame serve exited before listening"
  PORT=$(sed -nE 's#.*listening on http://[^ ]*:([0-9]+).*#\1#p' "$WORK/stderr.log" | head -n 1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "sesame serve did not log 'listening on' within 30 s"
ROOT_KEY=$(awk '$1 == "secret:" { print $2; exit }' "$WORK/stdout.log")
case "$ROOT_KEY" in sk_live_*) ;; *) fail "no root key banner on sesame's stdout" ;; esac

echo "schemathesis against http://127.0.0.1:$PORT (seed $SEED, $EXAMPLES examples per operation)"
# From the temp dir, so schemathesis's cache stays out of the repository;
# hooks.py is imported through PYTHONPATH.
cd "$WORK"
SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$HERE" "$VENV/bin/schemathesis" run \
  "http://127.0.0.1:$PORT/openapi.json" \
  --header "Authorization: Bearer $ROOT_KEY" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --workers 2 \
  --request-timeout 10 \
  --no-color \
  --report junit --report-dir "$ARTIFACTS"
