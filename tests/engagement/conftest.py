from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=SH)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW
