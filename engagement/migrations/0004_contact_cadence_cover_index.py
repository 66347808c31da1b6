"""The contact log by customer with what the cadence reads, covering, on PostgreSQL (issue 18).

The daily cadence job takes, per customer and rule, the latest contact that keeps the rule:
one pass over ~2,500,000 contact records of 85,000 customers, which read every record's heap
page through `engagement_contactrecord_customer_id` (2.65 s; 376,000 buffers). With the day,
the person and the mode in the index it is an index-only scan (2.13 s). PostgreSQL only
(INCLUDE); SQLite reads as before.
"""

from django.db import migrations

from crm.db import RunSQLOnPostgreSQL

FORWARD = [
    """CREATE INDEX IF NOT EXISTS eng_contact_cadence_cover_idx ON engagement_contactrecord (customer_id)
        INCLUDE (contacted_at, user_id, mode)"""
]
BACKWARD = ["DROP INDEX IF EXISTS eng_contact_cadence_cover_idx"]


class Migration(migrations.Migration):
    dependencies = [("engagement", "0003_defaults_and_permissions")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
