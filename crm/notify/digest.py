"""The daily digest: a person's waiting reminders gathered into one notification a day.

Run every 15 minutes (the `notification-digest` job). Whoever has reminders waiting, whose
digest time (NotificationProfile.digest_time, default settings.NOTIFICATION_DIGEST_DEFAULT_TIME,
Asia/Shanghai) has come and who has not had today's digest gets one: grouped by kind, each
group with its count, its first DIGEST_FIRST_ITEMS titles and a link to the full list. The
digest takes the reminders created since the person's last digest (`last_digest_at`, moved to
this run's `now`), so no reminder row is rewritten (bench: 45,000 reminders). Set-based (a
fixed number of queries whatever the number of people) and idempotent: the digest's dedup key
is the day, and a rerun finds nothing waiting.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Notification, User

from .kinds import DIGEST_KIND, kind_get
from .models import NotificationProfile

DIGEST_FIRST_ITEMS = 3


def default_digest_time() -> datetime.time:
    return datetime.time.fromisoformat(settings.NOTIFICATION_DIGEST_DEFAULT_TIME)


def digest_key(day: datetime.date) -> str:
    return f"digest:{day.isoformat()}"


def notification_digests_send(*, now: datetime.datetime | None = None, since=None) -> dict:
    """Send each person whose time has come their digest of today; returns people and items."""
    from crm.services import company_language, notification_bulk_send, site_link

    now = now or timezone.now()
    local = timezone.localtime(now)
    key = digest_key(local.date())
    waiting = Notification.objects.filter(delivery="digest", created_at__lte=now).filter(
        Q(recipient__notification_profile__last_digest_at__isnull=True)
        | Q(created_at__gt=F("recipient__notification_profile__last_digest_at"))
    )
    recipients = set(waiting.values_list("recipient_id", flat=True).distinct())
    if not recipients:
        return {"digests": 0, "items": 0}
    times = dict(
        NotificationProfile.objects.filter(user_id__in=recipients).values_list("user_id", "digest_time")
    )
    already = set(
        Notification.objects.filter(recipient_id__in=recipients, dedup_key=key).values_list(
            "recipient_id", flat=True
        )
    )
    fallback = default_digest_time()
    due = [u for u in recipients if u not in already and times.get(u, fallback) <= local.time()]
    active = set(User.objects.filter(pk__in=due, is_active=True).values_list("pk", flat=True))
    due = [u for u in due if u in active]
    if not due:
        return {"digests": 0, "items": 0}
    counts = defaultdict(dict)
    for row in waiting.filter(recipient_id__in=due).values("recipient_id", "kind").annotate(n=Count("id")):
        counts[row["recipient_id"]][row["kind"]] = row["n"]
    firsts = (
        waiting.filter(recipient_id__in=due)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("recipient_id"), F("kind")], order_by=[F("created_at"), F("id")]
            )
        )
        .filter(rank__lte=DIGEST_FIRST_ITEMS)
        .order_by("recipient_id", "kind", "created_at", "id")
        .values_list("recipient_id", "kind", "title")
    )
    titles = defaultdict(list)
    for recipient_id, kind, title in firsts:
        titles[(recipient_id, kind)].append(title)
    rows = []
    with company_language():
        for user_id in due:
            groups = sorted(counts[user_id].items(), key=lambda kv: (str(kind_get(kv[0]).group), kv[0]))
            total = sum(n for _k, n in groups)
            lines = []
            for kind, n in groups:
                lines.append(_("%(label)s: %(count)d") % {"label": kind_get(kind).label, "count": n})
                lines.extend(f"  · {t}" for t in titles[(user_id, kind)])
                if n > DIGEST_FIRST_ITEMS:
                    lines.append(
                        "  "
                        + _("All %(count)d: %(link)s")
                        % {"count": n, "link": site_link(reverse("notifications") + f"?kind={kind}")}
                    )
            rows.append(
                Notification(
                    recipient_id=user_id,
                    kind=DIGEST_KIND,
                    title=_("Today's reminders: %(count)d") % {"count": total},
                    body="\n".join(lines),
                    url=reverse("notifications") + "?scope=digest",
                    dedup_key=key,
                )
            )
    sent = notification_bulk_send(rows=rows)
    NotificationProfile.objects.bulk_create(
        [NotificationProfile(user_id=u, last_digest_at=now) for u in due],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["last_digest_at"],
    )
    return {"digests": sent, "items": sum(sum(counts[u].values()) for u in due)}
