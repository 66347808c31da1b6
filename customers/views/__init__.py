"""Screens of the customer archive: parse → one service or selector → message + redirect.

Every view fetches the customer through `selectors.customer_list_for(user)`: another
salesperson's customer (or another department's) is a 404, never the data.

By subject: `archive` (the list, the customer page, the archive's own changes), `records`
(contacts, profile, yearly figures, documents), `transfer` (import and export); `access` says
who may do what. customers/urls.py names the views from here.
"""

from .archive import (
    customer_confirm,
    customer_create,
    customer_detail,
    customer_edit,
    customer_list,
    customer_reassign,
    customer_status,
)
from .records import (
    contact_delete,
    contact_edit,
    document_delete,
    document_download,
    document_upload,
    figure_edit,
    profile_edit,
)
from .transfer import export, import_confirm, import_job, import_job_progress, import_upload

__all__ = [
    "contact_delete",
    "contact_edit",
    "customer_confirm",
    "customer_create",
    "customer_detail",
    "customer_edit",
    "customer_list",
    "customer_reassign",
    "customer_status",
    "document_delete",
    "document_download",
    "document_upload",
    "export",
    "figure_edit",
    "import_confirm",
    "import_job",
    "import_job_progress",
    "import_upload",
    "profile_edit",
]
