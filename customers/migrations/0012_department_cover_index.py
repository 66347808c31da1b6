"""A covering index of the department's customers on PostgreSQL (issue 21, the 工作台).

The 工作台 of a manager counts the department's 33,000 customers several ways (per grade, per
owner against the visit cadence, overdue ones, pending proposals and this round's evaluations
joined to them): each read every row of the wide customer table (8,000 pages) for a few small
columns. With those columns in the index the counts are index-only scans. PostgreSQL only
(INCLUDE; customers/models.py is left alone); SQLite counts as before.
"""

from django.db import migrations

from crm.db import RunSQLOnPostgreSQL

FORWARD = [
    """CREATE INDEX IF NOT EXISTS cust_dept_cover_idx ON customers_customer (department_id)
        INCLUDE (id, owner_id, status, grade, grade_since, last_onsite_visit_on, is_blacklisted)
        WHERE NOT is_deleted"""
]
BACKWARD = ["DROP INDEX IF EXISTS cust_dept_cover_idx"]


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_search_indexes")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
