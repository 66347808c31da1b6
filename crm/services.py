"""Core services: the audit trail and notifications (in-app, with their e-mail outbox)."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone, translation

from . import db
from .models import AuditLog, Notification, User

logger = logging.getLogger(__name__)

# How often the outbox tries one e-mail before giving up on it (the notification stays in-app).
EMAIL_MAX_ATTEMPTS = 5


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    ip_address: str | None = None,
) -> AuditLog:
    """Append one entry to the audit trail (who, what, which record, before/after)."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        ip_address=ip_address,
    )


def company_language():
    """Context manager: word what is stored as text (notifications) in settings.LANGUAGE_CODE."""
    return translation.override(settings.LANGUAGE_CODE)


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedup_key: str | None = None,
) -> list[Notification]:
    """Notify each recipient once: in-app now; by its channels after commit, or in the daily digest.

    The entry point of a notification about one action (jobs sending thousands use the bulk
    forms below; all three end in the one writer `_notifications_write`).
    `kind` is a stable code registered in crm/notify/kinds.py (`<app>_<what>`): the registry
    and each person's 通知设置 decide whether it is sent at once (e-mail, 企业微信, 钉钉, as
    chosen) or gathered into the person's daily digest. `url` is a path
    (`reverse("customers:detail", args=[pk])`); messages that leave the CRM prefix it with
    settings.SITE_URL.

    With a `dedup_key`, a recipient who already has a notification with that key gets no
    second one: running a job twice sends nothing twice (one reminder per customer and period,
    whether or not a digest went out that day). Returns the notifications created (read back
    by one query when any was).

    Language: a notification is a message (its e-mail leaves at once), so `title` and `body`
    are stored as words, in the company's language (settings.LANGUAGE_CODE, 简体中文), not in
    the language of whoever caused it. Jobs run in that language already; a service running in
    someone's request words its notification inside `with company_language():`, so an action
    done in the English UI still notifies in Chinese. (Records shown on screens are different:
    they keep codes and parameters and are worded when read, in the reader's language.)
    """
    user_ids = list({u.pk for u in recipients if u is not None and u.is_active})
    title = str(title)[:200]
    now = timezone.now()
    sent = _notifications_write([(pk, kind, title, body, url, dedup_key) for pk in user_ids], now=now)
    if not sent:
        return []
    # The rows of this call: its `now`; a recipient's earlier notification with the key is older.
    return list(
        Notification.objects.filter(
            recipient_id__in=user_ids, kind=kind, title=title, dedup_key=dedup_key, created_at=now
        )
    )


# The columns of `notification_bulk_send_values` rows.
NOTIFICATION_VALUES = ("recipient_id", "kind", "title", "body", "url", "dedup_key")


def notification_bulk_send(*, rows: list[Notification]) -> int:
    """Send many prepared notifications at once (set-based jobs); returns how many were new.

    Rows carry `recipient_id`, `kind`, `title` and usually a `dedup_key` (see notification_send);
    they are not saved themselves: their values go through the one writer.
    """
    return _notifications_write([tuple(getattr(r, c) for c in NOTIFICATION_VALUES) for r in rows])


def notification_bulk_send_values(*, values: list[tuple]) -> int:
    """`notification_bulk_send` for rows given as tuples of NOTIFICATION_VALUES (no model objects:
    the overdue-visits job sends ~45,000 at company scale, bench finding 6)."""
    return _notifications_write(values)


def _notifications_write(values: list[tuple], *, now: datetime | None = None) -> int:
    """The one writer behind every send: route each row (immediate or digest), insert, schedule.

    One path whatever the size: `crm.db.copy_insert` with conflicts ignored (COPY on
    PostgreSQL: building and inserting tens of thousands of rows through the ORM took most of
    the overdue-visits job's time, bench finding 6). The unique (recipient, dedup_key) index
    skips a key already sent to that recipient, a repeat within `values` (the first wins) and a
    concurrent rerun's rows alike, without reading them first. A digest item is marked done for
    the e-mail outbox at once (`emailed_at`): its message is the digest. When something new
    was written and an immediate row was offered, the outbox is woken after commit (a wake-up
    that finds nothing costs one query). Returns how many rows were new.
    """
    if not values:
        return 0
    from .notify.preferences import deliveries_for

    now = now or timezone.now()
    routes = deliveries_for((v[0], v[1]) for v in values)
    immediate = False
    rows = []
    for recipient_id, kind, title, body, url, dedup_key in values:
        delivery = routes[(recipient_id, kind)]
        immediate = immediate or delivery != "digest"
        emailed_at = now if delivery == "digest" else None
        # str(): lazy translations and reverse_lazy() are welcome, as in the ORM.
        title, body, url = str(title)[:200], str(body), str(url)
        rows.append((recipient_id, kind, title, body, url, dedup_key, delivery, emailed_at, now, 0))
    columns = (*NOTIFICATION_VALUES, "delivery", "emailed_at", "created_at", "email_failures")
    sent = db.copy_insert(Notification._meta.db_table, columns, rows, ignore_conflicts=True)
    if sent and immediate:
        _schedule_email_after_commit()
    return sent


def _schedule_email_after_commit() -> None:
    def send():
        from .tasks import notification_emails_send

        try:
            notification_emails_send.delay()
        except Exception:  # broker down: the outbox sweep sends it later
            logger.warning("Broker unavailable; notification e-mails left to the outbox sweep", exc_info=True)

    transaction.on_commit(send)


def notification_mark_read(
    *, user: User, notification_id: int | None = None, kind: str | None = None, now: datetime | None = None
) -> int:
    """Mark one of the user's notifications, all of one kind, or all, as read; returns how many."""
    now = now or timezone.now()
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.update(read_at=now)


def site_link(path: str) -> str:
    """The absolute address of a CRM path for a message that leaves the CRM (settings.SITE_URL)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def notification_outbox_drain(
    *, now: datetime | None = None, since: datetime | None = None, limit: int = 500
) -> dict:
    """Send what immediate notifications carry beyond the app: the outbox of domain §8.

    Each row is claimed (emailed_at set) in the same transaction that sends it, with
    SKIP LOCKED on PostgreSQL, so two workers never send one e-mail twice. The e-mail goes if
    the recipient's choice for the kind keeps e-mail on (crm.notify.preferences) and they have
    an address; their 企业微信 / 钉钉 messages are queued as deliveries in the same transaction
    (sent by crm.notify.outbox, retried there on their own). An e-mail the mail server refuses
    does not hold up the others: its row counts a failure and is tried again by the next
    sweep, up to EMAIL_MAX_ATTEMPTS times (the in-app notification stands regardless).
    """
    from .notify.outbox import deliveries_enqueue
    from .notify.preferences import choices_for

    now = now or timezone.now()
    sent = skipped = failed = 0
    with transaction.atomic():
        qs = (
            Notification.objects.filter(emailed_at__isnull=True, email_failures__lt=EMAIL_MAX_ATTEMPTS)
            .select_related("recipient")
            .order_by("email_failures", "id")
        )
        # SKIP LOCKED: a second worker takes the next rows. (SQLite, one writer at a time,
        # has no row locks: Django leaves the clause out there.)
        qs = qs.select_for_update(skip_locked=True, of=("self",))
        batch = list(qs[:limit])
        choices = choices_for(
            ((n.recipient_id, n.kind) for n in batch), users={n.recipient_id: n.recipient for n in batch}
        )
        deliveries_enqueue(
            notifications=[n for n in batch if n.email_failures == 0], choices=choices, now=now
        )
        done, failures = [], []
        for n in batch:
            if not n.recipient.email or not choices[(n.recipient_id, n.kind)].email:
                skipped += 1
                done.append(n.pk)
                continue
            body = n.body
            if n.url:
                body = f"{body}\n\n{site_link(n.url)}"
            try:
                send_mail(
                    n.title, body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email], fail_silently=False
                )
            except Exception:
                logger.warning("E-mail of notification %s failed; will retry", n.pk, exc_info=True)
                failed += 1
                failures.append(n.pk)
                continue
            sent += 1
            done.append(n.pk)
        Notification.objects.filter(pk__in=done).update(emailed_at=now)
        Notification.objects.filter(pk__in=failures).update(email_failures=F("email_failures") + 1)
    return {"sent": sent, "without_address": skipped, "failed": failed}


def unread_count(user: User) -> int:
    """The header badge: unread immediate notifications (digest items are read in their digest)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True, delivery="immediate").count()


def managers_of(department_ids: Iterable[int]) -> models.QuerySet[User]:
    """The active managers of the given departments (recipients of escalations)."""
    from .models import Role

    return User.objects.filter(role=Role.MANAGER, department_id__in=list(department_ids), is_active=True)


def gm_office_users() -> models.QuerySet[User]:
    from .models import Role

    return User.objects.filter(role=Role.GM_OFFICE, is_active=True)


def add_months(d, months: int):
    """Calendar months: 31 August + 6 months = 28/29 February (style.md, Time); a date or a
    datetime (wall-clock time and time zone kept). A named helper: a dozen callers."""
    from dateutil.relativedelta import relativedelta

    return d + relativedelta(months=months)


def local_today(now: datetime | None = None):
    return timezone.localdate(now or timezone.now())


def days_between(a, b) -> int:
    return (b - a) // timedelta(days=1)


def user_sessions_end(*, user: User) -> int:
    """Delete every server-side session of a user (deactivation, a role or password change).

    Sessions are keyed by a random id, not by user, so the user's ones are found by decoding;
    a CRM has at most a few thousand live sessions. Returns how many were ended.
    """
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    ended = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator(chunk_size=500):
        # An undecodable (tampered) session decodes to {} and logs no one in.
        decoded = Session(session_key=key, session_data=data).get_decoded()
        if str(decoded.get(SESSION_KEY)) == str(user.pk):
            ended.append(key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def user_deactivate(*, actor: User | None, user_id: int) -> User:
    """Deactivate a user: they can no longer log in and their open sessions end at once.

    Their customers keep their owner until a manager reassigns them; nothing is deleted.
    """
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).get(pk=user_id)
        was_active = user.is_active
        if was_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="crm.user.deactivated",
                target=user,
                before={"is_active": True},
                after={"is_active": False},
            )
    user_sessions_end(user=user)
    return user
