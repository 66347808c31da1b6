"""The archive's figures on the 工作台 (crm.dashboards): customers by grade, archives to
confirm, documents about to expire, recent imports. Found by crm.dashboards.autodiscover."""

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dashboards import (
    OVERVIEW_ROLES,
    Chart,
    ChartData,
    Column,
    DrillList,
    Tile,
    charts,
    drill_lists,
    drill_url,
    tiles,
)

from . import selectors
from .models import Grade

DOCUMENT_WARNING_DAYS = 30
RECENT_IMPORT_DAYS = 30
GRADES = [*Grade.values, ""]


def grade_label(grade: str) -> str:
    return grade or str(_("Not graded"))


def customer_list_url(**params) -> str:
    return reverse("customers:list") + "?" + urlencode({"status": "active", **params})


def _grade_counts(ctx):
    return ctx.once("customers.grade_counts", lambda: selectors.grade_counts(ctx.user))


def by_grade(ctx) -> ChartData:
    totals = dict.fromkeys(GRADES, 0)
    for r in _grade_counts(ctx):
        totals[r["grade"]] += r["n"]
    return ChartData(
        kind="doughnut",
        label_title=_("Grade"),
        labels=[grade_label(g) for g in GRADES],
        series=[(_("Customers"), [totals[g] for g in GRADES])],
        links=[[customer_list_url(grade=g) if g else None] for g in GRADES],
        note=_("Active customers you may see."),
    )


def grade_by_department(ctx) -> ChartData:
    departments: dict[int, dict] = {}
    for r in _grade_counts(ctx):
        row = departments.setdefault(
            r["department_id"], {"name": r["department__name"], **dict.fromkeys(GRADES, 0)}
        )
        row[r["grade"]] += r["n"]
    ids = list(departments)
    return ChartData(
        kind="bar",
        stacked=True,
        label_title=_("Department"),
        labels=[departments[d]["name"] for d in ids],
        series=[(grade_label(g), [departments[d][g] for d in ids]) for g in GRADES],
        links=[[customer_list_url(department=d, grade=g) if g else None for g in GRADES] for d in ids],
        row_links=[customer_list_url(department=d) for d in ids],
        note=_("Active customers, by department and grade."),
    )


def unconfirmed(ctx):
    return selectors.archives_unconfirmed(ctx.user, now=ctx.now).order_by(
        "last_confirmed_at", "created_at", "pk"
    )


def expiring(ctx):
    return selectors.documents_expiring(ctx.user, today=ctx.today, days=DOCUMENT_WARNING_DAYS)


def recent_imports(ctx):
    return selectors.import_batches_for(ctx.user).filter(at__gte=ctx.now - timedelta(days=RECENT_IMPORT_DAYS))


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else None


def _day(dt):
    return timezone.localtime(dt).date() if dt else None


charts.register(
    Chart(
        key="customers.by_grade",
        title=_("Customers of the department by grade"),
        build=by_grade,
        order=20,
        roles=frozenset({"salesperson", "assistant", "manager"}),
        titles={"salesperson": _("My customers by grade")},
    )
)
charts.register(
    Chart(
        key="customers.grade_by_department",
        title=_("Grade distribution by department"),
        build=grade_by_department,
        order=20,
        roles=OVERVIEW_ROLES,
    )
)

tiles.register(
    Tile(
        key="customers.unconfirmed",
        label=_("Archives not confirmed for 6 months"),
        value=lambda ctx: unconfirmed(ctx).count(),
        url=lambda ctx: drill_url("unconfirmed-archives"),
        roles=frozenset({"assistant"}),
        order=10,
        tone="warning",
    )
)
tiles.register(
    Tile(
        key="customers.documents_expiring",
        label=_("Documents expiring within 30 days"),
        value=lambda ctx: expiring(ctx).count(),
        url=lambda ctx: drill_url("documents-expiring"),
        roles=frozenset({"assistant"}),
        order=20,
        tone="warning",
    )
)
tiles.register(
    Tile(
        key="customers.imports",
        label=_("Imports in the last 30 days"),
        value=lambda ctx: recent_imports(ctx).count(),
        url=lambda ctx: drill_url("imports"),
        roles=frozenset({"assistant"}),
        order=30,
    )
)

drill_lists.register(
    DrillList(
        key="unconfirmed-archives",
        title=_("Archives not confirmed for 6 months"),
        rows=unconfirmed,
        roles=frozenset({"assistant", "manager", "gm_office", "admin"}),
        intro=_("Owners must confirm or update each archive at least every 6 months (每半年反馈)."),
        columns=(
            Column.customer(_("Customer"), lambda c: c),
            Column(_("Owner"), lambda c: c.owner.display_name),
            Column(_("Grade"), lambda c: c.grade or None),
            Column(_("Last confirmed"), lambda c: _day(c.last_confirmed_at)),
            Column(_("Created"), lambda c: _day(c.created_at)),
        ),
    )
)
drill_lists.register(
    DrillList(
        key="documents-expiring",
        title=_("Documents expiring within 30 days"),
        rows=expiring,
        roles=frozenset({"assistant", "manager", "gm_office", "admin"}),
        columns=(
            Column.customer(_("Customer"), lambda d: d.customer),
            Column(_("Document type"), lambda d: d.get_doc_type_display()),
            Column(_("File name"), lambda d: d.original_name),
            Column(_("Expiry date"), lambda d: d.expires_on),
            Column(_("Owner"), lambda d: d.customer.owner.display_name),
        ),
    )
)
drill_lists.register(
    DrillList(
        key="imports",
        title=_("Imports in the last 30 days"),
        rows=recent_imports,
        roles=frozenset({"assistant", "manager", "gm_office", "admin"}),
        columns=(
            Column(_("At"), lambda b: _local(b.at)),
            Column(_("Kind"), lambda b: b.kind),
            Column(_("File name"), lambda b: b.file_name),
            Column(_("Rows"), lambda b: b.rows),
            Column(_("Created"), lambda b: b.created),
            Column(_("Updated"), lambda b: b.updated),
            Column(_("User"), lambda b: b.user.display_name),
        ),
    )
)
