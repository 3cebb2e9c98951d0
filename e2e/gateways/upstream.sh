#!/usr/bin/env bash
# The nginx `upstream` example of docs/deploy.md, for real: two `sesame
# serve` instances on one fresh PostgreSQL database behind Debian's nginx
# with e2e/gateways/nginx-upstream.conf (the block docs/deploy.md shows, the
# test's addresses filled in). Through nginx: a key is created and verified;
# both instances serve (and cache it); it is revoked through nginx, and then
# every verify, through nginx and on each instance, answers REVOKED.
#
#   bash e2e/gateways/upstream.sh
#   SESAME_BIN=path/to/sesame PGURL=postgres://postgres@127.0.0.1:5432 bash e2e/gateways/upstream.sh
#
# Needs PostgreSQL (a fresh database is made per run and dropped after) and
# nginx (installed from Debian when missing, as root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d -t sesame-upstream.XXXXXX)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB="sesame_e2e_$(date +%s)_$$"
drop_database() {
  cleanup
  psql "$PGURL/postgres" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap drop_database EXIT

# --- the documented block is the tested one
block=$(sed -n '/# --- begin docs\/deploy.md/,/# --- end docs\/deploy.md/p' "$HERE/nginx-upstream.conf" | sed '1d;$d' | sed 's/^    //')
[ -n "$block" ] || fatal "no marked block in nginx-upstream.conf"
python3 - "$REPO/docs/deploy.md" "$block" <<'PY' || fatal "docs/deploy.md does not show nginx-upstream.conf's block word for word"
import sys
doc, block = open(sys.argv[1]).read(), sys.argv[2]
sys.exit(0 if block in doc else 1)
PY
echo "  ok    docs/deploy.md shows the tested nginx configuration"

# --- tools and database
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  [ "$(id -u)" -eq 0 ] || fatal "nginx is not installed; run as root or: apt-get install -y nginx"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
psql "$PGURL/postgres" -qAtc 'select 1' >/dev/null || fatal "cannot reach PostgreSQL at $PGURL/postgres (set PGURL)"
psql "$PGURL/postgres" -qAtc "CREATE DATABASE $DB" >/dev/null
sesame_binary

# --- two instances, one database (the first bootstraps it)
start_sesame one "$PGURL/$DB"
ONE=$SESAME_PORT
[ -n "${ROOT_KEY:-}" ] || fatal "no root key banner from the first instance"
start_sesame two "$PGURL/$DB"
TWO=$SESAME_PORT

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx-tmp"
sed -e "s#@WORK@#$WORK#g" -e "s#10.0.0.11:8080#127.0.0.1:$ONE#" -e "s#10.0.0.12:8080#127.0.0.1:$TWO#" \
  -e "s#listen 8080;#listen 127.0.0.1:$NGINX_PORT;#" "$HERE/nginx-upstream.conf" >"$WORK/nginx-upstream.conf"
"$NGINX" -t -q -c "$WORK/nginx-upstream.conf" -e "$WORK/nginx.log" 2>>"$WORK/nginx.log" || fatal "nginx rejects the configuration"
"$NGINX" -c "$WORK/nginx-upstream.conf" -e "$WORK/nginx.log" -g 'daemon off;' 2>>"$WORK/nginx.log" &
PIDS+=($!)
PROXY="http://127.0.0.1:$NGINX_PORT"
wait_http "$PROXY/healthz"
echo "== two instances (:$ONE, :$TWO) on PostgreSQL database $DB behind nginx $PROXY"

req "$PROXY/readyz"
check "/readyz through nginx" 200 "$STATUS"

req -X POST "$PROXY/developers/api_keys" -H "Authorization: Bearer $ROOT_KEY" -H 'Content-Type: application/json' \
  -d '{"label": "through nginx", "scopes": ["products.read"]}'
check "a key is created through nginx" 201 "$STATUS"
ID=$(json '["data"]["id"]')
SECRET=$(json '["data"]["secret"]')

verify() { # BASE: prints the code
  req -X POST "$1/developers/api_keys/verify" -H 'Content-Type: application/json' -d "{\"key\": \"$SECRET\"}"
  json '["data"]["code"]'
}
check "it verifies through nginx" VALID "$(verify "$PROXY")"
check "it verifies on the first instance (now cached there)" VALID "$(verify "http://127.0.0.1:$ONE")"
check "it verifies on the second instance (now cached there)" VALID "$(verify "http://127.0.0.1:$TWO")"

req -X DELETE "$PROXY/developers/api_keys/$ID" -H "Authorization: Bearer $ROOT_KEY"
check "it is revoked through nginx" 200 "$STATUS"

# PostgreSQL notifies every instance; give them a second.
codes=()
for _ in $(seq 1 10); do
  codes=("$(verify "$PROXY")" "$(verify "$PROXY")" "$(verify "http://127.0.0.1:$ONE")" "$(verify "http://127.0.0.1:$TWO")")
  [ "${codes[*]}" = "REVOKED REVOKED REVOKED REVOKED" ] && break
  sleep 0.1
done
check "after the revocation, every verify (nginx ×2, each instance) answers REVOKED" \
  "REVOKED REVOKED REVOKED REVOKED" "${codes[*]}"

if [ "$FAILURES" -gt 0 ]; then
  KEEP_WORK=1
  fatal "$FAILURES upstream checks failed"
fi
echo "nginx upstream: every check passed"
