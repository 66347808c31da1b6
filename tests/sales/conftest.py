import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from customers.models import DocumentType, QualificationDocument

NOW = timezone.make_aware(dt.datetime(2026, 11, 29, 10, 0))
D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def documents_on_file(salesperson, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }

    def put(customer, *, skip=(), expired=()):
        for t in DocumentType.values:
            if t == "other" or t in skip:
                continue
            QualificationDocument.objects.create(
                customer=customer,
                doc_type=t,
                file=f"documents/{customer.pk}/{t}",
                original_name=f"{t}.pdf",
                content_type="application/pdf",
                size=10,
                uploaded_by=salesperson,
                expires_on=dt.date(2026, 1, 1) if t in expired else dt.date(2028, 1, 1),
            )

    return put
