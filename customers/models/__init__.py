"""The customer archive (客户档案), domain §2.

State that the upper apps own but every screen reads lives on the customer row, kept only by
their services: `grade` (grading), `is_blacklisted`/`blacklisted_until` (blacklist),
`last_onsite_visit_on` (visits). No form, import or admin page writes those fields.

Split by subject (issue 15); every name is importable from `customers.models` as before,
the historical models that django-simple-history adds included.
"""

from .customer import (
    KEY_ACCOUNT_TIERS,
    PROVINCE_CHOICES,
    PROVINCES,
    Customer,
    CustomerQuerySet,
    CustomerShare,
    CustomerStatus,
    CustomerTier,
    Grade,
    HistoricalCustomer,
    SourceChannel,
    StaffSize,
)
from .imports import (
    ImportBatch,
    ImportJob,
    ImportJobState,
    ImportRow,
    ImportRowAction,
)
from .records import (
    AccessAction,
    AccessLog,
    ArchivePolicy,
    BusinessProfile,
    Contact,
    ContactPosition,
    DocumentType,
    FigureSource,
    HistoricalBusinessProfile,
    HistoricalContact,
    HistoricalYearlyFigure,
    QualificationDocument,
    YearlyFigure,
    document_upload_to,
)

__all__ = [
    "AccessAction",
    "AccessLog",
    "ArchivePolicy",
    "BusinessProfile",
    "Contact",
    "ContactPosition",
    "Customer",
    "CustomerQuerySet",
    "CustomerShare",
    "CustomerStatus",
    "CustomerTier",
    "DocumentType",
    "FigureSource",
    "Grade",
    "HistoricalBusinessProfile",
    "HistoricalContact",
    "HistoricalCustomer",
    "HistoricalYearlyFigure",
    "ImportBatch",
    "ImportJob",
    "ImportJobState",
    "ImportRow",
    "ImportRowAction",
    "KEY_ACCOUNT_TIERS",
    "PROVINCES",
    "PROVINCE_CHOICES",
    "QualificationDocument",
    "SourceChannel",
    "StaffSize",
    "YearlyFigure",
    "document_upload_to",
]
