"""Search, filters and sorting of the customer list (django-filter).

Every choice offered is limited to what the user may see: owners of their department (none
for a salesperson, who sees only own and shared customers), departments only for 总经办 and
the administrator. Industry is a free-text filter: listing the distinct industries would scan
the whole table on every page load.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import bootstrap_style
from crm.models import Department

from .models import PROVINCE_CHOICES, CustomerStatus, CustomerTier, Grade
from .selectors import customer_search, salespeople_for

SORTS = {
    "new": ("-id",),
    "name": ("name_pinyin", "id"),  # pinyin order (issue 17), as a Chinese reader expects
    "grade": ("grade", "-id"),
    "updated": ("-updated_at", "-id"),
    "confirmed": ("last_confirmed_at", "id"),
}
SORT_CHOICES = [
    ("new", _("Newest first")),
    ("name", _("Name")),
    ("grade", _("Grade")),
    ("updated", _("Recently changed")),
    ("confirmed", _("Longest unconfirmed")),
]


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Name, short name, pinyin, credit code, contact or mobile"),
                "type": "search",
                "class": "form-control",
            }
        ),
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"), empty_label=_("All grades"))
    tier = django_filters.ChoiceFilter(
        choices=CustomerTier.choices, label=_("Tier"), empty_label=_("All tiers")
    )
    status = django_filters.ChoiceFilter(
        choices=CustomerStatus.choices, label=_("Status"), empty_label=_("All statuses")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(), label=_("Department"), empty_label=_("All departments")
    )
    # Choices from one list query (a ModelChoiceFilter would query again to validate the pick).
    owner = django_filters.ChoiceFilter(
        field_name="owner_id", choices=[], label=_("Owner"), empty_label=_("All owners")
    )
    province = django_filters.ChoiceFilter(
        choices=PROVINCE_CHOICES, label=_("Province"), empty_label=_("All provinces")
    )
    industry = django_filters.CharFilter(
        field_name="industry",
        lookup_expr="icontains",
        label=_("Industry"),
        widget=forms.TextInput(attrs={"placeholder": _("Industry"), "class": "form-control"}),
    )
    blacklisted = django_filters.BooleanFilter(
        field_name="is_blacklisted",
        label=_("Blacklist"),
        widget=forms.Select(
            choices=[("", _("All")), ("true", _("Blacklisted")), ("false", _("Not blacklisted"))]
        ),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="sort_by",
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        fields = [
            "q",
            "grade",
            "tier",
            "status",
            "department",
            "owner",
            "province",
            "industry",
            "blacklisted",
            "sort",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = request.user
        if user.sees_all_departments:
            self.filters["department"].queryset = Department.objects.filter(is_head_office=False)
        else:
            del self.filters["department"]
        if user.is_salesperson:
            del self.filters["owner"]
        else:
            owners = salespeople_for(user).order_by("department__name", "full_name")
            self.filters["owner"].extra["choices"] = [(str(u.pk), u.display_name) for u in owners]
        bootstrap_style(self.form.fields)

    @property
    def qs(self):
        qs = super().qs
        if not self.form.cleaned_data.get("sort"):
            qs = qs.order_by(*SORTS["new"])
        return qs

    def search(self, queryset, name, value):
        return customer_search(queryset, value, user=getattr(self.request, "user", None))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["new"]))
