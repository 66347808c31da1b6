"""The 企业微信 / 钉钉 outbox: deliveries queued from immediate notifications, sent after commit.

A person's channel goes to their own application message when the application is configured
and they have a userid there; otherwise to their department's group robot (with an @ of them);
otherwise it is not deliverable and nothing is queued. Robot messages are gathered: all that
wait for one robot leave as few markdown messages as fit (ROBOT_MESSAGE_BYTES each), at most
ROBOT_PER_MINUTE a minute; what does not fit waits for the next minute. A failure never holds
up the others: the row is tried again with backoff, and after DELIVERY_MAX_ATTEMPTS it stays
`failed`, with its error, in the admin.
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Notification

from .channels import ChannelError, dingtalk_work, robot_adapter, wecom_app
from .models import Channel, DeliveryStatus, DepartmentRobot, NotificationDelivery

logger = logging.getLogger(__name__)

DELIVERY_MAX_ATTEMPTS = 6
ROBOT_PER_MINUTE = 20
# Below the robots' limits (企业微信 markdown 4096 bytes; 钉钉 markdown ~5000): room for @s.
ROBOT_MESSAGE_BYTES = 3500
CHANNEL_IDS = {Channel.WECOM: "wecom_userid", Channel.DINGTALK: "dingtalk_userid"}


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes… at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def deliveries_enqueue(*, notifications: list[Notification], choices: dict, now: datetime) -> int:
    """Queue the 企业微信 / 钉钉 deliveries of notifications (their recipient loaded); returns how many."""
    apps = {Channel.WECOM: wecom_app() is not None, Channel.DINGTALK: dingtalk_work() is not None}
    wanted = [
        (n, ch) for n in notifications for ch in CHANNEL_IDS if getattr(choices[(n.recipient_id, n.kind)], ch)
    ]
    if not wanted:
        return 0
    departments = {n.recipient.department_id for n, _ch in wanted}
    robots = {
        (r.department_id, r.provider): r
        for r in DepartmentRobot.objects.filter(department_id__in=departments, is_active=True)
    }
    rows = []
    for n, ch in wanted:
        userid = getattr(n.recipient, CHANNEL_IDS[ch])
        if apps[ch] and userid:
            target = f"user:{userid}"
        elif (robot := robots.get((n.recipient.department_id, ch))) is not None:
            target = f"robot:{robot.pk}:{userid}"
        else:
            continue
        rows.append(NotificationDelivery(notification=n, channel=ch, target=target, next_attempt_at=now))
    NotificationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def message_text(n: Notification) -> str:
    """Short, Chinese (stored worded), with its link back (SITE_URL)."""
    from crm.services import site_link

    lines = [f"**{n.title}**"]
    if n.body:
        body = n.body if len(n.body) <= 600 else n.body[:600] + "…"
        lines.append(body)
    if n.url:
        lines.append(f"[打开 CRM]({site_link(n.url)})")
    return "\n\n".join(lines)


def _failed(d: NotificationDelivery, exc: ChannelError, now: datetime) -> None:
    d.attempts += 1
    d.last_error = str(exc)[:2000]
    if not exc.retry or d.attempts >= DELIVERY_MAX_ATTEMPTS:
        d.status = DeliveryStatus.FAILED
        d.next_attempt_at = None
    else:
        d.next_attempt_at = now + backoff(d.attempts)
    logger.warning("delivery %s (%s) failed: %s", d.pk, d.channel, exc)


def _sent(d: NotificationDelivery, now: datetime) -> None:
    d.attempts += 1
    d.status = DeliveryStatus.SENT
    d.sent_at = now
    d.next_attempt_at = None
    d.last_error = ""


def _chunks(deliveries: list[NotificationDelivery]) -> list[list[NotificationDelivery]]:
    out, current, size = [], [], 0
    for d in deliveries:
        n = len(message_text(d.notification).encode()) + 2
        if current and size + n > ROBOT_MESSAGE_BYTES:
            out.append(current)
            current, size = [], 0
        current.append(d)
        size += n
    if current:
        out.append(current)
    return out


def _send_robot(robot: DepartmentRobot, deliveries: list[NotificationDelivery], now: datetime) -> None:
    if robot.window_start is None or now - robot.window_start >= timedelta(minutes=1):
        robot.window_start, robot.window_count = now, 0
    adapter = robot_adapter(robot)
    for chunk in _chunks(deliveries):
        if robot.window_count >= ROBOT_PER_MINUTE:
            for d in chunk:  # the robot's minute is used up: wait for the next one
                d.next_attempt_at = robot.window_start + timedelta(minutes=1)
            continue
        robot.window_count += 1
        mentions = ",".join(sorted({d.target.split(":", 2)[2] for d in chunk} - {""}))
        title = chunk[0].notification.title if len(chunk) == 1 else f"CRM 通知 {len(chunk)} 条"
        try:
            adapter.send(
                target=mentions,
                title=title,
                text="\n\n---\n\n".join(message_text(d.notification) for d in chunk),
            )
        except ChannelError as exc:
            for d in chunk:
                _failed(d, exc, now)
            if exc.errcode in {45009, 130101, 410100}:
                robot.window_count = ROBOT_PER_MINUTE  # the server says the minute is used up
            continue
        for d in chunk:
            _sent(d, now)
    DepartmentRobot.objects.filter(pk=robot.pk).update(
        window_start=robot.window_start, window_count=robot.window_count
    )


def channel_deliveries_send(
    *, now: datetime | None = None, since: datetime | None = None, limit: int = 500
) -> dict:
    """Send the 企业微信 / 钉钉 deliveries that are due (the `notification-channels` job)."""
    now = now or timezone.now()
    adapters = {Channel.WECOM: wecom_app(), Channel.DINGTALK: dingtalk_work()}
    with transaction.atomic():
        qs = (
            NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("notification")
            .order_by("next_attempt_at", "id")
        )
        # SKIP LOCKED: a second worker takes the next rows. (SQLite, one writer at a time,
        # has no row locks: Django leaves the clause out there.)
        qs = qs.select_for_update(skip_locked=True, of=("self",))
        batch = list(qs[:limit])
        by_robot: dict[int, list] = defaultdict(list)
        for d in batch:
            if d.target.startswith("robot:"):
                by_robot[int(d.target.split(":")[1])].append(d)
                continue
            adapter = adapters.get(d.channel)
            if adapter is None:
                _failed(d, ChannelError("application not configured", retry=False), now)
                continue
            try:
                adapter.send(
                    target=d.target.removeprefix("user:"),
                    title=d.notification.title,
                    text=message_text(d.notification),
                )
            except ChannelError as exc:
                _failed(d, exc, now)
            else:
                _sent(d, now)
        robots = DepartmentRobot.objects.select_for_update().in_bulk(list(by_robot))
        for robot_id, deliveries in by_robot.items():
            robot = robots.get(robot_id)
            if robot is None or not robot.is_active:
                for d in deliveries:
                    _failed(d, ChannelError("group robot removed or inactive", retry=False), now)
                continue
            _send_robot(robot, deliveries, now)
        NotificationDelivery.objects.bulk_update(
            batch, ["status", "attempts", "next_attempt_at", "sent_at", "last_error"]
        )
    summary = defaultdict(int)
    for d in batch:
        summary[d.status] += 1
    return dict(summary)
