"""Models of notification delivery: preferences, role defaults, group robots, the per-channel
outbox and the cached access tokens. Imported by crm/models.py (app label `crm`)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Role  # crm.models imports this module after defining Role

from .kinds import DIGEST, IMMEDIATE


class Delivery(models.TextChoices):
    IMMEDIATE = IMMEDIATE, _("Immediately")
    DIGEST = DIGEST, _("In the daily digest")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")


class ChannelChoice(models.Model):
    """Delivery and channels of one kind (in-app always): base of a person's and a role's row."""

    # No `choices`: the registry grows with the apps; forms offer kind_choices().
    kind = models.CharField(_("kind"), max_length=60)
    delivery = models.CharField(
        _("delivery mode"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    email = models.BooleanField(_("e-mail"), default=True)
    wecom = models.BooleanField(_("WeCom"), default=False)
    dingtalk = models.BooleanField(_("DingTalk"), default=False)

    class Meta:
        abstract = True

    def channels(self) -> list[str]:
        return [c for c in (Channel.EMAIL, Channel.WECOM, Channel.DINGTALK) if getattr(self, c)]


class NotificationPreference(ChannelChoice):
    """A person's own choice for one kind (the 通知设置 page); wins over the role's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_prefs",
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="crm_notificationpreference_one_per_kind")
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}"


class RoleNotificationDefault(ChannelChoice):
    """The administrator's default for one role and kind; wins over the kind's own default."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role default of notifications")
        verbose_name_plural = _("role defaults of notifications")
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="crm_rolenotificationdefault_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_role_display()} · {self.kind}"


class NotificationProfile(models.Model):
    """When a person's daily digest leaves (local time, Asia/Shanghai), and when it last did."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_profile",
    )
    digest_time = models.TimeField(_("digest time"), default=datetime.time(8, 0))
    # The `now` of the person's last digest: the next one takes the digest items created after it.
    last_digest_at = models.DateTimeField(_("last digest at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)


class DepartmentRobot(models.Model):
    """A group robot (企业微信 or 钉钉 群机器人) of one department's chat group.

    Carries the messages of the department's people who have that channel but no personal
    app message (no userid, or the app not configured), with an @ of the person. Each robot
    may send 20 messages a minute: the window below counts them, and the outbox gathers
    several notifications into one markdown message.
    """

    department = models.ForeignKey(
        "crm.Department", verbose_name=_("department"), on_delete=models.CASCADE, related_name="robots"
    )
    provider = models.CharField(
        _("provider"), max_length=10, choices=[c for c in Channel.choices if c[0] != "email"]
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=400)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("钉钉 robots with 加签: the secret starting with SEC."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    window_start = models.DateTimeField(_("rate window start"), null=True, blank=True, editable=False)
    window_count = models.PositiveSmallIntegerField(_("messages in the window"), default=0, editable=False)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "provider"], name="crm_departmentrobot_one_per_provider"
            )
        ]

    def __str__(self):
        return f"{self.department} · {self.get_provider_display()}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not deliverable")


class NotificationDelivery(models.Model):
    """One notification on one message channel (企业微信 / 钉钉): the outbox row of that channel.

    Created by the outbox sweep from the notification written in the business transaction;
    sent after commit, retried with backoff (next_attempt_at) up to DELIVERY_MAX_ATTEMPTS, then
    left `failed` with its error for the administrator (admin: notification deliveries).
    """

    notification = models.ForeignKey(
        "crm.Notification",
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("target"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="crm_notificationdelivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="crm_notificationdelivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="crm_delivery_due_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.notification_id}"


class ChannelToken(models.Model):
    """An access token of a channel API (企业微信 gettoken, 钉钉 gettoken), shared by the workers."""

    key = models.CharField(_("key"), max_length=120, primary_key=True)
    token = models.CharField(_("token"), max_length=512)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("channel token")
        verbose_name_plural = _("channel tokens")

    def __str__(self):
        return self.key
