"""Every change to the blacklist the business cares about (domain §4), by subject.

Services are keyword-only, own their transaction and locks, check the rules (raising
BlacklistError with a message for the user), write an audit entry and notify the people
concerned. The customer's mark is written only through the customers services. Who may do
what is decided in blacklist/permissions.py; the services raise BlacklistError when it says no.

- rules.py: the state machine, the default validity, the lock, evidence files;
- entries.py: report (manager) or propose (salesperson), submit, approve, reject;
- expiry.py: the daily job that expires entries past their end date;
- readmission.py: re-admission (重新准入), requested and approved by 总经办 and the manager.
"""

from .entries import (
    blacklist_entry_approve,
    blacklist_entry_reject,
    blacklist_entry_report,
    blacklist_entry_submit,
)
from .expiry import blacklist_entry_expire
from .readmission import (
    EVALUATION_CONDITIONS,
    READMISSION_GRADE,
    blacklist_readmission_approve,
    blacklist_readmission_reject,
    blacklist_readmission_request,
)
from .rules import (
    TRANSITIONS,
    BlacklistError,
    blacklist_evidence_add,
    ensure_transition,
    entry_url,
    validity_end,
)

__all__ = [
    "EVALUATION_CONDITIONS",
    "READMISSION_GRADE",
    "TRANSITIONS",
    "BlacklistError",
    "blacklist_entry_expire",
    "blacklist_entry_approve",
    "blacklist_entry_reject",
    "blacklist_entry_report",
    "blacklist_entry_submit",
    "blacklist_evidence_add",
    "blacklist_readmission_approve",
    "blacklist_readmission_reject",
    "blacklist_readmission_request",
    "ensure_transition",
    "entry_url",
    "validity_end",
]
