"""The blacklist's state machine and the steps its services share: the error shown to the user,
the transitions, the default validity, the lock, the evidence files."""

from datetime import date

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.forms import messages_from
from crm.models import User
from crm.services import add_months, audit_record
from crm.uploads import DOCUMENTS, safe_display_name, upload_store, validate_upload

from ..models import MAX_VALIDITY_MONTHS, BlacklistEntry, BlacklistEvidence, BlacklistPolicy, EntryState

TRANSITIONS = {
    EntryState.REPORTED: {EntryState.ACTIVE, EntryState.REJECTED},
    EntryState.ACTIVE: {EntryState.EXPIRED},
    EntryState.EXPIRED: {EntryState.READMITTED},
    EntryState.READMITTED: set(),
    EntryState.REJECTED: set(),
}


class BlacklistError(Exception):
    """A rule of the blacklist was broken; the message is shown to the user."""


def ensure_transition(entry: BlacklistEntry, to: str) -> None:
    """Raise BlacklistError unless the entry may move from its state to `to`."""
    if to not in TRANSITIONS[EntryState(entry.state)]:
        raise BlacklistError(
            _("This entry is %(state)s and cannot become %(to)s.")
            % {"state": entry.get_state_display(), "to": EntryState(to).label}
        )


def entry_url(entry_id: int) -> str:
    return reverse("blacklist:entry_detail", args=[entry_id])


def validity_end(*, starts_on: date, policy: BlacklistPolicy | None = None) -> date:
    """The default (and longest) end date of an entry approved on `starts_on`: calendar months."""
    policy = policy or BlacklistPolicy.load()
    return add_months(starts_on, min(policy.validity_months, MAX_VALIDITY_MONTHS))


def blacklist_evidence_add(*, actor: User, entry: BlacklistEntry, files) -> list[BlacklistEvidence]:
    """Store evidence files after checking their real type and size (crm.uploads)."""
    checked = []
    for f in files:  # every file is checked before any is stored: all or nothing
        try:
            checked.append((f, validate_upload(f, allowed=DOCUMENTS)))
        except ValidationError as exc:
            raise BlacklistError(f"{safe_display_name(f.name)}: {messages_from(exc)}") from exc
    stored = []
    for f, kind in checked:
        ev = BlacklistEvidence(
            entry=entry,
            original_name=safe_display_name(f.name),
            content_type=kind.content_type,
            size=f.size,
            uploaded_by=actor,
        )
        upload_store(ev, f, kind)
        stored.append(ev)
    if stored:
        audit_record(
            actor=actor,
            action="blacklist.evidence.added",
            target=entry,
            after={"files": [e.original_name for e in stored]},
        )
    return stored


def _lock_entry(entry_id: int) -> BlacklistEntry:
    return (
        BlacklistEntry.objects.select_for_update().select_related("customer", "department").get(pk=entry_id)
    )
