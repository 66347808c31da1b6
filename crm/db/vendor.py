"""Which database the CRM is on: the one question (crm.db)."""

import logging
from datetime import date, datetime

from django.db import connection

logger = logging.getLogger("crm.db")


def vendor_is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _adapt(value):
    # What the ORM would store: executemany does not go through the fields.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
