"""Export of visit reports to xlsx (django-import-export), safe against formula injection.

A cell a spreadsheet would evaluate (starting with =, +, -, @, a tab or a carriage return)
is written with a leading apostrophe: text typed on a phone never runs as a formula.
"""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from crm.xlsx import cell_safe as formula_safe  # noqa: E402
from crm.xlsx import workbook  # noqa: E402
from customers.models import Contact

from .models import VisitReport


class VisitReportResource(resources.ModelResource):
    customer = fields.Field(attribute="customer__name", column_name=_("customer"))
    grade = fields.Field(attribute="customer__grade", column_name=_("grade"))
    owner = fields.Field(column_name=_("owner salesperson"))
    author_name = fields.Field(column_name=_("author"))
    visited_on = fields.Field(attribute="visited_on", column_name=_("visit date"))
    mode_name = fields.Field(column_name=_("mode"))
    purpose_name = fields.Field(column_name=_("kind"))
    people = fields.Field(column_name=_("people met"))
    latest_needs = fields.Field(attribute="latest_needs", column_name=_("latest needs"))
    opinions = fields.Field(attribute="opinions", column_name=_("opinions and suggestions"))
    problems = fields.Field(attribute="problems", column_name=_("problems raised"))
    competitor_news = fields.Field(attribute="competitor_news", column_name=_("competitor news"))
    intent = fields.Field(column_name=_("cooperation intent"))
    steps = fields.Field(column_name=_("next steps"))
    summary = fields.Field(attribute="summary", column_name=_("other notes"))

    class Meta:
        model = VisitReport
        fields = export_order = (
            "id",
            "customer",
            "grade",
            "owner",
            "author_name",
            "visited_on",
            "mode_name",
            "purpose_name",
            "people",
            "latest_needs",
            "opinions",
            "problems",
            "competitor_news",
            "intent",
            "steps",
            "summary",
        )

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))

    def dehydrate_owner(self, report):
        return report.customer.owner.display_name

    def dehydrate_author_name(self, report):
        return report.author.display_name

    def dehydrate_mode_name(self, report):
        return str(report.get_mode_display())

    def dehydrate_purpose_name(self, report):
        return str(report.get_purpose_display())

    def dehydrate_intent(self, report):
        return str(report.get_cooperation_intent_display()) if report.cooperation_intent else ""

    def dehydrate_people(self, report):
        return "、".join(c.name for c in report.contacts.all())

    def dehydrate_steps(self, report):
        return "\n".join(f"{s.due_on} {s.owner.display_name}: {s.text}" for s in report.next_steps.all())


def visit_reports_xlsx(qs: QuerySet[VisitReport]) -> tuple[bytes, list]:
    """The xlsx file of the reports, and their customers (for the access log)."""
    qs = (
        qs.select_related("customer__owner", "author")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.only("pk", "name", "customer_id")),
            "next_steps__owner",
        )
        .order_by("-visited_on", "-pk")
    )
    dataset = VisitReportResource().export(qs)
    customers = {r.customer_id: r.customer for r in qs}
    return workbook((_("Visit reports"), dataset.headers, dataset)), list(customers.values())
