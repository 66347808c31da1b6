"""Tiers: proposals, approval by 总经办, history (domain §9)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerTier

from .contacts import TIER_VALUES


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
