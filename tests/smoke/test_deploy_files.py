"""The deployment files agree with the settings (Docker itself cannot run on the CI machine;
the topology is exercised by scripts/smoke.sh, the production settings by deploy-check)."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Read by docker compose (the db image, the project name) or by deploy/gunicorn.conf.py, not
# by the Django settings.
NOT_DJANGO = {"COMPOSE_PROJECT_NAME", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}


def settings_variables() -> set[str]:
    text = (ROOT / "crm" / "settings.py").read_text(encoding="utf-8")
    return set(
        re.findall(
            r"""[Ee]nv(?:\(\))?\.(?:str|bool|int|float|list|db|url|json)\(\s*["']([A-Z0-9_]+)["']""", text
        )
    )


def example_variables(path: Path, *, commented: bool) -> dict[str, str]:
    pattern = r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$" if commented else r"^([A-Z][A-Z0-9_]*)=(.*)$"
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "--- Production example" in line:
            break
        match = re.match(pattern, line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_env_example_lists_every_variable_of_the_settings_and_no_other():
    listed = set(example_variables(ROOT / ".env.example", commented=True))
    read = settings_variables()
    assert "CRM_VAR_DIR" in read and "DATABASE_URL" in read and "REDIS_URL" in read
    assert read - listed == set(), "missing from .env.example"
    assert listed - read == set(), "listed in .env.example but not read by crm/settings.py"


def test_production_example_sets_only_known_variables():
    production = example_variables(ROOT / "deploy" / "env.production.example", commented=False)
    assert set(production) - settings_variables() - NOT_DJANGO == set()
    assert production["DEBUG"] == "false" and production["SECURE_COOKIES"] == "true"
    assert int(production["CELERY_VISIBILITY_TIMEOUT"]) > int(production["CELERY_JOB_TIME_LIMIT"])
    assert production["DATABASE_URL"].endswith("@db:5432/" + production["POSTGRES_DB"])
    assert f":{production['POSTGRES_PASSWORD']}@" in production["DATABASE_URL"]


def test_the_active_lines_of_env_example_load(tmp_path):
    """Copying .env.example to .env (plus DEBUG=1) gives a working development set-up."""
    values = example_variables(ROOT / ".env.example", commented=False)
    env = {"PATH": "/usr/bin:/bin", **values, "DEBUG": "1", "CRM_VAR_DIR": str(tmp_path)}
    code = (
        "import json, crm.settings as s;"
        "print(json.dumps([s.DEBUG, s.CELERY_BROKER_URL, s.CELERY_TASK_TIME_LIMIT, s.SECURE_HSTS_SECONDS,"
        " s.DATABASES['default']['ENGINE'], s.SILENCED_SYSTEM_CHECKS]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        True,
        "filesystem://localhost/",
        3600,
        0,
        "django.db.backends.sqlite3",
        [],
    ]


def test_compose_runs_one_beat_and_a_redis_that_keeps_its_queue():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert len(re.findall(r'"celery", "-A", "crm", "beat"', compose)) == 1
    assert "container_name: crm-beat" in compose  # `--scale beat=2` fails
    for option in ("--appendonly", "--maxmemory-policy", "noeviction"):
        assert option in compose
    assert "service_completed_successfully" in compose  # web waits for the migrations
    assert '"127.0.0.1:8000:8000"' in compose  # only the local TLS proxy reaches gunicorn


def test_the_image_runs_as_an_unprivileged_user_with_static_files_collected():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER crm$", dockerfile, re.M)
    assert dockerfile.index("collectstatic") < dockerfile.index("USER crm")
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".git" in ignored and "var/" in ignored
