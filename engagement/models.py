"""The contact log (沟通记录, domain §9): every call, WeChat, e-mail or meeting with a customer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Department, SingletonPolicy
from customers.models import Contact, Customer, CustomerTier


class ContactMode(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("On-site visit")


class ContactRecord(models.Model):
    """One contact with a customer by one person. Visit reports are recorded here too (mode visit)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contact_records"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_records",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contacted by"),
        on_delete=models.PROTECT,
        related_name="contact_records",
    )
    mode = models.CharField(_("mode"), max_length=20, choices=ContactMode.choices)
    contacted_at = models.DateTimeField(_("contacted at"))
    summary = models.TextField(_("what was said"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step by"), null=True, blank=True)
    # What recorded it when not typed by hand: "visit:<report id>" (a visit report counts as a
    # contact), "greeting:<kind>:<key>:<contact id>" (a greeting marked as sent). Unique, so a
    # repeated call records nothing twice.
    source = models.CharField(_("source"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["-contacted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source=""),
                name="engagement_contactrecord_one_per_source",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=["phone", "wechat", "email", "meeting", "visit"]),
                name="engagement_contactrecord_mode_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-contacted_at"], name="eng_contact_customer_idx"),
            models.Index(fields=["user", "-contacted_at"], name="eng_contact_user_idx"),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_mode_display()} {self.contacted_at:%Y-%m-%d}"

    @property
    def visit_report_id(self) -> int | None:
        """The visit report this contact was recorded from (source "visit:<id>"), if any."""
        if self.source.startswith("visit:"):
            return int(self.source.split(":", 1)[1])
        return None


TIER_VALUES = [t.value for t in CustomerTier]


class EngagementPolicy(SingletonPolicy):
    """The numbers of §9 and §14 that are not cadence rows, editable by the administrator."""

    due_ahead_days = models.PositiveSmallIntegerField(
        _("remind of a due contact (days ahead)"),
        default=2,
        help_text=_("A contact due within this many days is put in the person's digest."),
    )
    greeting_ahead_days = models.PositiveSmallIntegerField(_("greeting reminder (days ahead)"), default=3)

    class Meta:
        verbose_name = _("key-account policy")
        verbose_name_plural = _("key-account policy")

    def __str__(self):
        return str(self._meta.verbose_name)


# --- Tiers: proposals, approval by 总经办, history ------------------------------------------


class TierProposalState(models.TextChoices):
    PENDING_GM = "pending_gm", _("Awaiting the general manager's office")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TierProposal(models.Model):
    """A tier change to or from 战略合作伙伴 set by the manager, awaiting 总经办 (§9)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tier_proposals"
    )
    from_tier = models.CharField(_("from"), max_length=20, choices=CustomerTier.choices)
    to_tier = models.CharField(_("to"), max_length=20, choices=CustomerTier.choices)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=TierProposalState.choices, default=TierProposalState.PENDING_GM
    )
    created_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("tier-change proposal")
        verbose_name_plural = _("tier-change proposals")
        ordering = ["created_at", "id"]
        permissions = [("approve_tierproposal", _("Can approve or reject tier-change proposals"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(state="pending_gm"),
                name="engagement_tierproposal_one_open",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_tier=models.F("to_tier")),
                name="engagement_tierproposal_changes_something",
            ),
            models.CheckConstraint(
                condition=models.Q(to_tier__in=TIER_VALUES) & models.Q(from_tier__in=TIER_VALUES),
                name="engagement_tierproposal_tier_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=TierProposalState.values),
                name="engagement_tierproposal_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state="pending_gm", decided_at__isnull=True)
                | (~models.Q(state="pending_gm") & models.Q(decided_at__isnull=False)),
                name="engagement_tierproposal_decided_when_closed",
            ),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_from_tier_display()} → {self.get_to_tier_display()}"

    @property
    def is_open(self) -> bool:
        return self.state == TierProposalState.PENDING_GM


class TierChange(models.Model):
    """The tier history (from, to, why, who proposed, who approved, when); append-only."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tier_changes"
    )
    proposal = models.OneToOneField(
        TierProposal,
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change",
    )
    from_tier = models.CharField(_("from"), max_length=20, choices=CustomerTier.choices)
    to_tier = models.CharField(_("to"), max_length=20, choices=CustomerTier.choices)
    reason = models.TextField(_("why"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("tier history entry")
        verbose_name_plural = _("tier history")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"], name="eng_tierchange_customer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_tier=models.F("to_tier")),
                name="engagement_tierchange_changes_something",
            ),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_from_tier_display()} → {self.get_to_tier_display()}"


# --- Contact cadence ------------------------------------------------------------------------


class CadenceWho(models.TextChoices):
    SALESPERSON = "salesperson", _("Salesperson in charge")
    HEAD = "head", _("Department head")
    VICE_PRESIDENT = "vp", _("Vice-president in charge")
    GENERAL_MANAGER = "gm", _("General manager")


class CadenceHow(models.TextChoices):
    ANY = "any", _("Phone or any contact")
    ONSITE = "onsite", _("On-site visit")


class CadenceRule(models.Model):
    """One row of the contact cadence (§9): customers of `tier` are contacted by `who`, `how`,
    at least every `interval_days`. Edited by the administrator; defaults in migration 0003."""

    tier = models.CharField(_("tier"), max_length=20, choices=CustomerTier.choices)
    who = models.CharField(_("who"), max_length=20, choices=CadenceWho.choices)
    how = models.CharField(_("how"), max_length=20, choices=CadenceHow.choices)
    interval_days = models.PositiveIntegerField(_("at least every (days)"))
    # §9: the salesperson's two-yearly visit of a 一般 customer is owed only "where the head did
    # not go": an on-site visit by the department head satisfies the rule as well.
    head_visit_counts = models.BooleanField(_("a visit by the department head also counts"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contact cadence rule")
        verbose_name_plural = _("contact cadence rules")
        ordering = ["tier", "who", "how"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "who", "how"], name="engagement_cadencerule_one_per_tier_who_how"
            ),
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1), name="engagement_cadencerule_interval_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(tier__in=TIER_VALUES), name="engagement_cadencerule_tier_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(who__in=CadenceWho.values), name="engagement_cadencerule_who_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(how__in=CadenceHow.values), name="engagement_cadencerule_how_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_tier_display()} · {self.get_who_display()} · {self.get_how_display()} · {self.interval_days}"


class CadenceReminderState(models.TextChoices):
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")


class CadenceReminder(models.Model):
    """That a customer's contact under a rule was reminded of, for one period (the due date):
    the key that makes the daily job send each reminder once however often it runs."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(
        CadenceRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="reminders"
    )
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=10, choices=CadenceReminderState.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("cadence reminder")
        verbose_name_plural = _("cadence reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "rule", "due_on", "state"],
                name="engagement_cadencereminder_once_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=CadenceReminderState.values),
                name="engagement_cadencereminder_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} · {self.rule_id} · {self.due_on} · {self.state}"


class ComplianceSnapshot(models.Model):
    """Cadence compliance of one month (the job's latest count in it), by department, tier and
    role, and for the salesperson rules also per salesperson (`user`); history for 12 months."""

    month = models.DateField(_("month"))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    tier = models.CharField(_("tier"), max_length=20, choices=CustomerTier.choices)
    who = models.CharField(_("who"), max_length=20, choices=CadenceWho.choices)
    obligations = models.PositiveIntegerField(_("contacts owed"))
    met = models.PositiveIntegerField(_("kept"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("compliance snapshot")
        verbose_name_plural = _("compliance snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "department", "tier", "who", "user"],
                condition=models.Q(user__isnull=False),
                name="engagement_compliancesnapshot_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["month", "department", "tier", "who"],
                condition=models.Q(user__isnull=True),
                name="engagement_compliancesnapshot_one_per_department",
            ),
            models.CheckConstraint(
                condition=models.Q(met__lte=models.F("obligations")),
                name="engagement_compliancesnapshot_met_within_owed",
            ),
        ]
        indexes = [models.Index(fields=["month", "department"], name="eng_snapshot_month_idx")]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.department_id} · {self.tier} · {self.who}"


# --- Customer care (§14) ------------------------------------------------------------------------


class Festival(models.Model):
    """A festival of the greeting list. Fixed-date ones have month/day; lunar ones take their
    dates per year from FestivalDate (kept by the administrator, seeded 2025–2028)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)
    month = models.PositiveSmallIntegerField(_("month (fixed date)"), null=True, blank=True)
    day = models.PositiveSmallIntegerField(_("day (fixed date)"), null=True, blank=True)
    is_active = models.BooleanField(_("greet on it"), default=True)

    class Meta:
        verbose_name = _("festival")
        verbose_name_plural = _("festivals")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(month__isnull=True) & models.Q(day__isnull=True))
                | (models.Q(month__gte=1, month__lte=12) & models.Q(day__gte=1, day__lte=31)),
                name="engagement_festival_fixed_date_valid",
            ),
        ]

    def __str__(self):
        return self.name


class FestivalDate(models.Model):
    """The date of a (lunar) festival in one year."""

    festival = models.ForeignKey(
        Festival, verbose_name=_("festival"), on_delete=models.CASCADE, related_name="dates"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("festival date")
        verbose_name_plural = _("festival dates")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["festival", "year"], name="engagement_festivaldate_one_per_year")
        ]

    def __str__(self):
        return f"{self.festival} {self.date:%Y-%m-%d}"


class MeetingKind(models.TextChoices):
    ORDER_FAIR = "order_fair", _("Order fair")
    EXCHANGE = "exchange", _("Customer exchange meeting")


class CustomerMeeting(models.Model):
    """The yearly customer meeting of a department (订货会/交流会, §14)."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.ORDER_FAIR
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer meeting")
        verbose_name_plural = _("customer meetings")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=MeetingKind.values), name="engagement_customermeeting_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["department", "held_on"], name="eng_meeting_dept_idx")]

    def __str__(self):
        return f"{self.title} {self.held_on:%Y-%m-%d}"


class MeetingInvitation(models.Model):
    """A customer invited to a meeting, and whether it came."""

    meeting = models.ForeignKey(
        CustomerMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitations"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(_("came"), default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["customer__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "customer"], name="engagement_meetinginvitation_once")
        ]

    def __str__(self):
        return f"{self.meeting} · {self.customer}"
