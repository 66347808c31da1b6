"""Excel import and export of the archive (django-import-export): customers, contacts, yearly figures.

Imports load data and never move a workflow state: grade, status and the blacklist mark are
exported for reading but are read-only columns, ignored on import. Every resource is bound
to the importing user: rows may only name customers and owners that user may see, and new
customers pass the admission check (准入, domain §2).

The column headers are the file format shared with the sales assistants' spreadsheets, so
they are fixed Chinese text (not translated UI strings): a file exported in an English
session imports the same way.
"""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crm.xlsx import unneutralise  # noqa: E402  (exports neutralise through crm.xlsx.cell_safe)

from .models import (
    BusinessProfile,
    Contact,
    ContactPosition,
    Customer,
    CustomerStatus,
    CustomerTier,
    SourceChannel,
    StaffSize,
    YearlyFigure,
)
from .pinyin import set_customer_keys
from .selectors import customer_admission_conflict, customer_list_for, salespeople_for
from .services import admission_refusal_message
from .validators import normalize_company_name, normalize_credit_code, normalize_mobile, normalize_text


class TextWidget(widgets.CharWidget):
    def __init__(self, normalise=normalize_text, **kwargs):
        super().__init__(allow_blank=True, **kwargs)
        self.normalise = normalise

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone typed as a number in Excel
        return self.normalise(unneutralise(str(value)))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class LabelChoiceWidget(widgets.Widget):
    """A choice shown by its Chinese label; the label, the English label or the code is accepted."""

    def __init__(self, choices_class, default=""):
        super().__init__()
        self.choices_class = choices_class
        self.default = default
        self.by_text = {}
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                for value, label in choices_class.choices:
                    self.by_text[str(label).casefold()] = value
        for value in choices_class.values:
            self.by_text[value.casefold()] = value

    def clean(self, value, row=None, **kwargs):
        text = normalize_text(str(value)) if value is not None else ""
        if not text:
            return self.default
        try:
            return self.by_text[text.casefold()]
        except KeyError:
            with translation.override("zh-hans"):
                allowed = "、".join(str(label) for label in self.choices_class.labels)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
            ) from None

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        with translation.override("zh-hans"):
            return str(self.choices_class(value).label)


class YesNoWidget(widgets.Widget):
    YES = {"是", "y", "yes", "true", "1", "√", "✓"}
    NO = {"否", "n", "no", "false", "0", ""}

    def clean(self, value, row=None, **kwargs):
        text = normalize_text(str(value)).casefold() if value is not None else ""
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("Write 是 or 否."))

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class NumberWidget(widgets.Widget):
    """Decimal or integer; empty is zero; negative numbers are refused."""

    def __init__(self, integer=False, allow_empty_as=Decimal(0)):
        super().__init__()
        self.integer = integer
        self.allow_empty_as = allow_empty_as

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.allow_empty_as
        try:
            number = Decimal(normalize_text(str(value)).replace(",", ""))
        except ArithmeticError:
            raise ValueError(_("Enter a number.")) from None
        if number < 0:
            raise ValueError(_("The number must not be negative."))
        if self.integer:
            if number != number.to_integral_value():
                raise ValueError(_("Enter a whole number."))
            return int(number)
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        return int(value) if self.integer else float(value)


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if hasattr(value, "date") and callable(value.date):
            return value.date()
        if hasattr(value, "year"):
            return value
        text = normalize_text(str(value)).replace("/", "-").replace(".", "-")
        try:
            return timezone.datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(_("Enter a date like 2026-03-31.")) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class OwnerWidget(widgets.Widget):
    """The owner by username, among the salespeople the importer may assign (their department)."""

    def __init__(self, user):
        super().__init__()
        self.user = user
        self._cache = None

    def clean(self, value, row=None, **kwargs):
        name = normalize_text(str(value)) if value is not None else ""
        if not name:
            return None
        if self._cache is None:
            self._cache = {u.username.casefold(): u for u in salespeople_for(self.user)}
        owner = self._cache.get(name.casefold())
        if owner is None:
            raise ValueError(
                _("“%(name)s” is not an active salesperson of your department (give the login name).")
                % {"name": name}
            )
        return owner

    def render(self, value, obj=None, **kwargs):
        return value.username if value else ""


class CustomerRefWidget(widgets.Widget):
    """The customer a contact or figure row belongs to: by credit code if given, else by full name,
    among the customers the importer may see."""

    def __init__(self, user, code_column):
        super().__init__()
        self.user = user
        self.code_column = code_column

    def clean(self, value, row=None, **kwargs):
        code = normalize_credit_code(str(row.get(self.code_column) or "")) if row else ""
        name = normalize_text(str(value)) if value is not None else ""
        qs = customer_list_for(self.user)
        customer = None
        if code:
            customer = qs.filter(credit_code=code).first()
        elif name:
            customer = qs.filter(name_normalized=normalize_company_name(name)).first()
        else:
            raise ValueError(_("Give the customer's full name or credit code."))
        if customer is None:
            raise ValueError(
                _("No customer “%(ref)s” among the customers you may see.") % {"ref": code or name}
            )
        return customer

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


def col(attribute, column_name, widget=None, readonly=False):
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=widget or TextWidget(), readonly=readonly
    )


class ArchiveResource(resources.ModelResource):
    """Common behaviour: bound to a user, errors named by Chinese column, unchanged rows skipped."""

    kind = ""
    required_columns: tuple[str, ...] = ()
    # Fields set from another one: not reported again when that one is already wrong.
    derived_fields: dict[str, tuple[str, ...]] = {"owner": ("department",)}

    class Meta:
        # Rows are matched by `get_instance` (credit code, name, customer and year), not by id.
        import_id_fields = ()
        skip_unchanged = True  # re-importing the same file changes nothing
        report_skipped = True
        clean_model_instances = True

    # The preview lists at most this many rows to create or update (the counts cover all).
    PREVIEW_ROWS = 2000

    def __init__(self, *, user, progress=None, **kwargs):
        self.user = user
        # progress(rows_done): called as rows are read, for the import page's progress bar.
        self.progress = progress
        # What the preview shows: {"row", "type", "label", "changes": [[column, old, new], ...]}.
        self.preview_rows: list[dict] = []
        self._row_preview = None
        super().__init__(**kwargs)

    @staticmethod
    def _preview_label(instance) -> str:
        try:
            return str(instance)
        except ObjectDoesNotExist:  # a row whose customer is not found: it is reported as bad anyway
            return ""

    def _preview_values(self, instance) -> dict:
        """The importable columns as the file shows them; foreign keys by id (named once, later)."""
        values = {}
        for field in self.get_import_fields():
            model_field = instance._meta._forward_fields_map.get(field.attribute)
            if model_field is not None and model_field.is_relation:
                values[field.column_name] = ("fk", getattr(instance, model_field.attname))
            else:
                try:
                    values[field.column_name] = field.export(instance)
                except ObjectDoesNotExist:  # an unsaved instance with an unset relation: nothing to show
                    values[field.column_name] = ""
        return values

    def column_of(self, attribute: str) -> str:
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        return attribute

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Constraint messages ("Constraint … is violated") mean nothing to an assistant: the
        # duplicates are checked in `check_row` with messages of their own.
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | {f for bad in errors for f in self.derived_fields.get(bad, ())}
        exclude |= self.resolved_fields(instance)
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        before = self._preview_values(instance) if instance.pk else None
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self._row_preview = (
            None if errors else (self._preview_label(instance), before, self._preview_values(instance))
        )
        for attribute, message in self.check_row(instance, row, errors):
            errors.setdefault(attribute, []).append(message)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors):
        return []

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs.get("row_number")
        if self.progress is not None and number is not None:
            self.progress(number)
        preview, self._row_preview = self._row_preview, None
        if preview is None or len(self.preview_rows) >= self.PREVIEW_ROWS:
            return
        label, before, after = preview
        if row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            self.preview_rows.append({"row": (number or 0) + 1, "type": "new", "label": label, "changes": []})
        elif (
            row_result.import_type == RowResult.IMPORT_TYPE_UPDATE
            and before is not None
            and after is not None
        ):
            changes = [
                [column, before.get(column), value]
                for column, value in after.items()
                if before.get(column) != value
            ]
            self.preview_rows.append(
                {"row": (number or 0) + 1, "type": "update", "label": label, "changes": changes}
            )

    def resolved_fields(self, instance) -> set[str]:
        """Foreign keys already holding a checked object: full_clean need not read them again."""
        return set()


class CustomerResource(ArchiveResource):
    kind = "customers"
    required_columns = ("客户名称",)

    name = col("name", "客户名称")
    short_name = col("short_name", "简称")
    credit_code = col("credit_code", "统一社会信用代码", TextWidget(normalise=normalize_credit_code))
    industry = col("industry", "行业")
    province = col("province", "省份")
    city = col("city", "城市")
    address = col("address", "地址")
    phone = col("phone", "电话")
    website = col("website", "网址")
    business_scope = col("business_scope", "经营范围")
    registered_capital = col("registered_capital", "注册资本(万元)", NumberWidget(allow_empty_as=None))
    staff_size = col("staff_size", "人员规模", LabelChoiceWidget(StaffSize))
    source_channel = col(
        "source_channel", "客户来源", LabelChoiceWidget(SourceChannel, default=SourceChannel.OTHER)
    )
    cooperation_start = col("cooperation_start", "合作开始日期", DateWidget())
    owner = fields.Field(attribute="owner", column_name="负责业务员")
    # Read-only: exported for reading, never imported (they move only through their workflows).
    department = col("department__name", "部门", readonly=True)
    grade = col("grade", "等级", readonly=True)
    tier = col("tier", "客户层级", LabelChoiceWidget(CustomerTier), readonly=True)
    status = col("status", "状态", LabelChoiceWidget(CustomerStatus), readonly=True)
    blacklisted = fields.Field(
        attribute="is_blacklisted", column_name="黑名单", widget=YesNoWidget(), readonly=True
    )

    class Meta:
        model = Customer
        fields = (
            "name",
            "short_name",
            "credit_code",
            "industry",
            "province",
            "city",
            "address",
            "phone",
            "website",
            "business_scope",
            "registered_capital",
            "staff_size",
            "source_channel",
            "cooperation_start",
            "owner",
            "department",
            "grade",
            "tier",
            "status",
            "blacklisted",
        )
        # Saved in batches (bench finding 8), inside the import's one transaction: the checks
        # that a row-by-row save left to the database (duplicates within the file) are kept in
        # the maps that `before_import` reads and `after_save_instance` updates.
        use_bulk = True
        batch_size = 1000
        # No per-row diff (a deep copy and an export of every column): `skip_row` compares the
        # imported fields with the values read in `get_instance`.
        skip_diff = True

    def __init__(self, *, user, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["owner"].widget = OwnerWidget(user)
        self._preloaded = False

    def get_queryset(self):
        return customer_list_for(self.user)

    @staticmethod
    def row_keys(row) -> tuple[str, str]:
        """The row's credit code and normalised name, as `get_instance` and `check_row` compare them."""
        code = normalize_credit_code(unneutralise(str(row.get("统一社会信用代码") or "")))
        name = normalize_text(unneutralise(str(row.get("客户名称") or "")))
        return code, normalize_company_name(name) if name else ""

    def before_import(self, dataset, **kwargs):
        """Read once what every row is checked against (was 6 statements per row)."""
        codes, names = set(), set()
        for values in dataset.dict:
            code, name = self.row_keys(values)
            if code:
                codes.add(code)
            if name:
                names.add(name)
        self._codes, self._names = codes, names
        match = Q(credit_code__in=codes) | Q(name_normalized__in=names)
        # The existing archives the importer may see (get_instance), in the queryset's order:
        # the first one kept is the one `.first()` gave.
        self._visible_by_code, self._visible_by_name = {}, {}
        for customer in self.get_queryset().filter(match):
            if customer.credit_code in codes:
                self._visible_by_code.setdefault(customer.credit_code, customer)
            if customer.name_normalized in names:
                self._visible_by_name.setdefault(customer.name_normalized, customer)
        # Every archive holding one of the codes (deleted ones too) or names (live ones): the
        # uniqueness checks; rows of the file join them as they are saved.
        self._code_holders, self._name_holders, self._holder_keys = {}, {}, {}
        for pk, code, name, deleted in Customer.objects.filter(match).values_list(
            "pk", "credit_code", "name_normalized", "is_deleted"
        ):
            self._hold(pk, code if code in codes else "", "" if deleted or name not in names else name)
        # The blacklisted companies the file names (准入), most recently blacklisted first.
        self._blacklisted = list(
            Customer.objects.filter(is_blacklisted=True).filter(match).order_by("-blacklisted_until")
        )
        self._preloaded = True

    def _hold(self, key, code, name):
        old_code, old_name = self._holder_keys.pop(key, ("", ""))
        self._code_holders.get(old_code, set()).discard(key)
        self._name_holders.get(old_name, set()).discard(key)
        if code:
            self._code_holders.setdefault(code, set()).add(key)
        if name:
            self._name_holders.setdefault(name, set()).add(key)
        self._holder_keys[key] = (code, name)

    def get_instance(self, instance_loader, row):
        """An existing archive the importer may see: by credit code, else by exact normalised name."""
        customer = self._find(row)
        if customer is not None:
            customer._import_original = [field.get_value(customer) for field in self.get_import_fields()]
        return customer

    def _find(self, row):
        code, name = self.row_keys(row)
        if self._preloaded:
            if code:
                return self._visible_by_code.get(code)
            return self._visible_by_name.get(name) if name else None
        qs = self.get_queryset()
        if code:
            return qs.filter(credit_code=code).first()
        if name:
            return qs.filter(name_normalized=name).first()
        return None

    def get_import_fields(self):
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Re-importing an unchanged row changes nothing (the archive's values as read)."""
        if import_validation_errors or instance.pk is None:
            return False
        return [field.get_value(instance) for field in self.get_import_fields()] == instance._import_original

    def resolved_fields(self, instance) -> set[str]:
        # The owner comes from `salespeople_for` (or is the archive's own), the department is the
        # owner's, the creator is the importer or the archive's own.
        return {"owner", "department", "created_by", "last_confirmed_by"}

    def _admission_conflict(self, instance):
        code, name = instance.credit_code, instance.name_normalized
        if not (self._preloaded and name in self._names and (not code or code in self._codes)):
            return customer_admission_conflict(name=instance.name, credit_code=code, exclude_pk=instance.pk)
        for blocked in self._blacklisted:
            if blocked.pk != instance.pk and (
                blocked.name_normalized == name or (code and blocked.credit_code == code)
            ):
                return blocked
        return None

    def _taken(self, instance, attribute: str) -> bool:
        """Another archive (or an earlier row of the file) holds this credit code / name."""
        value = instance.credit_code if attribute == "credit_code" else instance.name_normalized
        known, holders = (
            (self._codes, self._code_holders)
            if attribute == "credit_code"
            else (self._names, self._name_holders)
        )
        if self._preloaded and value in known:
            return bool(holders.get(value, set()) - {instance.pk})
        others = Customer.objects.exclude(pk=instance.pk) if instance.pk else Customer.objects.all()
        if attribute == "credit_code":
            return others.filter(credit_code=value).exists()
        return others.filter(is_deleted=False, name_normalized=value).exists()

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "owner" and instance.pk:
            # Existing archives keep their owner: reassignment is the manager's action (客户页面).
            owner = field.clean(row, **kwargs)
            if owner is not None and owner.pk != instance.owner_id:
                raise ValueError(
                    _("The owner of an existing customer is changed by a manager on the customer page.")
                )
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def check_row(self, instance, row, errors):
        set_customer_keys(instance)
        if instance.pk is None:
            owner = getattr(instance, "owner", None) if instance.owner_id else None
            if owner is None and "owner" not in errors:
                if self.user.is_salesperson:
                    instance.owner = self.user
                else:
                    yield "owner", _("Give the owner salesperson's login name.")
            if instance.owner_id:
                # The owner was read with its department (salespeople_for): no query for either.
                instance.department = instance.owner.department
            instance.created_by = self.user
            instance.last_confirmed_at = timezone.now()
            instance.last_confirmed_by = self.user
        if not instance.is_blacklisted:
            # 准入 first: a blacklisted company is refused as such, not as a duplicate.
            blocked = self._admission_conflict(instance)
            if blocked is not None:
                yield NON_FIELD_ERRORS, admission_refusal_message(blocked, self.user)
                return
        if instance.credit_code and self._taken(instance, "credit_code"):
            yield (
                "credit_code",
                _("Another customer (perhaps of another department) already has this credit code."),
            )
        if instance.name and self._taken(instance, "name"):
            yield "name", _("Another customer (perhaps of another department) already has this name.")

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = self.user
        if instance.pk:
            instance.version = instance.version + 1
            instance.updated_at = timezone.now()  # bulk_update does not apply auto_now

    def after_save_instance(self, instance, row, **kwargs):
        if self._preloaded:
            # A new row has no pk until its batch is written: it holds its keys by its row number.
            key = instance.pk or ("row", kwargs.get("row_number"))
            self._hold(key, instance.credit_code, "" if instance.is_deleted else instance.name_normalized)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Created with their history rows (the archive's audit trail), a batch at a time.

        The preview (dry run) writes nothing: it was rolled back anyway, and what the database
        would refuse is checked before (full_clean, the duplicate maps, the admission check).
        """
        if dry_run:
            self.create_instances.clear()
        if self.create_instances:
            try:
                created = bulk_create_with_history(
                    self.create_instances, Customer, batch_size=batch_size, default_user=self.user
                )
                # Each archive has its 经营信息 from the start, as customer_create makes it.
                bulk_create_with_history(
                    [BusinessProfile(customer_id=c.pk) for c in created],
                    BusinessProfile,
                    batch_size=batch_size,
                    default_user=self.user,
                )
            except Exception as e:
                self.handle_import_error(result, e, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run:
            self.update_instances.clear()
        if self.update_instances:
            fields_ = [
                f.attribute
                for f in self.get_import_fields()
                if f.attribute and not f.readonly and "__" not in f.attribute and f.attribute != "owner"
            ]
            try:
                bulk_update_with_history(
                    self.update_instances,
                    Customer,
                    fields_ + ["name_normalized", "name_pinyin", "pinyin_keys", "version", "updated_at"],
                    batch_size=batch_size,
                    default_user=self.user,
                )
            except Exception as e:
                self.handle_import_error(result, e, raise_errors)
            finally:
                self.update_instances.clear()


class CustomerChildResource(ArchiveResource):
    """Rows that belong to a customer the importer may see (contacts, yearly figures)."""

    customer = fields.Field(attribute="customer", column_name="客户名称")
    customer_code = col("customer__credit_code", "统一社会信用代码", readonly=True)

    def __init__(self, *, user, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["customer"].widget = CustomerRefWidget(user, "统一社会信用代码")

    def get_queryset(self):
        return self._meta.model.objects.filter(customer__in=customer_list_for(self.user)).select_related(
            "customer"
        )

    def row_customer(self, row):
        try:
            return self.fields["customer"].clean(row)
        except ValueError:
            return None


class ContactResource(CustomerChildResource):
    kind = "contacts"
    required_columns = ("客户名称", "姓名")

    name = col("name", "姓名")
    position = col("position", "职务", LabelChoiceWidget(ContactPosition, default=ContactPosition.OTHER))
    mobile = col("mobile", "手机", TextWidget(normalise=normalize_mobile))
    email = col("email", "邮箱")
    wechat = col("wechat", "微信")
    birthday = col("birthday", "生日", DateWidget())
    preferences = col("preferences", "性格及爱好")
    is_primary = fields.Field(attribute="is_primary", column_name="主要联系人", widget=YesNoWidget())

    class Meta:
        model = Contact
        fields = (
            "customer",
            "customer_code",
            "name",
            "position",
            "mobile",
            "email",
            "wechat",
            "birthday",
            "preferences",
            "is_primary",
        )
        export_order = fields

    def get_instance(self, instance_loader, row):
        customer = self.row_customer(row)
        name = normalize_text(unneutralise(str(row.get("姓名") or "")))
        return Contact.objects.filter(customer=customer, name=name).first() if customer and name else None

    def check_row(self, instance, row, errors):
        # A customer's first contact is its primary one (as in services.contact_save); decided
        # before the unchanged-row check so that re-importing the same file changes nothing.
        if instance.customer_id and not instance.is_primary:
            siblings = Contact.objects.filter(customer_id=instance.customer_id).exclude(pk=instance.pk)
            if not siblings.filter(is_primary=True).exists():
                instance.is_primary = True
        return []

    def before_save_instance(self, instance, row, **kwargs):
        # One primary contact per customer (the constraint): a new primary replaces the old one.
        if instance.is_primary:
            Contact.objects.filter(customer_id=instance.customer_id, is_primary=True).exclude(
                pk=instance.pk
            ).update(is_primary=False)
        instance._history_user = self.user


class YearlyFigureResource(CustomerChildResource):
    kind = "figures"
    required_columns = ("客户名称", "年度")

    year = col("year", "年度", NumberWidget(integer=True, allow_empty_as=None))
    business_volume = col("business_volume", "业务量(元)", NumberWidget())
    receivables = col("receivables", "应收款(元)", NumberWidget())
    overdue_payment_count = col(
        "overdue_payment_count", "逾期付款次数", NumberWidget(integer=True, allow_empty_as=0)
    )
    overdue_pickup_count = col(
        "overdue_pickup_count", "逾期未提货次数", NumberWidget(integer=True, allow_empty_as=0)
    )

    class Meta:
        model = YearlyFigure
        fields = (
            "customer",
            "customer_code",
            "year",
            "business_volume",
            "receivables",
            "overdue_payment_count",
            "overdue_pickup_count",
        )
        export_order = fields

    def get_instance(self, instance_loader, row):
        customer = self.row_customer(row)
        try:
            year = self.fields["year"].clean(row)
        except ValueError:
            return None
        return (
            YearlyFigure.objects.filter(customer=customer, year=year).first() if customer and year else None
        )

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = self.user


RESOURCES = {r.kind: r for r in (CustomerResource, ContactResource, YearlyFigureResource)}
