"""The shape style.md asks for, kept by tests (issue 15): files of ~400 lines at most, one
settings file whose every variable the README's configuration table documents."""

import re

from tests.smoke.test_deploy_files import ROOT, settings_variables

MAX_LINES = 400


def code_files():
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/", "var/")) or "/migrations/" in rel:
            continue
        yield rel, path


def test_no_code_file_passes_about_400_lines():
    long = {
        rel for rel, path in code_files() if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert long == set(), "split it into a package by subject (style.md)"
    assert "crm/settings.py" not in long


def readme_configuration() -> list[str]:
    """The names in the first column of the README's configuration table (`EMAIL_*` as is)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z][A-Z0-9_]*\*?)`", line.split("|")[1])
    return names


def matches(name: str, pattern: str) -> bool:
    return name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1]))


def test_the_readme_documents_every_variable_settings_read_and_no_other():
    read, documented = settings_variables(), readme_configuration()
    assert {"DATABASE_URL", "SECRET_KEY", "EMAIL_HOST"} <= read
    assert [n for n in sorted(read) if not any(matches(n, d) for d in documented)] == []
    make_variables = {"HOST", "PORT"}  # `make run`'s, in the same table
    stale = [d for d in documented if d not in make_variables and not any(matches(n, d) for n in read)]
    assert stale == []
