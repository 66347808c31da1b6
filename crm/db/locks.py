"""The job runner's lock: PostgreSQL advisory locks (crm.db)."""

import threading
import zlib
from collections.abc import Callable
from contextlib import contextmanager

from django.db import DatabaseError, OperationalError, connection, transaction

from .vendor import logger, vendor_is_postgresql

# --- the lock ---------------------------------------------------------------------------------

# High 32 bits of the advisory lock keys, so they cannot collide with other users of the
# same PostgreSQL server who lock small integers.
LOCK_NAMESPACE = 0x43524D  # "CRM"

# Advisory locks are re-entrant within one database session: remember what this thread holds,
# so a block that (directly or not) takes the same lock again is refused as on any other
# connection.
_held = threading.local()


class LockTaken(Exception):
    pass


def advisory_lock_key(name: str) -> int:
    return (LOCK_NAMESPACE << 32) | zlib.crc32(name.encode())


def _advisory_lock_acquire(key: int, *, wait_seconds: float, refused: Exception) -> None:
    """Take the session-level advisory lock, waiting at most `wait_seconds`.

    The short wait covers a worker process that has just died: its message is redelivered at
    once (reject_on_worker_lost), a few milliseconds before the server has ended the dead
    session and released its lock. Without the wait that redelivery would be skipped.
    """
    try:
        # set_config(..., true) lasts until the end of this transaction only.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(wait_seconds * 1000)}ms"])
            cur.execute("SELECT pg_advisory_lock(%s)", [key])
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise refused from exc
        raise


@contextmanager
def exclusive_lock(
    key: int,
    *,
    wait_seconds: float,
    claim: Callable[[], bool],
    release: Callable[[], None],
    refused: Exception | None = None,
):
    """Hold an exclusive lock for the block, or raise `refused` (default LockTaken) at once.

    PostgreSQL: the advisory lock `key` (see advisory_lock_key), waiting at most `wait_seconds`.
    SQLite: `claim()` must take the caller's claim and say whether it got it; `release()` gives
    it back after the block.
    """
    refused = refused or LockTaken(key)
    if not vendor_is_postgresql():
        if not claim():
            raise refused
        try:
            yield
        finally:
            release()
        return
    held = _held.__dict__.setdefault("keys", set())
    if key in held:
        raise refused
    _advisory_lock_acquire(key, wait_seconds=wait_seconds, refused=refused)
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:
            # The connection is broken (database restarted): the lock went with it.
            logger.warning("could not release advisory lock %s; closing the connection", key)
            connection.close()
