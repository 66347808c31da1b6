"""The daily blacklist job: entries past their end date expire (domain §4, §7)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AuditLog, Notification
from crm.services import gm_office_users, managers_of, notification_bulk_send
from customers import services as customer_services

from ..models import BlacklistEntry, EntryState
from .rules import entry_url


def blacklist_entry_expire(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Move active entries whose end date has passed to 已到期 (domain §4, §7).

    An entry is valid through its end date and expires the day after. Set-based and
    idempotent: only rows still active change (so a rerun or a late run changes each entry
    once), notifications carry a key per entry, and the customer's mark is lifted while
    re-admission stays required: the customer does not come back by itself.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        due = list(
            BlacklistEntry.objects.select_for_update(of=("self",))
            .filter(state=EntryState.ACTIVE, ends_on__lt=today)
            .values_list("pk", "customer_id", "department_id", "customer__name", "ends_on")
        )
        if not due:
            return {"expired": 0, "notifications": 0}
        ids = [row[0] for row in due]
        changed = BlacklistEntry.objects.filter(pk__in=ids, state=EntryState.ACTIVE).update(
            state=EntryState.EXPIRED, expired_at=now
        )
        customer_services.customer_blacklist_clear(
            customer_ids=[row[1] for row in due], readmission_required=True
        )
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    action="blacklist.entry.expired",
                    target_type=BlacklistEntry._meta.label_lower,
                    target_id=str(pk),
                    target_repr=str(name)[:200],
                    before={"state": EntryState.ACTIVE},
                    after={"state": EntryState.EXPIRED, "ends_on": ends_on.isoformat()},
                )
                for pk, _cid, _dept, name, ends_on in due
            ]
        )
        gm_ids = list(gm_office_users().values_list("pk", flat=True))
        managers: dict[int, list[int]] = {}
        for user_id, dept_id in managers_of({row[2] for row in due}).values_list("pk", "department_id"):
            managers.setdefault(dept_id, []).append(user_id)
        rows = []
        for pk, _cid, dept_id, name, ends_on in due:
            for recipient in set(gm_ids) | set(managers.get(dept_id, [])):
                rows.append(
                    Notification(
                        recipient_id=recipient,
                        kind="blacklist_expired",
                        title=_("Blacklist entry expired: %(name)s") % {"name": name},
                        body=_(
                            "The entry ended on %(date)s. The customer stays out until re-admitted (重新准入)."
                        )
                        % {"date": ends_on},
                        url=entry_url(pk),
                        dedup_key=f"blacklist-expired:{pk}",
                    )
                )
        sent = notification_bulk_send(rows=rows)
    return {"expired": changed, "notifications": sent}
