"""Every change to the customer archive the business cares about (domain §2), split by subject;
import them from here.

- archive: create, update, status, reassignment, confirmation of the customer, and the pieces
  they decide their rules with (owner, admission, normalisation), which the import calls too
- records: contacts, business profile, yearly figures, documents, access log
- state: what the other apps keep on the customer (grade, blacklist mark, last on-site visit)
- reminders: the scheduled reminder to confirm archives
"""

from .archive import (
    AUDITED_FIELDS,
    EDITABLE_FIELDS,
    CustomerError,
    admission_refusal_message,
    customer_apply,
    customer_build,
    customer_change_status,
    customer_confirm_archive,
    customer_create,
    customer_create_allowed,
    customer_normalise,
    customer_owner_resolve,
    customer_reassign,
    customer_update,
    ensure_admissible,
    may_edit_archives,
)
from .records import (
    CONTACT_FIELDS,
    FIGURE_FIELDS,
    PROFILE_FIELDS,
    access_log_record,
    access_log_record_many,
    contact_delete,
    contact_save,
    document_delete,
    document_upload,
    profile_save,
    yearly_figure_save,
)
from .reminders import archive_update_reminders_send
from .state import (
    GradeChangeRefused,
    customer_blacklist_clear,
    customer_blacklist_mark,
    customer_grade_apply,
    customer_onsite_visit_record,
)

__all__ = [
    "AUDITED_FIELDS",
    "CONTACT_FIELDS",
    "EDITABLE_FIELDS",
    "FIGURE_FIELDS",
    "PROFILE_FIELDS",
    "CustomerError",
    "GradeChangeRefused",
    "access_log_record",
    "access_log_record_many",
    "admission_refusal_message",
    "archive_update_reminders_send",
    "contact_delete",
    "contact_save",
    "customer_apply",
    "customer_blacklist_clear",
    "customer_blacklist_mark",
    "customer_build",
    "customer_change_status",
    "customer_confirm_archive",
    "customer_create",
    "customer_create_allowed",
    "customer_grade_apply",
    "customer_normalise",
    "customer_onsite_visit_record",
    "customer_owner_resolve",
    "customer_reassign",
    "customer_update",
    "document_delete",
    "document_upload",
    "ensure_admissible",
    "may_edit_archives",
    "profile_save",
    "yearly_figure_save",
]
