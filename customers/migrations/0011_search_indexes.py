"""The indexes of the customer search on PostgreSQL (issue 21): crm/db.py search_prefilter.

pg_trgm GIN indexes over the upper case of the customer's searchable text (name, short name,
normalised name, pinyin keys joined by line breaks, crm_customer_search_text) and of the
contact's name serve terms of three characters and more; the same over the text with every
character doubled (crm_doubled) serve terms of two (恒力). A btree serves the credit code's
prefix, a trigram index parts of a mobile. Nothing on SQLite, which searches without them; the
results are the same.
"""

from django.db import migrations

from crm.db import RunSQLOnPostgreSQL

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    r"""CREATE OR REPLACE FUNCTION crm_customer_search_text(
            name text, short_name text, name_normalized text, pinyin_keys text
        ) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT coalesce(name, '') || E'\n' || coalesce(short_name, '') || E'\n'
                     || coalesce(name_normalized, '') || E'\n' || coalesce(pinyin_keys, '') $$""",
    r"""CREATE OR REPLACE FUNCTION crm_doubled(t text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT regexp_replace(t, '(.)', '\1\1', 'g') $$""",
    """CREATE INDEX IF NOT EXISTS cust_search_trgm_idx ON customers_customer USING gin
        (UPPER(crm_customer_search_text(name, short_name, name_normalized, pinyin_keys)) gin_trgm_ops)""",
    """CREATE INDEX IF NOT EXISTS cust_search_pairs_idx ON customers_customer USING gin
        (UPPER(crm_doubled(crm_customer_search_text(name, short_name, name_normalized, pinyin_keys)))
         gin_trgm_ops)""",
    "CREATE INDEX IF NOT EXISTS cust_credit_code_prefix_idx ON customers_customer (credit_code varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS contact_name_trgm_idx ON customers_contact USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_name_pairs_idx ON customers_contact USING gin (UPPER(crm_doubled(name)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_mobile_trgm_idx ON customers_contact USING gin (mobile gin_trgm_ops)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS contact_mobile_trgm_idx",
    "DROP INDEX IF EXISTS contact_name_pairs_idx",
    "DROP INDEX IF EXISTS contact_name_trgm_idx",
    "DROP INDEX IF EXISTS cust_credit_code_prefix_idx",
    "DROP INDEX IF EXISTS cust_search_pairs_idx",
    "DROP INDEX IF EXISTS cust_search_trgm_idx",
    "DROP FUNCTION IF EXISTS crm_doubled(text)",
    "DROP FUNCTION IF EXISTS crm_customer_search_text(text, text, text, text)",
]


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_merge_yearlyfigure_source")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
