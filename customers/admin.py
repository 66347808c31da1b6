"""The archive in the admin: scoped like every screen, workflow state read-only, saves via services.

Grade, status, the blacklist mark and the last on-site visit change only through their
workflows (grading, the CRM's status buttons, blacklist, visits), so they are read-only here.
Customers are created on the CRM's page (admission check, owner rules), not in the admin.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.admin_base import ReadOnlyAdmin, ScopedHistoryAdmin, ScopedModelAdmin

from . import services
from .models import (
    AccessAction,
    AccessLog,
    ArchivePolicy,
    Contact,
    Customer,
    CustomerShare,
    ImportBatch,
    QualificationDocument,
    YearlyFigure,
)
from .selectors import customer_list_for, customer_name_match, salespeople_for
from .services import CONTACT_FIELDS, EDITABLE_FIELDS, FIGURE_FIELDS, CustomerError
from .templatetags.customer_tags import customer_name


class ScopedByCustomer:
    """Rows of customers the user may see; foreign keys to customers offer only those."""

    customer_path = "customer"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(**{f"{self.customer_path}__in": customer_list_for(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = customer_list_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def customer_name_html(customer):
    """The customer as every page names it (customers.templatetags.customer_tags): the short name
    with the full name beside it, and the red blacklist mark (issues 14.3, 14.14), for admin columns."""
    return customer_name(customer)


class CustomerNameSearchMixin:
    """Admin search and autocomplete also match a customer's pinyin, initials and name key
    (issue 17, 13.2): "hlgf" finds 恒力股份, 電子 finds 电子. `customer_search_prefix` leads from the
    admin's model to the customer ("" for the customer itself)."""

    customer_search_prefix = "customer__"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = (search_term or "").strip()
        if term:
            results = results | queryset.filter(customer_name_match(term, prefix=self.customer_search_prefix))
        return results, may_have_duplicates


class ServiceSaveMixin:
    """Admin saves go through the archive services; a rule they refuse is shown as an error.

    The service's CustomerError becomes an error message and the admin's own "changed
    successfully" message is suppressed, so the manager never reads both.
    """

    def _save_through_service(self, request, call) -> None:
        try:
            call()
        except CustomerError as exc:
            request._crm_service_error = True
            messages.error(request, str(exc))

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, "_crm_service_error", False) and level in (messages.INFO, messages.SUCCESS):
            return
        super().message_user(request, message, level, *args, **kwargs)


class ArchiveViewLogged:
    """查阅记录 (§2): the admin shows a confidential archive as well, so each of its views is logged.

    The change page, the history list and each old version (django-simple-history's version
    page, which is also its revert form) of the customer, its contacts and its yearly figures.
    """

    def archive_customer(self, obj) -> Customer:
        return obj.customer

    def _log_view(self, request, object_id, detail: str) -> None:
        if request.method != "GET":
            return
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            services.access_log_record(
                user=request.user,
                customer=self.archive_customer(obj),
                action=AccessAction.VIEW,
                detail=detail,
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._log_view(request, object_id, "admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._log_view(request, object_id, "admin history")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._log_view(request, object_id, f"admin history version {version_id}")
        return super().history_form_view(request, object_id, version_id, extra_context)


class CustomerShareInline(admin.TabularInline):
    model = CustomerShare
    extra = 0
    verbose_name = _("shared with")
    verbose_name_plural = _("shared with salespeople")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = salespeople_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CustomerAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if self.instance.pk and not self.instance.is_blacklisted:
            try:
                services.ensure_admissible(
                    name=data.get("name", ""),
                    credit_code=data.get("credit_code", ""),
                    exclude_pk=self.instance.pk,
                )
            except CustomerError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Customer)
class CustomerAdmin(CustomerNameSearchMixin, ArchiveViewLogged, ServiceSaveMixin, ScopedHistoryAdmin):
    customer_search_prefix = ""
    # A web address typed without a scheme means https (as on the CRM's own form).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = CustomerAdminForm
    list_display = (
        "name",
        "short_name",
        "grade",
        "status",
        "is_blacklisted",
        "owner",
        "department",
        "province",
        "last_confirmed_at",
    )
    list_filter = ("grade", "status", "is_blacklisted", "is_key", "department", "province", "source_channel")
    search_fields = ("name", "short_name", "credit_code")
    list_select_related = ("owner", "department")
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over 100,000 rows on every page
    inlines = [CustomerShareInline]
    readonly_fields = (
        "owner",
        "department",
        "grade",
        "grade_provisional",
        "grade_since",
        "status",
        "is_blacklisted",
        "blacklisted_until",
        "readmission_required",
        "last_onsite_visit_on",
        "last_confirmed_at",
        "last_confirmed_by",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": EDITABLE_FIELDS}),
        (_("Owner and workflow state"), {"fields": readonly_fields}),
    )

    def get_queryset(self, request):
        return Customer.objects.visible_to(request.user).select_related("owner", "department")

    def has_add_permission(self, request):
        return False  # created on the CRM's page: admission check and owner rules

    def has_delete_permission(self, request, obj=None):
        return False  # archives are records of business value

    def save_model(self, request, obj, form, change):
        # Through the service: audit entry, normalisation, version bump, admission check.
        self._save_through_service(
            request,
            lambda: services.customer_update(
                actor=request.user,
                customer_id=obj.pk,
                data={f: form.cleaned_data[f] for f in EDITABLE_FIELDS if f in form.cleaned_data},
            ),
        )

    def view_on_site(self, obj):
        return reverse("customers:detail", args=[obj.pk])

    def archive_customer(self, obj) -> Customer:
        return obj


@admin.register(Contact)
class ContactAdmin(
    CustomerNameSearchMixin, ArchiveViewLogged, ServiceSaveMixin, ScopedByCustomer, ScopedHistoryAdmin
):
    list_display = ("name", "customer", "position", "mobile", "email", "is_primary")
    list_filter = ("position", "is_primary")
    search_fields = ("name", "mobile", "customer__name")
    list_select_related = ("customer",)
    autocomplete_fields = ["customer"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        self._save_through_service(
            request,
            lambda: services.contact_save(
                actor=request.user,
                customer_id=obj.customer_id,
                contact_id=obj.pk if change else None,
                data={f: form.cleaned_data[f] for f in CONTACT_FIELDS if f in form.cleaned_data},
            ),
        )

    def delete_model(self, request, obj):
        services.contact_delete(actor=request.user, contact_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for contact in queryset:
            services.contact_delete(actor=request.user, contact_id=contact.pk)


@admin.register(QualificationDocument)
class QualificationDocumentAdmin(ScopedByCustomer, ScopedModelAdmin):
    """Listed here; uploaded on the customer page (the file's real type is checked there)."""

    list_display = (
        "original_name",
        "customer",
        "doc_type",
        "issued_on",
        "expires_on",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("doc_type", "expires_on")
    search_fields = ("original_name", "customer__name")
    list_select_related = ("customer", "uploaded_by")
    readonly_fields = (
        "customer",
        "doc_type",
        "original_name",
        "content_type",
        "size",
        "issued_on",
        "expires_on",
        "uploaded_by",
        "uploaded_at",
    )
    exclude = ("file",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return reverse("customers:document_download", args=[obj.customer_id, obj.pk])

    def delete_model(self, request, obj):
        services.document_delete(actor=request.user, document_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for doc in queryset:
            services.document_delete(actor=request.user, document_id=doc.pk)


@admin.register(YearlyFigure)
class YearlyFigureAdmin(
    CustomerNameSearchMixin, ArchiveViewLogged, ServiceSaveMixin, ScopedByCustomer, ScopedHistoryAdmin
):
    list_display = (
        "customer",
        "year",
        "business_volume",
        "receivables",
        "overdue_payment_count",
        "overdue_pickup_count",
    )
    list_filter = ("year",)
    search_fields = ("customer__name",)
    list_select_related = ("customer",)
    autocomplete_fields = ["customer"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        self._save_through_service(
            request,
            lambda: services.yearly_figure_save(
                actor=request.user,
                customer_id=obj.customer_id,
                year=obj.year,
                data={f: form.cleaned_data[f] for f in FIGURE_FIELDS if f in form.cleaned_data},
            ),
        )


@admin.register(ArchivePolicy)
class ArchivePolicyAdmin(ScopedModelAdmin):
    """One row: the list opens it directly."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = ArchivePolicy.load()
        return redirect(reverse("admin:customers_archivepolicy_change", args=[policy.pk]))


@admin.register(AccessLog)
class AccessLogAdmin(ScopedByCustomer, ReadOnlyAdmin):
    list_display = ("at", "user", "action", "customer", "detail")
    list_filter = ("action",)
    search_fields = ("customer__name", "user__username", "user__full_name")
    list_select_related = ("customer", "user")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "file_name", "rows", "created", "updated", "user", "department")
    list_filter = ("kind", "department")
    list_select_related = ("user", "department")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.sees_all_departments:
            return qs
        return qs.filter(department_id=request.user.department_id)
