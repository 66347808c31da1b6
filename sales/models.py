"""Agreements, deliveries, receivables and payments (domain §13), mostly from the ERP.

Deliveries, receivables and payments are keyed by the ERP's number (`erp_number`, unique), so a
re-import or a repeated push of the same record changes nothing. A receivable's `paid_amount`
and `settled_on` are kept by sales.services.payments from the payment allocations.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.models import SingletonPolicy, StoredFile
from customers.models import Customer

MONEY = {"max_digits": 14, "decimal_places": 2}


class SalesPolicy(SingletonPolicy):
    """The numbers of §13, edited by the administrator."""

    approval_total = models.DecimalField(_("approval from customer total (yuan)"), default=100_000, **MONEY)
    gm_approval_amount = models.DecimalField(_("总经办 approval above (yuan)"), default=1_000_000, **MONEY)
    qualification_amount = models.DecimalField(
        _("qualification documents above (yuan)"), default=100_000, **MONEY
    )
    reminder_days = models.PositiveSmallIntegerField(_("reminder days before a due date"), default=7)

    class Meta:
        verbose_name = _("sales policy")
        verbose_name_plural = _("sales policy")

    def __str__(self):
        return str(_("sales policy"))


class Delivery(models.Model):
    """Goods shipped to a customer, keyed by the ERP's delivery-note number."""

    erp_number = models.CharField(_("ERP number"), max_length=60, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deliveries"
    )
    delivered_on = models.DateField(_("delivered on"))
    value = models.DecimalField(_("value (yuan)"), max_digits=14, decimal_places=2)
    goods = models.CharField(_("goods"), max_length=300, blank=True)
    pickup_due_on = models.DateField(_("agreed pickup date"), null=True, blank=True)
    picked_up_on = models.DateField(_("picked up on"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["customer", "delivered_on"], name="sales_delivery_customer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="sales_delivery_value_not_negative"
            ),
        ]

    def __str__(self):
        return self.erp_number


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_MANAGER = "pending_manager", _("Awaiting the manager")
    PENDING_GM = "pending_gm", _("Awaiting 总经办")
    EFFECTIVE = "effective", _("Effective")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_AGREEMENT_STATES = (AgreementState.PENDING_MANAGER, AgreementState.PENDING_GM)


class Agreement(models.Model):
    """销售协议: takes effect at once, or after approval once the customer's total is reached."""

    number = models.CharField(_("agreement number"), max_length=60, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="agreements"
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    delivery_terms = models.TextField(_("delivery terms"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=AgreementState.choices, default=AgreementState.DRAFT
    )
    needs_gm = models.BooleanField(_("needs 总经办"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    effective_at = models.DateTimeField(_("effective at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sales agreement")
        verbose_name_plural = _("sales agreements")
        ordering = ["-signed_on", "-id"]
        permissions = [("approve_agreement", _("Can approve sales agreements"))]
        indexes = [models.Index(fields=["customer", "state"], name="sales_agreement_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_agreement_amount_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="sales_agreement_valid_period"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_AGREEMENT_STATES


class Instalment(models.Model):
    """A payment term of an agreement: what is due when (a receivable once it takes effect)."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["agreement", "seq"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_instalment_amount_positive"),
            models.UniqueConstraint(fields=["agreement", "seq"], name="sales_instalment_one_per_seq"),
        ]

    def __str__(self):
        return f"{self.agreement} #{self.seq}"


def attachment_upload_to(instance, filename):
    return f"agreements/{instance.agreement_id}/{uuid.uuid4().hex}"


class AgreementAttachment(StoredFile):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)

    class Meta:
        verbose_name = _("agreement attachment")
        verbose_name_plural = _("agreement attachments")

    def __str__(self):
        return self.original_name


class Step(models.TextChoices):
    MANAGER = "manager", _("Department manager")
    GM = "gm", _("总经办")


class AgreementApproval(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="approvals"
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    approved = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("agreement decision")
        verbose_name_plural = _("agreement decisions")
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "step"], name="sales_agreementapproval_one_per_step"
            ),
        ]

    def __str__(self):
        return f"{self.agreement} {self.step}"


class ReceivableSource(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    INSTALMENT = "instalment", _("Instalment")
    ERP = "erp", _("ERP")


class Receivable(models.Model):
    """应收款: an amount due on a date, from a delivery or an agreement's instalment."""

    erp_number = models.CharField(_("ERP number"), max_length=60, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="receivables"
    )
    source = models.CharField(
        _("source"), max_length=12, choices=ReceivableSource.choices, default=ReceivableSource.ERP
    )
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receivables",
    )
    instalment = models.OneToOneField(
        Instalment,
        verbose_name=_("instalment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receivable",
    )
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid_amount = models.DecimalField(_("paid (yuan)"), default=0, **MONEY)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["customer", "due_on"], name="sales_receivable_customer_idx"),
            models.Index(
                fields=["due_on"], condition=Q(settled_on__isnull=True), name="sales_receivable_open_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_receivable_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="sales_receivable_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="sales_receivable_due_after_issue"
            ),
        ]

    def __str__(self):
        return self.erp_number

    @property
    def outstanding(self):
        return self.amount - self.paid_amount


class Payment(models.Model):
    """回款: money received from a customer, applied to its receivables."""

    erp_number = models.CharField(_("ERP number"), max_length=60, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    applies_to = models.CharField(_("applied to (receivable ERP number)"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["customer", "received_on"], name="sales_payment_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_payment_amount_positive")
        ]

    def __str__(self):
        return self.erp_number


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    receivable = models.ForeignKey(Receivable, on_delete=models.CASCADE, related_name="allocations")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "receivable"], name="sales_paymentallocation_one_per_pair"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_paymentallocation_amount_positive"),
        ]

    def __str__(self):
        return f"{self.payment_id} → {self.receivable_id}"


class ErpSource(models.TextChoices):
    DELIVERIES = "deliveries", _("Delivery notes")
    RECEIVABLES = "receivables", _("Receivables")
    PAYMENTS = "payments", _("Receipts")


class ErpMapping(models.Model):
    """Which column of a source's export holds which field (saved by the administrator)."""

    source = models.CharField(_("source"), max_length=12, choices=ErpSource.choices, unique=True)
    columns = models.JSONField(
        _("columns"), default=dict, help_text=_("Field name → column header in the export.")
    )

    class Meta:
        verbose_name = _("ERP column mapping")
        verbose_name_plural = _("ERP column mappings")

    def __str__(self):
        return self.get_source_display()


class ErpImport(models.Model):
    """One uploaded export: parsed rows kept until confirmed, then applied all or nothing."""

    source = models.CharField(_("source"), max_length=12, choices=ErpSource.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.JSONField(_("rows"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ERP import")
        verbose_name_plural = _("ERP imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name


class UnmatchedRecord(models.Model):
    """An ERP record whose customer (credit code) is not in the archive: for the assistant."""

    source = models.CharField(_("source"), max_length=12, choices=ErpSource.choices)
    erp_number = models.CharField(_("ERP number"), max_length=60)
    credit_code = models.CharField(_("credit code"), max_length=30, blank=True)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    payload = models.JSONField(_("record"), default=dict)
    received_at = models.DateTimeField(_("received at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("unmatched ERP record")
        verbose_name_plural = _("unmatched ERP records")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "erp_number"],
                condition=Q(resolved_at__isnull=True),
                name="sales_unmatchedrecord_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.erp_number}"


class IntegrationAccount(models.Model):
    """An ERP (or other system) pushing records through the API, with the scopes it may write."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    scopes = models.JSONField(
        _("scopes"), default=list, help_text=_("Any of: deliveries, receivables, payments.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("integration account")
        verbose_name_plural = _("integration accounts")

    def __str__(self):
        return self.name

    # DRF treats request.user as a user: an account is authenticated, never staff.
    is_authenticated = True
    is_anonymous = False
