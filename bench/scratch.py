"""A scratch copy of the bench database, for the one run of a job or import that commits.

The timed runs roll back, so they never pay what a COMMIT costs (PostgreSQL checks the
deferred foreign keys then, issue 21). One more run commits on a copy that is thrown away:
PostgreSQL `CREATE DATABASE ... TEMPLATE`, SQLite a file copy (sqlite3 backup).
"""

import contextlib
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection, connections


def _pg_admin(database: str) -> tuple[str, str]:
    parts = urlsplit(database)
    return parts.path.lstrip("/"), urlunsplit(parts._replace(path="/postgres"))


@contextlib.contextmanager
def scratch_url(database: str):
    """Yields the URL of a fresh copy of `database`; drops it afterwards.

    Every Django connection to `database` is closed first (a template must have no sessions)."""
    connections.close_all()
    parts = urlsplit(database)
    if parts.scheme.startswith("postgres"):
        import psycopg
        from psycopg import sql

        name, admin = _pg_admin(database)
        copy = f"{name}_scratch"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
            for attempt in range(10):  # an autovacuum worker may be visiting the template
                try:
                    # FILE_COPY (PostgreSQL 15+) copies a large database much faster than
                    # the default WAL_LOG; older servers only know that way anyway.
                    strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}" + strategy).format(
                            sql.Identifier(copy), sql.Identifier(name)
                        )
                    )
                    break
                except psycopg.errors.ObjectInUse:
                    if attempt == 9:
                        raise
                    time.sleep(1)
        try:
            yield urlunsplit(parts._replace(path="/" + copy))
        finally:
            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
    else:
        source = Path(parts.path)
        copy = source.with_name(source.stem + "_scratch" + source.suffix)
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        try:
            yield f"sqlite:///{copy}"
        finally:
            copy.unlink(missing_ok=True)


@contextlib.contextmanager
def on_scratch(database: str):
    """The default Django connection points at a scratch copy of `database` inside the block."""
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    with scratch_url(database) as url:
        parts = urlsplit(url)
        settings_dict["NAME"] = parts.path.lstrip("/") if parts.scheme.startswith("postgres") else parts.path
        connection.close()
        try:
            yield url
        finally:
            connection.close()
            settings_dict["NAME"] = original
