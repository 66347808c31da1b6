#!/usr/bin/env bash
# The deploy check (`make deploy-check`, run by .ci/run): Django's production checklist,
# `manage.py check --deploy --fail-level WARNING`, with DEBUG off and the production example
# environment of deploy/env.production.example: no warning may remain.
# The file is read like docker compose reads an env_file (KEY=VALUE per line, # comments), and
# only its variables are set: nothing of the caller's environment (or a developer's DEBUG=1)
# leaks in. Paths are moved to a temporary folder so that the check writes nothing outside it.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_FILE=${ENV_FILE:-deploy/env.production.example}
PY=${PY:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t vars < <("$PY" - "$ENV_FILE" <<'PYEOF'
import sys
for raw in open(sys.argv[1], encoding="utf-8"):
    line = raw.strip()
    if line and not line.startswith("#") and "=" in line:
        key, value = line.split("=", 1)
        print(f"{key.strip()}={value.strip()}")
PYEOF
)

echo "deploy check with ${ENV_FILE} (${#vars[@]} variables)"
# .env beside manage.py is read by the settings for variables not set here; the example sets
# every variable that matters for the check, so a developer's .env cannot weaken it.
env -i PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8 "${vars[@]}" \
  STATIC_ROOT="$tmp/static" MEDIA_ROOT="$tmp/media" CRM_VAR_DIR="$tmp/var" \
  timeout 120 "$PY" manage.py check --deploy --fail-level WARNING
