#!/usr/bin/env bash
# Sesame behind real gateways: Debian's nginx (auth_request) and Caddy
# (forward_auth), each on loopback in front of an upstream that echoes the
# headers it gets, both asking one `sesame serve` (fresh SQLite file, the
# settings of sesame.toml) through /gateway/auth. Checked through each
# gateway: a valid key reaches the upstream with its identity; a client's own
# X-Sesame-Organization-Id is replaced; an unknown key is 401; a scope missing
# by route rule is 403; the IP allow list is checked against the client
# address from the gateway's X-Forwarded-For (never the gateway's, never one
# the client wrote); a revoked key stops at once; a flood of bad keys gets
# 429 while another client behind the same gateway still gets in; nginx keeps
# its connections to Sesame open across allowed checks; and with Sesame
# stopped, nothing gets through.
#
#   bash e2e/gateways/run.sh                 # builds target/debug/sesame first
#   SESAME_BIN=path/to/sesame bash e2e/gateways/run.sh
#
# Installs Debian's nginx and caddy when missing (needs root). The clients
# bind to 127.0.0.3 and up (curl --interface): loopback addresses other than
# the gateways' 127.0.0.1, so Sesame can tell a client from its proxy.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d -t sesame-gateways.XXXXXX)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
trap cleanup EXIT

# --- tools
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v caddy >/dev/null || missing+=(caddy)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || fatal "${missing[*]} not installed; run as root or: apt-get install -y ${missing[*]}"
  echo "installing Debian's ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -V 2>&1 | grep -q -- --with-http_auth_request_module || fatal "this nginx has no auth_request module"
command -v curl >/dev/null || fatal "curl is needed"
command -v ss >/dev/null || fatal "ss (iproute2) is needed"
sesame_binary

# --- the upstream, Sesame, the gateways
UPSTREAM_PORT=$(free_port)
python3 "$HERE/echo.py" "$UPSTREAM_PORT" 2>"$WORK/echo.log" &
PIDS+=($!)
start_sesame sesame "sqlite://$WORK/sesame.db?mode=rwc" "$HERE/sesame.toml"
SESAME="http://127.0.0.1:$SESAME_PORT"
[ -n "${ROOT_KEY:-}" ] || fatal "no root key banner on sesame's stdout"
wait_http "http://127.0.0.1:$UPSTREAM_PORT/"

fill() { # TEMPLATE GATEWAY_PORT → the config with its placeholders filled
  sed -e "s#@WORK@#$WORK#g" -e "s#@SESAME_PORT@#$SESAME_PORT#g" -e "s#@UPSTREAM_PORT@#$UPSTREAM_PORT#g" \
    -e "s#@GATEWAY_PORT@#$2#g" "$1"
}

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx-tmp"
fill "$HERE/nginx.conf" "$NGINX_PORT" >"$WORK/nginx.conf"
"$NGINX" -t -q -c "$WORK/nginx.conf" -e "$WORK/nginx.log" 2>>"$WORK/nginx.log" || fatal "nginx rejects its configuration"
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx.log" -g 'daemon off;' 2>>"$WORK/nginx.log" &
PIDS+=($!)

CADDY_PORT=$(free_port)
fill "$HERE/Caddyfile" "$CADDY_PORT" >"$WORK/Caddyfile"
HOME="$WORK" XDG_DATA_HOME="$WORK" XDG_CONFIG_HOME="$WORK" \
  caddy run --adapter caddyfile --config "$WORK/Caddyfile" >"$WORK/caddy.log" 2>&1 &
PIDS+=($!)

wait_http "http://127.0.0.1:$NGINX_PORT/"
wait_http "http://127.0.0.1:$CADDY_PORT/"
echo "sesame $SESAME, echo upstream :$UPSTREAM_PORT, nginx :$NGINX_PORT, caddy :$CADDY_PORT (work dir $WORK)"

# --- keys, made with the root key
# create_key BODY: prints "id secret"
create_key() {
  req -X POST "$SESAME/developers/api_keys" -H "Authorization: Bearer $ROOT_KEY" -H 'Content-Type: application/json' -d "$1"
  [ "$STATUS" = 201 ] || fatal "creating a key answered $STATUS: $(cat "$WORK/body")"
  echo "$(json '["data"]["id"]') $(json '["data"]["secret"]')"
}
ORGANIZATION=$(awk '$1 == "organization:" { print $2; exit }' "$WORK/sesame/stdout.log")
[ -n "$ORGANIZATION" ] || fatal "no organization on sesame's banner"

# --- the checks, through one gateway
# through NAME BASE FLOOD_CLIENT OTHER_CLIENT
through() {
  local name=$1 base=$2 flood=$3 other=$4
  echo "== $name ($base)"
  local id secret
  read -r id secret < <(create_key '{"label": "reader", "scopes": ["products.read"]}')

  req --interface 127.0.0.3 -H "Authorization: Bearer $secret" -H 'X-Sesame-Organization-Id: org_forged' "$base/products/7?x=1"
  check "$name: a valid key reaches the upstream" 200 "$STATUS"
  check "$name: the upstream got the request" "/products/7?x=1" "$(json '["path"]')"
  check "$name: the upstream got the key id" "[\"$id\"]" "$(json '["headers"]["x-sesame-key-id"]')"
  check "$name: the upstream got the key's scopes" '["products.read"]' "$(json '["headers"]["x-sesame-scopes"]')"
  check "$name: the upstream got the environment" '["live"]' "$(json '["headers"]["x-sesame-environment"]')"
  local org
  org=$(json '["headers"]["x-sesame-organization-id"]')
  check "$name: a client-sent X-Sesame-Organization-Id is replaced by the key's" "[\"$ORGANIZATION\"]" "$org"

  req --interface 127.0.0.3 -H "X-API-Key: $secret" "$base/products/7"
  check "$name: the key in X-API-Key works too" 200 "$STATUS"

  req --interface 127.0.0.3 "$base/products/7"
  check "$name: no key is 401" 401 "$STATUS"

  req --interface 127.0.0.3 -H "Authorization: Bearer $(unissued_key)" "$base/products/7"
  check "$name: an unknown key is 401" 401 "$STATUS"
  check "$name: … with an RFC 6750 challenge" 'Bearer realm="sesame", error="invalid_token"' "$(header www-authenticate)"

  req --interface 127.0.0.3 -X POST -H "Authorization: Bearer $secret" "$base/products/7"
  check "$name: POST /products/** without products.create is 403 (route rule)" 403 "$STATUS"

  local office_id office
  read -r office_id office < <(create_key '{"label": "office", "scopes": ["products.read"], "ip_allow_list": ["127.0.0.3"]}')
  req --interface 127.0.0.3 -H "Authorization: Bearer $office" "$base/products/7"
  check "$name: a key used from its allowed address (from X-Forwarded-For) gets in" 200 "$STATUS"
  req --interface 127.0.0.4 -H "Authorization: Bearer $office" "$base/products/7"
  check "$name: the same key from another client address is 403" 403 "$STATUS"
  req --interface 127.0.0.4 -H "Authorization: Bearer $office" -H 'X-Forwarded-For: 127.0.0.3' "$base/products/7"
  check "$name: … even when that client writes the allowed address into X-Forwarded-For" 403 "$STATUS"
  local gw_id gw
  read -r gw_id gw < <(create_key '{"label": "gateway only", "scopes": ["products.read"], "ip_allow_list": ["127.0.0.1"]}')
  req --interface 127.0.0.3 -H "Authorization: Bearer $gw" "$base/products/7"
  check "$name: the gateway's own address is never taken for the client's" 403 "$STATUS"

  local rid revoked
  read -r rid revoked < <(create_key '{"label": "to revoke", "scopes": ["products.read"]}')
  req --interface 127.0.0.3 -H "Authorization: Bearer $revoked" "$base/products/7"
  check "$name: a key about to be revoked gets in (and is cached)" 200 "$STATUS"
  req -X DELETE "$SESAME/developers/api_keys/$rid" -H "Authorization: Bearer $ROOT_KEY"
  [ "$STATUS" = 200 ] || fatal "revoking answered $STATUS"
  req --interface 127.0.0.3 -H "Authorization: Bearer $revoked" "$base/products/7"
  check "$name: a revoked key stops at once" 401 "$STATUS"

  local statuses=() i
  for i in $(seq 1 8); do
    req --interface "$flood" -H "Authorization: Bearer $(unissued_key)" "$base/products/7"
    statuses+=("$STATUS")
  done
  check "$name: a flood of bad keys from one client ends in 429 (${statuses[*]})" 429 "${statuses[-1]}"
  check "$name: … with Retry-After" yes "$([ -n "$(header retry-after)" ] && echo yes || echo no)"
  local fresh_id fresh
  read -r fresh_id fresh < <(create_key '{"label": "fresh", "scopes": ["products.read"]}')
  req --interface "$other" -H "Authorization: Bearer $fresh" "$base/products/7"
  check "$name: meanwhile another client's uncached key behind the same gateway gets in" 200 "$STATUS"
}

through nginx "http://127.0.0.1:$NGINX_PORT" 127.0.0.20 127.0.0.21

# Each connection to Sesame closed leaves a socket in TIME-WAIT, on Sesame's
# side or nginx's, whichever closed first. nginx reads only the head of an
# auth answer: with a body to skip it would drop the connection after every
# check.
sesame_time_wait() {
  ss -tan state time-wait "( sport = :$SESAME_PORT or dport = :$SESAME_PORT )" | tail -n +2 | wc -l
}
read -r _ kept < <(create_key '{"label": "keepalive", "scopes": ["products.read"]}')
before=$(sesame_time_wait)
for _ in $(seq 1 40); do
  req --interface 127.0.0.3 -H "Authorization: Bearer $kept" "http://127.0.0.1:$NGINX_PORT/products/7"
  [ "$STATUS" = 200 ] || fatal "a keepalive check through nginx answered $STATUS"
done
closed=$(( $(sesame_time_wait) - before ))
check "nginx keeps its connections to Sesame over 40 allowed checks (closed: $closed)" yes "$([ "$closed" -le 2 ] && echo yes || echo no)"
through caddy "http://127.0.0.1:$CADDY_PORT" 127.0.0.22 127.0.0.23

echo "== Sesame itself"
read -r _ office < <(create_key '{"label": "direct", "scopes": [], "ip_allow_list": ["198.51.100.0/24"]}')
req --interface 127.0.0.3 -H "Authorization: Bearer $office" -H 'X-Forwarded-For: 198.51.100.7' "$SESAME/gateway/auth"
check "X-Forwarded-For from a peer that is not a trusted proxy is ignored" 403 "$STATUS"

echo "== Sesame stopped: the gateways fail closed"
read -r _ valid < <(create_key '{"label": "while down", "scopes": ["products.read"]}')
kill "$SESAME_PID"
for _ in $(seq 1 50); do kill -0 "$SESAME_PID" 2>/dev/null || break; sleep 0.1; done
req --interface 127.0.0.3 -H "Authorization: Bearer $valid" "http://127.0.0.1:$NGINX_PORT/products/7"
check "nginx refuses every request while Sesame is down (500)" 500 "$STATUS"
req --interface 127.0.0.3 -H "Authorization: Bearer $valid" "http://127.0.0.1:$CADDY_PORT/products/7"
check "caddy refuses every request while Sesame is down (502)" 502 "$STATUS"

if [ "$FAILURES" -gt 0 ]; then
  KEEP_WORK=1
  fatal "$FAILURES gateway checks failed"
fi
echo "gateways: every check passed"
