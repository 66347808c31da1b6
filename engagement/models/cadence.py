"""The contact cadence (domain §9): rules, the reminders sent, monthly compliance."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Department
from customers.models import Customer, CustomerTier

from .contacts import TIER_VALUES


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

    # No index of its own: the unique constraint below starts with the customer and serves its
    # lookups; one index fewer to write for each of the ~85,000 reminders of a first run (bench,
    # issue 18: the job's INSERT 3.2-4.0 s -> 2.5-2.7 s).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+", db_index=False
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
