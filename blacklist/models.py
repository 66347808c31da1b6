"""The customer blacklist (客户黑名单), domain §4.

An entry goes 待核实 reported → 生效 active (总经办 approved; 6 calendar months by default,
shorter if 总经办 says so, never longer) → 已到期 expired (the daily job) → 已恢复 re-admitted
(a re-admission request approved by 总经办 and the department's manager); or 待核实 → 已驳回
rejected. The customer's own mark (is_blacklisted, blacklisted_until, readmission_required)
is kept in step by blacklist.services through the customers services.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.lookups import Exact, LessThan, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds, date_bounds_q
from crm.db import DatePart  # also the name its migration 0001 refers to
from crm.models import Department, SingletonPolicy, StoredFile
from customers.models import Customer

# Regulations: 有效期暂定6个月; 总经办 may shorten it, never lengthen it. The policy may lower
# the default, but the database refuses anything beyond this.
MAX_VALIDITY_MONTHS = 6


def _month_index(field: str):
    return DatePart(F(field), "year") * Value(12) + DatePart(F(field), "month")


# ends_on <= starts_on + 6 calendar months, written without month arithmetic in SQL: fewer
# than 6 months apart, or exactly 6 with a day of month not after the start's (31 Aug → 28/29
# Feb passes, 31 Aug → 1 Mar does not).
_MONTHS_APART = _month_index("ends_on") - _month_index("starts_on")
WITHIN_MAX_VALIDITY = Q(LessThan(_MONTHS_APART, MAX_VALIDITY_MONTHS)) | (
    Q(Exact(_MONTHS_APART, MAX_VALIDITY_MONTHS))
    & Q(LessThanOrEqual(DatePart(F("ends_on"), "day"), DatePart(F("starts_on"), "day")))
)


class BlacklistPolicy(SingletonPolicy):
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VALIDITY_MONTHS)],
        help_text=_("Default validity of an approved entry, in calendar months (at most 6)."),
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("expiry warning (days)"),
        default=7,
        help_text=_("Entries ending within this many days are highlighted as expiring soon."),
    )

    class Meta:
        verbose_name = _("blacklist policy")
        verbose_name_plural = _("blacklist policy")

    def __str__(self):
        return str(_("Blacklist policy"))


class EntryState(models.TextChoices):
    REPORTED = "reported", _("Reported (awaiting verification)")
    ACTIVE = "active", _("In force")
    EXPIRED = "expired", _("Expired")
    READMITTED = "readmitted", _("Re-admitted")
    REJECTED = "rejected", _("Rejected")


class ReasonCategory(models.TextChoices):
    CONTRACT = "contract", _("Contract-execution failure")
    PAYMENT = "payment", _("Late or refused payment")
    CRISIS = "crisis", _("Major business crisis")
    LOSS = "loss", _("Major loss or reputation damage to us")
    FRAUD = "fraud", _("Fraud or bad faith")
    OTHER = "other", _("Other")


class BlacklistEntry(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="blacklist_entries"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("reporting department"), on_delete=models.PROTECT, related_name="+"
    )
    reason_category = models.CharField(_("reason category"), max_length=20, choices=ReasonCategory.choices)
    reason = models.TextField(_("reason"))
    loss_amount = models.DecimalField(_("loss amount (yuan)"), max_digits=14, decimal_places=2, default=0)
    loss_description = models.TextField(_("loss or damage"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=EntryState.choices, default=EntryState.REPORTED
    )
    # The incident records (问题记录, kept by grading) that support the entry (domain §3, serious incident).
    incidents = models.ManyToManyField(
        "grading.Incident", verbose_name=_("linked incidents"), blank=True, related_name="blacklist_entries"
    )

    # A salesperson proposes through the manager: the entry exists (with its evidence) but
    # reaches 总经办 only when the department's manager has submitted it (reported_by set).
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    submission_comment = models.TextField(
        _("manager's opinion"),
        blank=True,
        help_text=_("The department manager's opinion, sent with the submission to 总经办."),
    )
    decision_comment = models.TextField(_("decision comment"), blank=True)
    starts_on = models.DateField(_("valid from"), null=True, blank=True, validators=[TypedDateBounds()])
    ends_on = models.DateField(
        _("valid until"), null=True, blank=True, db_index=True, validators=[TypedDateBounds()]
    )
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    readmitted_at = models.DateTimeField(_("re-admitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=date_bounds_q("ends_on", nullable=True),
                name="blacklist_blacklistentry_ends_on_bounds",
            ),
            models.CheckConstraint(
                condition=date_bounds_q("starts_on", nullable=True),
                name="blacklist_blacklistentry_starts_on_bounds",
            ),
            models.CheckConstraint(
                condition=Q(state__in=EntryState.values), name="blacklist_blacklistentry_state_valid"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(state="active"), name="blacklist_blacklistentry_one_active"
            ),
            # One report awaiting verification per customer: a second one would only duplicate it.
            models.UniqueConstraint(
                fields=["customer"], condition=Q(state="reported"), name="blacklist_blacklistentry_one_open"
            ),
            models.CheckConstraint(
                condition=Q(loss_amount__gte=0), name="blacklist_blacklistentry_loss_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["reported", "rejected"])
                | Q(starts_on__isnull=False, ends_on__isnull=False, decided_at__isnull=False),
                name="blacklist_blacklistentry_approved_has_period",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="blacklist_blacklistentry_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | WITHIN_MAX_VALIDITY,
                name="blacklist_blacklistentry_within_six_months",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "ends_on"], name="blacklist_state_end_idx"),
            models.Index(fields=["department", "state"], name="blacklist_dept_state_idx"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.get_state_display()}"

    @property
    def awaiting_manager(self) -> bool:
        """A salesperson's proposal that the manager has not yet submitted to 总经办."""
        return self.state == EntryState.REPORTED and self.reported_by_id is None

    def days_remaining(self, today) -> int | None:
        if self.state != EntryState.ACTIVE or self.ends_on is None:
            return None
        return max((self.ends_on - today).days, 0)


def evidence_upload_to(instance, filename):
    # Never the uploader's file name (path tricks, overwrites).
    import uuid

    return f"blacklist/{instance.entry_id}/{uuid.uuid4().hex}"


class BlacklistEvidence(StoredFile):
    entry = models.ForeignKey(
        BlacklistEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class ReadmissionState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReadmissionRequest(models.Model):
    """重新准入: a fresh evaluation of the admission conditions, approved by 总经办 and the
    department's manager (either order, both needed)."""

    entry = models.ForeignKey(
        BlacklistEntry,
        verbose_name=_("blacklist entry"),
        on_delete=models.PROTECT,
        related_name="readmissions",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ReadmissionState.choices, default=ReadmissionState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    # The evaluation of the admission conditions (准入条件), each confirmed by the requester.
    licence_valid = models.BooleanField(_("business licence and qualifications are valid"), default=False)
    debts_settled = models.BooleanField(_("no overdue receivables; past losses settled"), default=False)
    operating_normally = models.BooleanField(
        _("operating normally, no major litigation or crisis"), default=False
    )
    cause_resolved = models.BooleanField(_("the cause of the blacklisting has been resolved"), default=False)
    evaluation = models.TextField(_("evaluation"))
    expected_volume = models.DecimalField(
        _("expected yearly business volume (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    gm_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by 总经办"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    gm_approved_at = models.DateTimeField(_("总经办 approved at"), null=True, blank=True)
    manager_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by the department's manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    manager_approved_at = models.DateTimeField(_("manager approved at"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("re-admission request")
        verbose_name_plural = _("re-admission requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReadmissionState.values),
                name="blacklist_readmissionrequest_state_valid",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state="pending"),
                name="blacklist_readmissionrequest_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved")
                | Q(gm_approved_at__isnull=False, manager_approved_at__isnull=False),
                name="blacklist_readmissionrequest_approved_by_both",
            ),
        ]

    def __str__(self):
        return f"{self.entry.customer} · {self.get_state_display()}"

    @property
    def conditions_met(self) -> bool:
        return self.licence_valid and self.debts_settled and self.operating_normally and self.cause_resolved
