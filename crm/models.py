"""Core models: departments, users with a role, notifications, the audit trail, job state."""

import copy
import time

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALESPERSON = "salesperson", _("Salesperson")
    ASSISTANT = "assistant", _("Sales assistant")
    MANAGER = "manager", _("Manager")
    GM_OFFICE = "gm_office", _("General manager's office")
    ADMIN = "admin", _("Administrator")


class Department(models.Model):
    """A department (业务单位). Every user and every customer belongs to one."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    is_head_office = models.BooleanField(
        _("head office"),
        default=False,
        help_text=_("The general manager's office (总经办) sees all departments."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CrmUserManager(UserManager):
    """Loads the department with the user: every page header shows it."""

    def get_queryset(self):
        return super().get_queryset().select_related("department")


class User(AbstractUser):
    """A person who logs in. `role` decides what they may do, `department` what they see."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALESPERSON)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    # 主管副总 (domain §9): a 总经办 user who is the vice-president in charge of the sales
    # department; the contact cadence gives them their own calls and return visits.
    is_vice_president = models.BooleanField(_("vice-president in charge"), default=False)
    # Message channels (notifications): the person's ids in 企业微信 and 钉钉, set by the administrator.
    wecom_userid = models.CharField(_("WeCom user id"), max_length=64, blank=True)
    dingtalk_userid = models.CharField(_("DingTalk user id"), max_length=64, blank=True)

    objects = CrmUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["department", "role"], name="crm_user_dept_role_idx")]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        """What the admin's header greets (欢迎，陈静): the display name, not the login name."""
        return self.display_name

    @property
    def is_salesperson(self) -> bool:
        return self.role == Role.SALESPERSON

    @property
    def is_assistant(self) -> bool:
        return self.role == Role.ASSISTANT

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_gm_office(self) -> bool:
        return self.role == Role.GM_OFFICE

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def sees_all_departments(self) -> bool:
        return self.is_gm_office or self.is_administrator


class SingletonPolicy(models.Model):
    """Base of the policy settings: one row an app, edited by the administrator in the admin.

    Domain rules leave numbers to policy (thresholds, intervals, deadlines); each app keeps
    its own policy model so that its numbers live next to the rules that use them.
    """

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def load(cls):
        """The policy row, created with its defaults on first use.

        Read on most pages (the customer page reads two), so kept in this process for
        settings.POLICY_CACHE_SECONDS (60 s; 0 under tests): a save or delete through the ORM
        (the admin) forgets it here at once; another worker process sees the change within
        that time. Callers get a copy, so changing it never alters the cached one.
        """
        ttl = settings.POLICY_CACHE_SECONDS
        if ttl > 0:
            hit = _policy_cache.get(cls)
            if hit is not None and hit[0] > time.monotonic():
                return copy.copy(hit[1])
        obj, _created = cls.objects.get_or_create(pk=1)
        if ttl > 0:
            _policy_cache[cls] = (time.monotonic() + ttl, copy.copy(obj))
        return obj


_policy_cache: dict[type, tuple[float, SingletonPolicy]] = {}


def _policy_changed(sender, **kwargs):
    _policy_cache.pop(sender, None)


def policy_signals_connect(models_) -> None:
    """Forget a policy's cached row when it is saved or deleted (CrmConfig.ready).

    Connected per policy model, never for every sender: a post_delete receiver of every model
    keeps Django from deleting any queryset in one statement (it would load every row first).
    """
    for model in models_:
        if issubclass(model, SingletonPolicy):
            uid = model._meta.label_lower
            models.signals.post_save.connect(
                _policy_changed, sender=model, dispatch_uid=f"crm_policy_saved_{uid}"
            )
            models.signals.post_delete.connect(
                _policy_changed, sender=model, dispatch_uid=f"crm_policy_deleted_{uid}"
            )


class StoredFile(models.Model):
    """Base of every uploaded file (documents, evidence, attachments, photos).

    The subclass adds its `file` field (with an upload_to that never uses the uploader's
    name) and the record it belongs to. The type and size were checked by
    crm.uploads.validate_upload before saving; downloads go through crm.uploads.file_response.
    """

    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class Notification(models.Model):
    """An in-app reminder or escalation; also the outbox of its e-mail.

    The row is written in the same transaction as the business action, so a reminder exists
    exactly when the action committed. `emailed_at` is set when the e-mail went out; the
    `notification-outbox` job sends the ones whose on-commit send was lost (Redis down).
    `dedup_key` makes a reminder once-only per recipient (e.g. one per overdue period).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_failures = models.PositiveSmallIntegerField(_("failed e-mail attempts"), default=0)
    # Immediate, or kept for the recipient's daily digest (crm.notify): a digest item is not
    # e-mailed nor counted in the unread badge; the digest takes the items created since the
    # person's last one (NotificationProfile.last_digest_at), so none is rewritten.
    delivery = models.CharField(
        _("delivery mode"),
        max_length=10,
        default="immediate",
        choices=[("immediate", _("Immediately")), ("digest", _("In the daily digest"))],
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"],
                name="crm_notification_once_per_key",
                condition=models.Q(dedup_key__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(delivery__in=["immediate", "digest"]),
                name="crm_notification_delivery_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="crm_notif_unread_idx"),
            models.Index(fields=["emailed_at", "created_at"], name="crm_notif_outbox_idx"),
            models.Index(fields=["recipient", "delivery", "read_at"], name="crm_notif_badge_idx"),
            models.Index(fields=["recipient", "kind", "created_at"], name="crm_notif_kind_idx"),
            # The digest job reads only digest items, by person and time.
            models.Index(
                fields=["recipient", "created_at"],
                name="crm_notif_digest_wait_idx",
                condition=models.Q(delivery="digest"),
            ),
        ]

    def __str__(self):
        return self.title


class AuditLog(models.Model):
    """One business action: who did what to which record, when, with before/after values.

    Append-only: the admin offers no add, change or delete.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=40, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="crm_audit_target_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class JobState(models.Model):
    """The state of one scheduled job: its watermark (last success) and whether it runs now."""

    name = models.CharField(_("job"), max_length=60, primary_key=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    last_summary = models.JSONField(_("last summary"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self):
        return self.name


class SubmissionKey(models.Model):
    """A one-time submission key (issue 13.4): a form that creates something is accepted once.

    The key is a UUID put in the form when it is rendered (`{% submission_key_field %}`). The
    row is inserted in the same transaction as whatever the form creates, so the unique
    constraint, not a read-then-write, decides which of two identical POSTs wins; the loser
    answers with the winner's result (`result_url`). Old keys are purged by a job.
    """

    key = models.UUIDField(_("submission key"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    path = models.CharField(_("path"), max_length=300)
    result_url = models.CharField(_("result"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [models.UniqueConstraint(fields=["key"], name="crm_submissionkey_key_once")]

    def __str__(self):
        return str(self.key)


class Lockout(AccessAttempt):
    """A log-in lockout (django-axes' AccessAttempt at the failure limit), for the administrator's page."""

    class Meta:
        proxy = True
        verbose_name = _("log-in lockout")
        verbose_name_plural = _("log-in lockouts")


# Delivery preferences, group robots and the channel outbox (issue 16) live in their own module.
import crm.notify.models  # noqa: E402, F401
