"""Grading services (domain §3), split by subject; import them from here.

- rules: the pure grading rules (thresholds, weights, overdue rule, provisional grade)
- evaluations: the evaluation sheet filled in by a person
- proposals: propose, approve, reject, withdraw; the only path that changes a grade
- blacklisting: proposals closed on blacklisting, grade C on re-admission (§4)
- incidents: incident records and the demotion cases they open
- jobs: the scheduled jobs of §7 (provisional grades, six-month evaluation, demotion deadline)
- review: the review rounds (annual, interim), by the job or from the 分级评审 page
- provisional: the provisional grade of one customer (on request, on activation)
"""

from ..permissions import approval_refusal
from .blacklisting import grade_readmission_apply, proposals_close_on_blacklist
from .common import GradingError, GradingPermissionDenied
from .evaluations import evaluation_create
from .incidents import incident_record
from .jobs import demotion_deadlines_escalate, new_customer_evaluations_open, provisional_grades_assign
from .proposals import proposal_approve, proposal_create, proposal_reject, proposal_withdraw
from .provisional import grade_provisional_assign, grade_provisional_on_activation
from .review import annual_review_open, review_round_open, review_window_open

__all__ = [
    "GradingError",
    "GradingPermissionDenied",
    "annual_review_open",
    "approval_refusal",
    "demotion_deadlines_escalate",
    "evaluation_create",
    "grade_provisional_assign",
    "grade_provisional_on_activation",
    "grade_readmission_apply",
    "incident_record",
    "new_customer_evaluations_open",
    "proposal_approve",
    "proposal_create",
    "proposal_reject",
    "proposal_withdraw",
    "proposals_close_on_blacklist",
    "provisional_grades_assign",
    "review_round_open",
    "review_window_open",
]
