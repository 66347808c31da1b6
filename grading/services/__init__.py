"""Grading services (domain §3), split by subject; import them from here.

- rules: the pure grading rules (thresholds, weights, overdue rule, provisional grade)
- evaluations: the evaluation sheet filled in by a person
- proposals: propose, approve, reject, withdraw; the only path that changes a grade
- incidents: incident records and the demotion cases they open
- jobs: the scheduled jobs of §7 and the annual review round
- provisional: the provisional grade of one customer (on request, on activation)
"""

from .common import GradingError, approval_refusal
from .evaluations import evaluation_create
from .incidents import incident_record
from .jobs import (
    annual_review_open,
    demotion_deadlines_escalate,
    new_customer_evaluations_open,
    provisional_grades_assign,
    review_round_open,
    review_window_open,
)
from .proposals import (
    grade_readmission_apply,
    proposal_approve,
    proposal_create,
    proposal_reject,
    proposal_withdraw,
    proposals_close_on_blacklist,
)
from .provisional import grade_provisional_assign, grade_provisional_on_activation

__all__ = [
    "GradingError",
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
