"""What an archive holds besides the customer row: contacts, documents, the business profile,
yearly figures, the access log, and the archive policy (domain §2)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.date_bounds import TypedDateBounds, date_bounds_q
from crm.models import SingletonPolicy, StoredFile

from ..validators import validate_mobile
from .customer import Customer


class ContactPosition(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    PURCHASING_MANAGER = "purchasing_manager", _("Purchasing manager")
    PURCHASING_DIRECTOR = "purchasing_director", _("Purchasing director")
    CFO = "cfo", _("Finance director")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    GENERAL_MANAGER = "general_manager", _("General manager")
    CHAIRMAN = "chairman", _("Chairman")
    OTHER = "other", _("Other")


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=60)
    position = models.CharField(
        _("position"), max_length=30, choices=ContactPosition.choices, default=ContactPosition.OTHER
    )
    mobile = models.CharField(
        _("mobile"), max_length=11, blank=True, validators=[validate_mobile], db_index=True
    )
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    preferences = models.TextField(_("personality and preferences"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_primary=True), name="customers_contact_one_primary"
            )
        ]
        indexes = [models.Index(fields=["name"], name="contact_name_idx")]

    def __str__(self):
        return self.name


class DocumentType(models.TextChoices):
    BUSINESS_LICENSE = "business_license", _("Business licence")
    TAX_REGISTRATION = "tax_registration", _("Tax registration certificate")
    ORG_CODE = "org_code", _("Organisation code certificate")
    BANK_PERMIT = "bank_permit", _("Bank account permit")
    FINANCIAL_STATEMENTS = "financial_statements", _("Recent financial statements")
    OTHER = "other", _("Other")


def document_upload_to(instance, filename):
    # The stored name never uses the uploader's file name (path tricks, overwrites).
    import uuid

    return f"documents/{instance.customer_id}/{uuid.uuid4().hex}"


class QualificationDocument(StoredFile):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="documents"
    )
    doc_type = models.CharField(_("document type"), max_length=30, choices=DocumentType.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=200)
    issued_on = models.DateField(_("issue date"), null=True, blank=True, validators=[TypedDateBounds()])
    expires_on = models.DateField(
        _("expiry date"), null=True, blank=True, db_index=True, validators=[TypedDateBounds()]
    )

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        ordering = ["doc_type", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=date_bounds_q("expires_on", nullable=True),
                name="customers_qualificationdocument_expires_on_bounds",
            ),
            models.CheckConstraint(
                condition=date_bounds_q("issued_on", nullable=True),
                name="customers_qualificationdocument_issued_on_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="customers_document_expires_after_issue",
            ),
        ]

    def __str__(self):
        return f"{self.get_doc_type_display()} · {self.original_name}"


class BusinessProfile(models.Model):
    """经营信息 (seed: 客户信息收集)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="profile", primary_key=True
    )
    organisation = models.TextField(_("organisation structure"), blank=True)
    history_text = models.TextField(_("company history"), blank=True)
    business_goals = models.TextField(_("business goals"), blank=True)
    main_products = models.TextField(_("main products"), blank=True)
    competitors = models.TextField(_("competitors"), blank=True)
    suppliers = models.TextField(_("suppliers"), blank=True)
    purchasing_channels = models.TextField(_("purchasing channels"), blank=True)
    market_share = models.CharField(_("market share"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")

    def __str__(self):
        return str(self.customer)


class FigureSource(models.TextChoices):
    MANUAL = "manual", _("Typed by hand")
    COMPUTED = "computed", _("Computed from the ledger")


class YearlyFigure(models.Model):
    """年度业务数据: one row per customer per year; feeds the grading rules (§3).

    `source`: typed by hand (手工录入, the years before the sales records start) or computed
    from deliveries, receivables and payments by sales.services.figures (§13).
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="yearly_figures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    business_volume = models.DecimalField(
        _("business volume (yuan)"), max_digits=16, decimal_places=2, default=0
    )
    receivables = models.DecimalField(
        _("receivables outstanding (yuan)"), max_digits=16, decimal_places=2, default=0
    )
    overdue_payment_count = models.PositiveIntegerField(_("overdue payments"), default=0)
    overdue_pickup_count = models.PositiveIntegerField(_("overdue pickups"), default=0)
    source = models.CharField(
        _("source"), max_length=10, choices=FigureSource.choices, default=FigureSource.MANUAL
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="customers_yearlyfigure_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(business_volume__gte=0) & models.Q(receivables__gte=0),
                name="customers_yearlyfigure_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1990) & models.Q(year__lte=2100),
                name="customers_yearlyfigure_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.customer} {self.year}"


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded a document")


class AccessLog(models.Model):
    """查阅记录: every view or export of a confidential archive (grade A or key)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="access_logs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="accesslog_customer_idx")]

    def __str__(self):
        return f"{self.user} {self.action} {self.customer}"


class ArchivePolicy(SingletonPolicy):
    """Policy of the archive: how often the owner must confirm it (每半年反馈)."""

    update_interval_months = models.PositiveSmallIntegerField(_("confirm archive every (months)"), default=6)

    class Meta:
        verbose_name = _("archive policy")
        verbose_name_plural = _("archive policy")

    def __str__(self):
        return str(self._meta.verbose_name)
