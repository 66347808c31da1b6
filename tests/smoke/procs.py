"""The processes of the smoke test: what docker-compose starts, as plain processes.

Each runs in its own session (process group), so that it and its children (gunicorn's and
Celery's workers) can be stopped, or killed as a crash would, by that group's id. Their ids
are written to $SMOKE_DIR/pids for scripts/smoke.sh, which cleans up if this driver dies.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .browser import SmokeFailure

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def wait_for(what: str, check: Callable[[], object], *, timeout: float, every: float = 0.5):
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class Proc:
    def __init__(self, name: str, argv: list[str], *, env: dict, workdir: Path):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        with open(workdir / "pids", "a") as pids:
            pids.write(f"{self.popen.pid}\n")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, needle: str, *, timeout: float) -> None:
        def seen():
            if not self.alive():
                raise SmokeFailure(f"{self.name} exited with {self.popen.returncode}; see {self.log_path}")
            return needle in self.log_text()

        wait_for(f"{self.name} to log {needle!r}", seen, timeout=timeout)

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill_group(self) -> None:
        """SIGKILL the process and all its children at once: a crash, not a shutdown."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, *, grace: float = 15) -> None:
        if self.alive():
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self.signal_group(signal.SIGKILL)  # what is left of the group
        if self.alive():
            self.popen.wait(timeout=10)
        self.log.close()


def run(argv: list[str], *, env: dict, timeout: float, what: str) -> str:
    """Run a command to completion; fail with its output if it fails or takes too long."""
    try:
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"{what}: timed out after {timeout:.0f}s") from exc
    if done.returncode != 0:
        raise SmokeFailure(
            f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout
