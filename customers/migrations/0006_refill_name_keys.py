"""Refill the matching key of every customer name (issue 13.2) and fill the pinyin keys (issue 17).

The display name loses its invisible characters. Two live archives whose names now share one
key (a look-alike that got in before the fix) cannot both hold it under the unique constraint:
the later one keeps a key marked with its id, so the migration never fails and the duplicate
stays findable by name; docs/customer-names.md says how to merge or rename it.
"""

from django.db import migrations


def refill(apps, schema_editor):
    from customers.pinyin import customer_pinyin
    from customers.validators import clean_company_name, normalize_company_name

    Customer = apps.get_model("customers", "Customer")
    taken = set()
    batch = []
    for c in Customer.objects.order_by("pk").only("pk", "name", "short_name", "is_deleted").iterator(chunk_size=2000):
        c.name = clean_company_name(c.name) or c.name
        key = normalize_company_name(c.name)
        if not c.is_deleted:
            if key in taken:
                key = f"{key[:180]}#{c.pk}"
            taken.add(key)
        c.name_normalized = key
        c.name_pinyin, c.pinyin_keys = customer_pinyin(c.name, c.short_name or "")
        batch.append(c)
        if len(batch) >= 2000:
            Customer.objects.bulk_update(batch, ["name", "name_normalized", "name_pinyin", "pinyin_keys"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["name", "name_normalized", "name_pinyin", "pinyin_keys"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_pinyin_keys")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
