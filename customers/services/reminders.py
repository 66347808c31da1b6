"""The scheduled reminder to confirm archives (每半年反馈, domain §2, §7)."""

from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Notification, Role, User
from crm.services import add_months, notification_bulk_send

from ..models import ArchivePolicy, Customer, CustomerStatus


def archive_update_reminders_send(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Remind owners of archives not confirmed within the policy interval (每半年反馈, §2, §7).

    One reminder per customer per overdue period: the key carries the date the confirmation
    fell due, so a rerun (or a late run) adds nothing, and a new period after the next
    confirmation gets a new reminder. An owner who has left (deactivated) reads nothing: the
    department's managers, who reassign, are reminded instead. Set-based: one read of the
    archives, one of the managers, one bulk insert.
    """
    now = now or timezone.now()
    policy = ArchivePolicy.load()
    cutoff = add_months(now, -policy.update_interval_months)
    due = (
        Customer.objects.filter(is_deleted=False)
        .exclude(status=CustomerStatus.INACTIVE)
        .filter(Q(last_confirmed_at__lt=cutoff) | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff))
        .values_list(
            "pk", "name", "owner_id", "owner__is_active", "department_id", "last_confirmed_at", "created_at"
        )
    )
    rows, managers, due_count = [], None, 0
    for pk, name, owner_id, owner_active, department_id, confirmed, created in due.iterator(chunk_size=2000):
        due_count += 1
        if owner_active:
            recipients = [owner_id]
        else:
            if managers is None:
                managers = {}
                for manager_id, dept in User.objects.filter(role=Role.MANAGER, is_active=True).values_list(
                    "pk", "department_id"
                ):
                    managers.setdefault(dept, []).append(manager_id)
            recipients = managers.get(department_id, [])
        base = timezone.localdate(confirmed or created)
        due_on = add_months(base, policy.update_interval_months)
        rows.extend(
            Notification(
                recipient_id=recipient_id,
                kind="archive_update",
                title=_("Please confirm the archive of %(name)s") % {"name": name},
                body=_("The archive has not been confirmed since %(date)s (every %(months)d months).")
                % {"date": base, "months": policy.update_interval_months},
                url=reverse("customers:detail", args=[pk]),
                dedup_key=f"archive-update:{pk}:{due_on.isoformat()}",
            )
            for recipient_id in recipients
        )
    created_count = notification_bulk_send(rows=rows)
    return {"due": due_count, "reminders": created_count}
