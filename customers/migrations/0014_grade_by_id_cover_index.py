"""A covering index of every customer's grade by its id on PostgreSQL (issue 21, the 工作台).

The review-round chart of the 总经办's 工作台 (grading.selectors.round_distribution) joins the
round's ~85,000 evaluations to their customers for one column, the grade: without this index
a read of the whole wide customer table (12,000 pages), with it an index-only scan (EXPLAIN
ANALYZE at 100,000 customers: the query 96-112 ms -> 61-67 ms with grading's
grading_eval_round_grades). Not partial: the join reads deleted customers' evaluations too.
PostgreSQL only (INCLUDE; customers/models is left alone); SQLite reads as before.
"""

from django.db import migrations

from crm.db import RunSQLOnPostgreSQL

FORWARD = ["CREATE INDEX IF NOT EXISTS cust_grade_by_id_idx ON customers_customer (id) INCLUDE (grade)"]
BACKWARD = ["DROP INDEX IF EXISTS cust_grade_by_id_idx"]


class Migration(migrations.Migration):
    dependencies = [("customers", "0013_merge_0011_import_rows_0012_department_cover_index")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
