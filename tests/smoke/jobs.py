"""The deliberately slow job of the smoke test, enabled only by tests/smoke/settings.py.

It behaves like a real job: idempotent per period (the dedup keys carry its watermark
`since`), notifying 业务经理 manager_east when it starts and when it has finished, with
SMOKE_SLOW_SECONDS of work between the two. Each attempt appends "<pid> <period>" to
$SMOKE_DIR/attempts, so the driver knows which process to kill and how often it ran.
"""

import os
import time
from pathlib import Path

from crm.models import User
from crm.services import notification_send


def slow_job(*, now, since) -> dict:
    period = since.isoformat() if since else "first"
    with open(Path(os.environ["SMOKE_DIR"]) / "attempts", "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {period}\n")
    managers = User.objects.filter(username="manager_east")
    notification_send(
        recipients=managers,
        kind="smoke",
        title=f"smoke job started {period}",
        dedup_key=f"smoke-slow:{period}:started",
    )
    time.sleep(float(os.environ.get("SMOKE_SLOW_SECONDS", "8")))
    notification_send(
        recipients=managers,
        kind="smoke",
        title=f"smoke job finished {period}",
        dedup_key=f"smoke-slow:{period}:finished",
    )
    return {"period": period}
