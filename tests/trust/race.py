"""Run callables at the same moment, each in its own thread with its own database connection."""

import threading

from django.db import connection
from django.utils import translation


def race(*calls, timeout: float = 20) -> list:
    """Start every call together (a barrier); returns each one's result or the exception it raised."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, call):
        translation.activate("en")
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the loser's domain error is the expected outcome
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racing transaction never finished (deadlock?)"
    return results
