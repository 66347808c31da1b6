#!/usr/bin/env bash
# The smoke test of the production topology (`make smoke`, run by .ci/run): gunicorn, a Celery
# worker and a Celery beat as plain processes (what docker-compose.yml starts), against a fresh
# PostgreSQL database and a dedicated Redis database; the checks are in tests/smoke/run.py.
#
#   SMOKE_PG_URL    PostgreSQL server    (default postgres://postgres@127.0.0.1:5432)
#   SMOKE_DB_NAME   database to create   (default crm_smoke; dropped at the end)
#   SMOKE_REDIS_URL Redis database       (default redis://127.0.0.1:6379/9; flushed at both ends)
#   SMOKE_TIMEOUT   seconds for the whole run (default 270)
#
# Bounded in time (SMOKE_TIMEOUT); everything is torn down at the end, whatever happened: the
# driver does it, and the trap below again in case the driver itself was killed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export SMOKE_DIR
SMOKE_DIR=$(mktemp -d /tmp/crm-smoke.XXXXXX)

cleanup() {
  local rc=$?
  if [ -f "$SMOKE_DIR/pids" ]; then
    # each started process leads its own process group: kill what is left of those groups
    while read -r pid; do
      [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
    done <"$SMOKE_DIR/pids"
  fi
  timeout 30 "$PY" - <<'PYEOF' || echo "smoke: final clean-up of the database or Redis failed" >&2
import os, urllib.parse
import psycopg, redis
server = os.environ.get("SMOKE_PG_URL", "postgres://postgres@127.0.0.1:5432")
parts = urllib.parse.urlsplit(server)
admin = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % os.environ.get("SMOKE_DB_NAME", "crm_smoke"))
redis.Redis.from_url(os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/9"), socket_connect_timeout=5).flushdb()
PYEOF
  if [ "$rc" -ne 0 ]; then echo "smoke: logs kept in $SMOKE_DIR" >&2; else rm -rf "$SMOKE_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

timeout --kill-after=20 "${SMOKE_TIMEOUT:-270}" "$PY" -m tests.smoke.run
