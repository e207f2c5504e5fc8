#!/usr/bin/env bash
# End-to-end browser test of the agent console (paste into .ci/run):
# Debian's Chromium driven by playwright-core, against a real `quita serve`
# with embedded Redis in a temporary data dir. Screenshots go to
# e2e/artifacts/. Exits non-zero when anything fails.
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E/.." && pwd)"
ARTIFACTS="$E2E/artifacts"

if [ ! -x /usr/bin/chromium ]; then
  echo "e2e: installing Debian's chromium"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

cd "$E2E"
npm ci --no-audit --no-fund

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && go build -o "$WORK/quita" ./cmd/quita && go build -o "$WORK/seedarchive" ./e2e/seedarchive)

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
URL="http://127.0.0.1:$PORT"
AGENT_EMAIL="agente@quita.test"
AGENT_PASSWORD="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# Embedded Redis and demo data: no REDIS_URL, a fresh data dir.
unset REDIS_URL QUITA_CONFIG
export QUITA_DATA_DIR="$WORK/data" QUITA_ADDR="127.0.0.1:$PORT" QUITA_PUBLIC_URL="$URL"
export QUITA_ADMIN_TOKEN="e2e-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

# Twelve weeks of archived reminders and payments for the dashboard's recovery charts.
"$WORK/seedarchive" "$QUITA_DATA_DIR"

"$WORK/quita" serve >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  if curl -fsS "$URL/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "e2e: quita serve died:"; cat "$WORK/serve.log"; exit 1; fi
  sleep 0.2
done
curl -fsS "$URL/readyz" >/dev/null || { echo "e2e: quita serve is not ready"; tail -50 "$WORK/serve.log"; exit 1; }

QUITA_AGENT_PASSWORD="$AGENT_PASSWORD" "$WORK/quita" agents add --email "$AGENT_EMAIL" --role agent --name "Bia" >/dev/null
ADMIN_EMAIL="admin@quita.test"
ADMIN_PASSWORD="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
QUITA_AGENT_PASSWORD="$ADMIN_PASSWORD" "$WORK/quita" agents add --email "$ADMIN_EMAIL" --role admin --name "Dono" >/dev/null

rm -rf "$ARTIFACTS"; mkdir -p "$ARTIFACTS"
rc=0
QUITA_URL="$URL" AGENT_EMAIL="$AGENT_EMAIL" AGENT_PASSWORD="$AGENT_PASSWORD" ARTIFACTS="$ARTIFACTS" \
  ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" ADMIN_TOKEN="$QUITA_ADMIN_TOKEN" \
  node --test --test-reporter=spec console.test.mjs || rc=$?

if [ "$rc" -ne 0 ]; then
  echo "e2e: FAILED; last lines of quita serve's log:"
  tail -60 "$WORK/serve.log"
fi
exit "$rc"
