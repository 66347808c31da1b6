"""The engagement services (domain §9, §14): tiers, account managers, the contact log, the
contact cadence and its job, customer care."""

from .cadence import cadence_items, cadence_reminders_send, compliance_snapshot_write
from .care import (
    customer_meeting_attendance_set,
    customer_meeting_create,
    customer_meeting_invite,
    festival_dates,
    greeting_mark_sent,
    greeting_occasions,
    greeting_reminders_send,
    greetings_recorded,
    meeting_invitees,
)
from .common import EngagementError, visible_customer
from .contacts import HAND_MODES, contact_record_create, contact_record_from_visit
from .tiers import (
    customer_account_manager_set,
    customer_tier_set,
    needs_gm_approval,
    tier_proposal_approve,
    tier_proposal_reject,
    tier_proposal_withdraw,
)

__all__ = [
    "HAND_MODES",
    "EngagementError",
    "cadence_items",
    "cadence_reminders_send",
    "compliance_snapshot_write",
    "contact_record_create",
    "contact_record_from_visit",
    "customer_account_manager_set",
    "customer_meeting_attendance_set",
    "customer_meeting_create",
    "customer_meeting_invite",
    "customer_tier_set",
    "festival_dates",
    "greeting_mark_sent",
    "greetings_recorded",
    "greeting_occasions",
    "greeting_reminders_send",
    "meeting_invitees",
    "needs_gm_approval",
    "tier_proposal_approve",
    "tier_proposal_reject",
    "tier_proposal_withdraw",
    "visible_customer",
]
