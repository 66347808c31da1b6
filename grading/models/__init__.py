"""Grading (客户分级, domain §3): policy, evaluation sheets, incidents, review rounds,
grade-change proposals with their approval steps, the grade history and demotion cases.

The grade itself lives on `customers.Customer.grade`; only an approved `GradeProposal` moves it
(grading.services.proposal_approve → customers.services.customer_grade_apply). Split by subject:
policy.py, evaluations.py, proposals.py, and the indicators in grading/indicators.py.
"""

from ..indicators import Indicator
from .evaluations import (
    OVERDUE_INCIDENT_TYPES,
    Evaluation,
    EvaluationKind,
    Incident,
    IncidentType,
    incident_upload_to,
)
from .policy import GRADE_ORDER, GRADES, GradingPolicy, ReviewRound, RoundKind
from .proposals import (
    OPEN_STATES,
    DemotionCase,
    GradeChange,
    GradeProposal,
    ProposalApproval,
    ProposalKind,
    ProposalState,
    ReasonMixin,
    Step,
    SystemReason,
    WithdrawalReason,
    system_reason_text,
)

__all__ = [
    "GRADES",
    "GRADE_ORDER",
    "OPEN_STATES",
    "OVERDUE_INCIDENT_TYPES",
    "DemotionCase",
    "Evaluation",
    "EvaluationKind",
    "GradeChange",
    "GradeProposal",
    "GradingPolicy",
    "Incident",
    "IncidentType",
    "Indicator",
    "ProposalApproval",
    "ProposalKind",
    "ProposalState",
    "ReasonMixin",
    "ReviewRound",
    "RoundKind",
    "Step",
    "SystemReason",
    "WithdrawalReason",
    "incident_upload_to",
    "system_reason_text",
]
