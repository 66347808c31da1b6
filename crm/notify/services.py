"""Writes of the notification settings (the 通知设置 page)."""

import datetime

from django.db import transaction

from crm.models import User
from crm.services import audit_record

from .kinds import DIGEST_KIND, IMMEDIATE, KINDS
from .models import NotificationPreference, NotificationProfile
from .preferences import Choice


class PreferenceError(ValueError):
    pass


def notification_preferences_save(
    *, user: User, choices: dict[str, Choice], digest_time: datetime.time
) -> None:
    """Store a person's choice for each registered kind and their digest time (one audit entry).

    Raises PreferenceError for an unknown kind or a digest time not on a quarter hour (the
    digest job runs every 15 minutes).
    """
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise PreferenceError(f"unknown kinds: {sorted(unknown)}")
    if digest_time.minute % 15 or digest_time.second:
        raise PreferenceError("digest time must be on a quarter hour")
    with transaction.atomic():
        NotificationProfile.objects.update_or_create(user=user, defaults={"digest_time": digest_time})
        existing = {p.kind: p for p in NotificationPreference.objects.select_for_update().filter(user=user)}
        new, changed = [], []
        for kind, c in choices.items():
            delivery = IMMEDIATE if kind == DIGEST_KIND else c.delivery
            row = existing.get(kind) or NotificationPreference(user=user, kind=kind)
            before = (row.delivery, row.email, row.wecom, row.dingtalk) if row.pk else None
            row.delivery, row.email, row.wecom, row.dingtalk = delivery, c.email, c.wecom, c.dingtalk
            if row.pk is None:
                new.append(row)
            elif before != (row.delivery, row.email, row.wecom, row.dingtalk):
                changed.append(row)
        NotificationPreference.objects.bulk_create(new)
        NotificationPreference.objects.bulk_update(changed, ["delivery", "email", "wecom", "dingtalk"])
        audit_record(
            actor=user,
            action="crm.notification_settings.saved",
            target=user,
            after={"digest_time": digest_time.isoformat(), "changed": sorted(r.kind for r in new + changed)},
        )
