"""The customer archive (客户档案), domain §2.

State that the upper apps own but every screen reads lives on the customer row, kept only by
their services: `grade` (grading), `is_blacklisted`/`blacklisted_until` (blacklist),
`last_onsite_visit_on` (visits). No form, import or admin page writes those fields.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.date_bounds import TypedDateBounds, date_bounds_q
from crm.db import InSubquery
from crm.models import Department, SingletonPolicy, StoredFile

from .validators import validate_credit_code, validate_mobile


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class SourceChannel(models.TextChoices):
    MARKET_RESEARCH = "market_research", _("Market research")
    TRADE_FAIR = "trade_fair", _("Trade fair")
    ONLINE = "online", _("Online platform")
    PARTNER = "partner", _("Partner referral")
    EMPLOYEE = "employee", _("Employee referral")
    OTHER = "other", _("Other")


class CustomerTier(models.TextChoices):
    """客户层级 (domain §9): how closely the company keeps the relationship, beside the grade."""

    STRATEGIC = "strategic", _("Strategic partner")
    KEY = "key", _("Key customer")
    ORDINARY = "ordinary", _("Ordinary customer")
    RESERVE = "reserve", _("Reserve customer")


# Tiers whose archives are key archives (专员专管: each has a named account manager).
KEY_ACCOUNT_TIERS = (CustomerTier.STRATEGIC, CustomerTier.KEY)


class StaffSize(models.TextChoices):
    XS = "lt50", _("Fewer than 50")
    S = "50_199", _("50-199")
    M = "200_499", _("200-499")
    L = "500_999", _("500-999")
    XL = "1000_plus", _("1000 or more")


PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
    "台湾省",
]
PROVINCE_CHOICES = [(p, p) for p in PROVINCES]


class CustomerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def confidential(self):
        """Archives whose every view and export is logged (查阅记录, §2, §9): as `Customer.is_confidential`."""
        return self.filter(
            models.Q(is_key=True) | models.Q(grade=Grade.A) | models.Q(tier__in=["strategic", "key"])
        )

    def visible_to(self, user):
        """The one visibility rule for customers (domain §1).

        A salesperson sees own customers and those shared with them; an assistant or a
        manager their department; 总经办 and the administrator all. Anyone else: nothing.
        """
        qs = self.filter(is_deleted=False)
        if not user.is_authenticated or not user.is_active:
            return qs.none()
        if user.sees_all_departments:
            return qs
        if user.is_manager or user.is_assistant:
            return qs.filter(department_id=user.department_id) if user.department_id else qs.none()
        if user.is_salesperson:
            shared = CustomerShare.objects.filter(user_id=user.pk).order_by().values("customer_id")
            return qs.filter(models.Q(owner=user) | InSubquery(models.F("pk"), models.Subquery(shared)))
        return qs.none()


class Customer(models.Model):
    name = models.CharField(_("full name"), max_length=200)
    name_normalized = models.CharField(_("normalised name"), max_length=200, editable=False, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    # Pinyin of the name (the list's sort order) and the full pinyin and initials of the name and
    # short name (search, issue 17); kept by customers.pinyin.set_customer_keys in the services.
    name_pinyin = models.CharField(
        _("name pinyin"), max_length=255, editable=False, default="", db_index=True
    )
    pinyin_keys = models.CharField(
        _("pinyin keys"), max_length=1000, editable=False, default="", db_index=True
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015"),
    )
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    province = models.CharField(_("province"), max_length=20, choices=PROVINCE_CHOICES, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    business_scope = models.TextField(_("business scope"), blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    staff_size = models.CharField(_("staff size"), max_length=20, choices=StaffSize.choices, blank=True)
    source_channel = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel.choices, default=SourceChannel.OTHER
    )
    cooperation_start = models.DateField(
        _("cooperation start date"), null=True, blank=True, validators=[TypedDateBounds()]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner salesperson"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="customers"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    is_key = models.BooleanField(
        _("key customer"), default=False, help_text=_("Views of a key customer's archive are logged.")
    )

    # Kept by grading services only (proposal approval); never by a form or an import.
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    grade_provisional = models.BooleanField(_("provisional grade"), default=False)
    grade_since = models.DateField(_("grade since"), null=True, blank=True)
    # Kept by the tier services only (engagement app: manager's change, 总经办 for 战略).
    tier = models.CharField(
        _("tier"), max_length=20, choices=CustomerTier.choices, default=CustomerTier.ORDINARY, db_index=True
    )
    # 专员专管 (§9): the named account manager (客户专员) of a 战略/关键 customer.
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_accounts",
    )
    # Kept by blacklist services only.
    is_blacklisted = models.BooleanField(_("blacklisted"), default=False)
    blacklisted_until = models.DateField(_("blacklisted until"), null=True, blank=True)
    # Set when a blacklist entry ends (expiry): the customer comes back only through
    # re-admission (重新准入, §4), never by a plain status change.
    readmission_required = models.BooleanField(_("re-admission required"), default=False)
    # Kept by visits services only: the last on-site visit (上门走访), for the cadence rule.
    last_onsite_visit_on = models.DateField(_("last on-site visit"), null=True, blank=True)

    # Semi-annual update (每半年反馈): when the owner last confirmed the archive.
    last_confirmed_at = models.DateTimeField(_("archive last confirmed"), null=True, blank=True)
    last_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_deleted = models.BooleanField(_("deleted"), default=False)
    # Optimistic locking: a form saved from a stale copy is refused, not silently overwritten.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(
        excluded_fields=["name_normalized", "name_pinyin", "pinyin_keys", "version", "updated_at"]
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=date_bounds_q("cooperation_start", nullable=True),
                name="customers_customer_cooperation_start_bounds",
            ),
            models.UniqueConstraint(
                fields=["name_normalized"],
                condition=models.Q(is_deleted=False),
                name="customers_customer_unique_name",
                violation_error_message=_("A customer with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="customers_customer_unique_credit_code",
                violation_error_message=_("A customer with this unified social credit code already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(grade__in=["", Grade.A, Grade.B, Grade.C, Grade.D]),
                name="customers_customer_grade_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__in=["strategic", "key", "ordinary", "reserve"]),
                name="customers_customer_tier_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["prospect", "active", "inactive"]),
                name="customers_customer_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(is_blacklisted=False) | models.Q(blacklisted_until__isnull=False),
                name="customers_customer_blacklist_has_end",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "is_deleted", "-id"], name="cust_owner_idx"),
            models.Index(fields=["department", "is_deleted", "-id"], name="cust_dept_idx"),
            models.Index(fields=["grade", "status"], name="cust_grade_status_idx"),
            models.Index(fields=["last_confirmed_at"], name="cust_confirmed_idx"),
            models.Index(Lower("short_name"), name="cust_short_lower_idx"),
        ]
        permissions = [
            ("import_customers", _("Can import customer archives")),
            ("export_customers", _("Can export customer archives")),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_confidential(self) -> bool:
        """Archives of grade-A, key-flagged or 战略/关键-tier customers are confidential: every view is logged."""
        return self.is_key or self.grade == Grade.A or self.tier in KEY_ACCOUNT_TIERS


class CustomerShare(models.Model):
    """A customer shared with a salesperson other than the owner (they may see and edit it)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer share")
        verbose_name_plural = _("customer shares")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customers_share_unique")]

    def __str__(self):
        return f"{self.customer} → {self.user}"


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


class ImportBatch(models.Model):
    """A record of an import (who, what, how many rows), shown to assistants."""

    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.kind} {self.file_name}"


class ImportJobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking")
    READY = "ready", _("Ready to import")
    REJECTED = "rejected", _("Problems found")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class ImportJob(models.Model):
    """An import checked and written by the worker while its page shows the progress (field test 16).

    The uploaded file waits under MEDIA_ROOT/imports/ until it is imported or discarded; the
    preview (counts, bad rows, the rows to create and update with each change) is kept here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file name"), max_length=200)
    path = models.CharField(_("stored file"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    report = models.JSONField(_("preview"), null=True, blank=True)
    # The version of each existing customer the preview matched: the confirm refuses to
    # overwrite one that a colleague changed in between.
    versions = models.JSONField(_("versions"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in ImportJobState]),
                name="customers_importjob_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.get_state_display()})"

    @property
    def is_running(self) -> bool:
        return self.state in (ImportJobState.QUEUED, ImportJobState.CHECKING, ImportJobState.IMPORTING)
