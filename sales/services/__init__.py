"""Sales services (§13): agreements and their approval, the ledger, the ERP import, figures, reminders."""

from .agreements import (
    agreement_approve,
    agreement_create,
    agreement_reject,
    agreement_submit,
    approval_refusal,
    qualification_missing,
)
from .common import SalesError
from .erp_import import erp_import_confirm, erp_import_plan, erp_import_preview
from .figures import yearly_figures_compute, yearly_figures_job, yearly_figures_recompute
from .ledger import allocations_rebuild, records_plan, records_upsert, unmatched_resolve
from .reminders import sales_reminders_send

__all__ = [
    "SalesError",
    "agreement_approve",
    "agreement_create",
    "agreement_reject",
    "agreement_submit",
    "allocations_rebuild",
    "approval_refusal",
    "erp_import_confirm",
    "erp_import_plan",
    "erp_import_preview",
    "qualification_missing",
    "records_plan",
    "records_upsert",
    "sales_reminders_send",
    "unmatched_resolve",
    "yearly_figures_compute",
    "yearly_figures_job",
    "yearly_figures_recompute",
]
