"""The models of the engagement app (key accounts, domain §9 and §14), one module per subject:
contacts (the contact log, the policy), tiers (proposals and history), cadence (rules,
reminders, compliance) and care (festivals, customer meetings). Every name is re-exported here,
so `from engagement.models import X` keeps working."""

from .cadence import (
    CadenceHow,
    CadenceReminder,
    CadenceReminderState,
    CadenceRule,
    CadenceWho,
    ComplianceSnapshot,
)
from .care import CustomerMeeting, Festival, FestivalDate, MeetingInvitation, MeetingKind
from .contacts import TIER_VALUES, ContactMode, ContactRecord, EngagementPolicy
from .tiers import TierChange, TierProposal, TierProposalState

__all__ = [
    "TIER_VALUES",
    "CadenceHow",
    "CadenceReminder",
    "CadenceReminderState",
    "CadenceRule",
    "CadenceWho",
    "ComplianceSnapshot",
    "ContactMode",
    "ContactRecord",
    "CustomerMeeting",
    "EngagementPolicy",
    "Festival",
    "FestivalDate",
    "MeetingInvitation",
    "MeetingKind",
    "TierChange",
    "TierProposal",
    "TierProposalState",
]
