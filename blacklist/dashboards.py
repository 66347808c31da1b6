"""The blacklist on the 工作台 (crm.dashboards): entries and re-admissions awaiting the
viewer's decision, and the 黑名单 summary per department (the report's totals)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dashboards import Chart, ChartData, Column, DrillList, Tile, charts, drill_lists, drill_url, tiles

from . import permissions, selectors
from .exports import wan_yuan

APPROVERS = frozenset({"manager", "gm_office"})


def report_url(**params) -> str:
    return reverse("blacklist:report") + ("?" + urlencode(params) if params else "")


def summary(ctx) -> ChartData | None:
    if not permissions.blacklist_report_view_allowed(ctx.user):
        return None
    totals = selectors.report_totals(selectors.report_entries(ctx.user))
    return ChartData(
        kind="bar",
        stacked=True,
        label_title=_("Department"),
        labels=[t["department__name"] for t in totals],
        series=[
            (_("In force"), [t["active"] for t in totals]),
            (_("Awaiting verification"), [t["pending"] for t in totals]),
        ],
        extra=[
            (_("All entries"), [t["entries"] for t in totals]),
            (_("Loss (10k yuan)"), [wan_yuan(t["loss"]) for t in totals]),
        ],
        links=[
            [
                report_url(department=t["department_id"], state="active"),
                report_url(department=t["department_id"], state="reported"),
            ]
            for t in totals
        ],
        row_links=[report_url(department=t["department_id"]) for t in totals],
        more_url=report_url(),
    )


def _date(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d") if dt else None


def _entry_link(entry):
    return reverse("blacklist:entry_detail", args=[entry.pk])


tiles.register(
    Tile(
        key="blacklist.awaiting",
        label=_("Blacklist entries awaiting me"),
        order=6,
        tone="danger",
        value=lambda ctx: selectors.entries_awaiting(ctx.user).count(),
        url=lambda ctx: drill_url("blacklist-awaiting"),
        roles=APPROVERS,
        labels={"gm_office": _("Blacklist entries awaiting approval")},
    )
)
tiles.register(
    Tile(
        key="blacklist.readmissions",
        label=_("Re-admissions awaiting my approval"),
        order=7,
        tone="danger",
        value=lambda ctx: selectors.readmissions_awaiting(ctx.user).count(),
        url=lambda ctx: drill_url("readmissions-awaiting"),
        roles=APPROVERS,
    )
)

charts.register(
    Chart(
        key="blacklist.summary",
        title=_("Blacklist entries by department"),
        build=summary,
        order=60,
        roles=frozenset({"manager", "gm_office", "admin"}),
        titles={"manager": _("Blacklist entries of the department")},
    )
)

drill_lists.register(
    DrillList(
        key="blacklist-awaiting",
        title=_("Blacklist entries awaiting me"),
        rows=lambda ctx: selectors.entries_awaiting(ctx.user).order_by("created_at", "pk"),
        roles=APPROVERS,
        columns=(
            Column(_("Customer"), lambda e: e.customer.name, _entry_link),
            Column(_("Department"), lambda e: e.department.name if e.department_id else None),
            Column(_("Reason"), lambda e: e.get_reason_category_display()),
            Column(_("Loss (10k yuan)"), lambda e: wan_yuan(e.loss_amount)),
            Column(_("Reported at"), lambda e: _date(e.reported_at or e.created_at)),
        ),
    )
)
drill_lists.register(
    DrillList(
        key="readmissions-awaiting",
        title=_("Re-admissions awaiting my approval"),
        rows=lambda ctx: selectors.readmissions_awaiting(ctx.user),
        roles=APPROVERS,
        intro=_(
            "Re-admission needs the approval of 总经办 and of the department's manager; the customer re-enters as grade C."
        ),
        columns=(
            Column(_("Customer"), lambda r: r.entry.customer.name, lambda r: _entry_link(r.entry)),
            Column(_("Department"), lambda r: r.entry.department.name if r.entry.department_id else None),
            Column(_("Requested by"), lambda r: r.requested_by.display_name),
            Column(_("Requested at"), lambda r: _date(r.requested_at)),
        ),
    )
)
