#!/usr/bin/env bash
# Fuzz the ERP API (domain §13) with schemathesis against its own OpenAPI schema: start the app
# on a loopback port with a fresh SQLite database and a seeded integration token, run every
# operation with generated input, fail on any 5xx or response that violates the schema.
# Usage: bash scripts/api-fuzz.sh   (make api-fuzz; CI step "API fuzzing"). ~1-2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
ST=${ST:-.venv/bin/schemathesis}
# A free loopback port unless one is given (a fixed one collides with another run on the machine).
PORT=${API_FUZZ_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}
MAX_EXAMPLES=${API_FUZZ_EXAMPLES:-40}
WORK=$(mktemp -d)
export DEBUG=1 CRM_VAR_DIR="$WORK" DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3" DJANGO_SETTINGS_MODULE=crm.settings
TOKEN=fuzz-$(date +%s)-$RANDOM

cleanup() { [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py integration_token api-fuzz --token "$TOKEN" >/dev/null
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/api/schema/" -o /dev/null 2>/dev/null && break
  sleep 0.5
done

"$ST" run "http://127.0.0.1:$PORT/api/schema/" \
  --header "Authorization: Token $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance \
  --max-examples "$MAX_EXAMPLES" --request-timeout 10 --suppress-health-check all --no-color \
  || { echo "--- server log"; tail -50 "$WORK/server.log"; exit 1; }
