"""The open receivables in customer order, covering, on PostgreSQL (issue 21, the 工作台).

The five customers most overdue are a sum per customer over the ~100,000 open receivables: in
due-date order (sales_receivable_open_cover_idx) PostgreSQL hashed 68,000 groups and spilled
them to disk (219 ms for 总经办, cold); in customer order it aggregates as it reads (175 ms).
PostgreSQL only (INCLUDE); SQLite reads as before.
"""

from django.db import migrations

from crm.db import RunSQLOnPostgreSQL

FORWARD = [
    """CREATE INDEX IF NOT EXISTS sales_receivable_open_by_customer_idx ON sales_receivable (customer_id)
        INCLUDE (due_on, amount, paid_amount) WHERE settled_on IS NULL"""
]
BACKWARD = ["DROP INDEX IF EXISTS sales_receivable_open_by_customer_idx"]


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_receivable_open_cover_index")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
