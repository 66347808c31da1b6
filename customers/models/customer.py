"""The customer (客户档案) and its sharing, domain §2.

State that the upper apps own but every screen reads lives on the customer row, kept only by
their services: `grade` (grading), `is_blacklisted`/`blacklisted_until` (blacklist),
`last_onsite_visit_on` (visits). No form, import or admin page writes those fields.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.date_bounds import TypedDateBounds, date_bounds_q
from crm.db import InSubquery
from crm.models import Department

from ..validators import validate_credit_code


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

    def rows_visible_to(self, rows: models.QuerySet, user, path: str = "customer") -> models.QuerySet:
        """Rows of another table (visit reports, receivables…) whose customer (`path`) the user
        may see by `visible_to`.

        总经办 and the administrator see every customer not deleted: their rows are kept by
        leaving out the deleted customers (an array of a few ids, computed once, PostgreSQL
        `NOT (customer_id = ANY(ARRAY(…)))`) instead of a semi-join with all 100,000 others,
        whose hash alone cost ~60 ms of each of the 工作台's two year-long counts (bench, issue
        21). Everyone else: `path IN (visible customers)`, as before."""
        if user.is_authenticated and user.is_active and user.sees_all_departments:
            deleted = self.filter(is_deleted=True).order_by().values("pk")
            return rows.exclude(InSubquery(models.F(f"{path}_id"), models.Subquery(deleted)))
        return rows.filter(**{f"{path}__in": self.visible_to(user).values("pk")})


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
            # The few deleted customers, left out of 总经办's rows (rows_visible_to).
            models.Index(fields=["id"], condition=models.Q(is_deleted=True), name="cust_deleted_idx"),
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
