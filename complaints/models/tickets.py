"""The ticket and its rules' numbers: the policy, the yearly counter, the states, the ticket."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds, datetime_bounds_q
from crm.models import Department, SingletonPolicy
from customers.models import PROVINCE_CHOICES, Customer


class ComplaintPolicy(SingletonPolicy):
    """Numbers of the complaint rules, edited by the administrator (domain §6)."""

    # The company's own province decides in-province (省内) vs out-of-province (省外).
    company_province = models.CharField(
        _("company province"),
        max_length=20,
        choices=PROVINCE_CHOICES,
        default="上海市",
        help_text=_("Customers in this province get the in-province deadline."),
    )
    in_province_hours = models.PositiveSmallIntegerField(_("in-province deadline (hours)"), default=24)
    out_of_province_hours = models.PositiveSmallIntegerField(
        _("out-of-province deadline (hours)"), default=48
    )
    escalation_threshold = models.DecimalField(
        _("major complaint threshold (yuan)"),
        max_digits=14,
        decimal_places=2,
        default=100_000,
        help_text=_(
            "A claim at or above this amount makes the complaint major and sends it to the GM office."
        ),
    )
    feedback_min_count = models.PositiveSmallIntegerField(_("progress feedbacks required"), default=2)
    feedback_window_days = models.PositiveSmallIntegerField(_("per period (days)"), default=7)

    class Meta:
        verbose_name = _("complaint policy")
        verbose_name_plural = _("complaint policy")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(in_province_hours__gt=0)
                & models.Q(out_of_province_hours__gt=0)
                & models.Q(feedback_window_days__gt=0)
                & models.Q(escalation_threshold__gte=0),
                name="complaints_complaintpolicy_positive",
            )
        ]

    def __str__(self):
        return str(self._meta.verbose_name)


class TicketCounter(models.Model):
    """The last ticket number given in a year; locked with select_for_update when numbering.

    Numbers are never reused: a number is taken in the transaction that creates its ticket,
    and tickets are never deleted (PROTECT everywhere, no delete in the admin).
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    ONLINE = "online", _("Online")
    WALK_IN = "walk_in", _("Walk-in")
    VIA_SALESPERSON = "via_salesperson", _("Via the salesperson")


class ComplaintType(models.TextChoices):
    QUALITY = "quality", _("Product quality")
    SERVICE = "service", _("Service")
    DELIVERY = "delivery", _("Delivery and logistics")
    BILLING = "billing", _("Pricing and settlement")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    RETURN_VISITED = "return_visited", _("Return visit done")
    CLOSED = "closed", _("Closed")


# Being handled: the deadline runs and the customer is owed progress feedback.
HANDLING_STATES = (Status.RECEIVED, Status.ASSIGNED)
OPEN_STATES = (Status.RECEIVED, Status.ASSIGNED, Status.RESOLVED, Status.RETURN_VISITED)
RESOLVED_STATES = (Status.RESOLVED, Status.RETURN_VISITED, Status.CLOSED)


# Handled on time (§6): resolved by the deadline. The one rule of the measures counted in SQL
# (complaints.selectors._measure_counts) and, for one ticket, of Ticket.handled_on_time.
HANDLED_ON_TIME = models.Q(resolved_at__isnull=False, resolved_at__lte=models.F("deadline_at"))


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Status.CLOSED)


class Ticket(models.Model):
    """投诉受理单."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    complaint_type = models.CharField(_("type"), max_length=20, choices=ComplaintType.choices)
    description = models.TextField(_("description"))
    received_at = models.DateTimeField(_("received at"), validators=[TypedDateBounds()])
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("First-contact responsibility."),
    )
    claim_amount = models.DecimalField(_("claim amount (yuan)"), max_digits=14, decimal_places=2, default=0)
    in_province = models.BooleanField(_("in-province"), default=True, editable=False)
    deadline_at = models.DateTimeField(_("deadline"), editable=False, db_index=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_handled",
    )
    time_limit_at = models.DateTimeField(_("time limit"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)

    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    customer_confirmation = models.TextField(_("customer's confirmation"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    return_visited_at = models.DateTimeField(_("return visit at"), null=True, blank=True)
    return_visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("return visit by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The visit report (visits app) that records the return visit (回访). An id, not a foreign
    # key: complaints writes visit reports only through visits.services, and the link must not
    # tie this app's migrations to the visits app's.
    return_visit_report_id = models.PositiveBigIntegerField(_("return visit report"), null=True, blank=True)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # 重大投诉: escalated to 总经办 (large claim or a manager's decision).
    is_major = models.BooleanField(_("major complaint"), default=False)
    major_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    major_reason = models.CharField(_("escalation reason"), max_length=200, blank=True)
    # Set once by the complaint-deadlines job when the deadline passed unresolved.
    overdue_escalated_at = models.DateTimeField(_("overdue escalation at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint ticket")
        verbose_name_plural = _("complaint tickets")
        ordering = ["deadline_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=datetime_bounds_q("received_at"), name="complaints_ticket_received_at_bounds"
            ),
            models.CheckConstraint(
                condition=models.Q(claim_amount__gte=0), name="complaints_ticket_claim_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="complaints_ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaints_ticket_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[s.value for s in RESOLVED_STATES])
                | (
                    ~models.Q(root_cause="")
                    & ~models.Q(corrective_action="")
                    & models.Q(resolved_at__isnull=False)
                ),
                name="complaints_ticket_resolved_has_root_cause",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[Status.RETURN_VISITED.value, Status.CLOSED.value])
                | models.Q(satisfaction__isnull=False, return_visited_at__isnull=False),
                name="complaints_ticket_return_visit_has_satisfaction",
            ),
            models.CheckConstraint(
                condition=models.Q(status=Status.RECEIVED.value)
                | models.Q(handler__isnull=False, responsible_department__isnull=False),
                name="complaints_ticket_assigned_has_handler",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline_at__gt=models.F("received_at")),
                name="complaints_ticket_deadline_after_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline_at"], name="complaint_status_deadline_idx"),
            models.Index(fields=["customer", "status"], name="complaint_customer_idx"),
            models.Index(fields=["handler", "status"], name="complaint_handler_idx"),
            models.Index(fields=["received_at"], name="complaint_received_idx"),
        ]
        permissions = [("export_tickets", _("Can export complaint tickets"))]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def is_handling(self) -> bool:
        return self.status in HANDLING_STATES

    def is_overdue(self, now) -> bool:
        """Past the deadline and not resolved yet (resolved late counts as handled late)."""
        if self.resolved_at is not None:
            return self.resolved_at > self.deadline_at
        return now > self.deadline_at

    @property
    def handled_on_time(self) -> bool | None:
        """The rule of HANDLED_ON_TIME for one ticket."""
        return None if self.resolved_at is None else self.resolved_at <= self.deadline_at
