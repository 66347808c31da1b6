"""Grading on the 工作台 (crm.dashboards): proposals awaiting a decision (the salesperson's
own, the approver's queue) and how the grades moved since the last review round."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dashboards import Chart, ChartData, Column, DrillList, Tile, charts, drill_lists, drill_url, tiles

from . import selectors
from .models import GradeProposal

APPROVERS = frozenset({"manager", "gm_office"})


def awaiting_me(ctx):
    """The admin's "awaiting my approval" list: the same queryset as GradeProposalAdmin's."""
    scoped = selectors.scope_by_department(GradeProposal.objects.all(), ctx.user)
    return selectors.proposals_awaiting(ctx.user, scoped)


def round_change(ctx) -> ChartData | None:
    round_ = selectors.current_round()
    if round_ is None:
        return None
    rows = selectors.round_distribution(ctx.user, round_)
    return ChartData(
        kind="bar",
        label_title=_("Grade"),
        labels=[r["grade"] for r in rows],
        series=[
            (_("At the review %(year)d") % {"year": round_.year}, [r["before"] for r in rows]),
            (_("Now"), [r["now"] for r in rows]),
        ],
        extra=[(_("Suggested"), [r["suggested"] for r in rows])],
        more_url=reverse("grading:review"),
        note=_("Customers evaluated in the review round: their grade then and now."),
    )


def _proposed_at(p):
    return timezone.localtime(p.created_at).strftime("%Y-%m-%d")


tiles.register(
    Tile(
        key="grading.mine",
        label=_("My proposals awaiting decision"),
        order=50,
        value=lambda ctx: selectors.proposals_open_by(ctx.user).count(),
        url=lambda ctx: drill_url("my-proposals"),
        roles=frozenset({"salesperson"}),
    )
)
tiles.register(
    Tile(
        key="grading.awaiting",
        label=_("Grade changes awaiting my approval"),
        order=5,
        tone="danger",
        value=lambda ctx: awaiting_me(ctx).count(),
        url=lambda ctx: reverse("admin:grading_gradeproposal_changelist") + "?show=mine",
        roles=APPROVERS,
        labels={"gm_office": _("A promotions awaiting approval")},
    )
)

charts.register(
    Chart(
        key="grading.round_change",
        title=_("Grades at the last review round and now"),
        build=round_change,
        order=30,
        roles=frozenset({"manager", "gm_office", "admin"}),
    )
)

drill_lists.register(
    DrillList(
        key="my-proposals",
        title=_("My proposals awaiting decision"),
        rows=lambda ctx: selectors.proposals_open_by(ctx.user),
        columns=(
            Column.customer(_("Customer"), lambda p: p.customer),
            Column(_("Change"), lambda p: f"{p.from_grade or '—'} → {p.to_grade}"),
            Column(_("State"), lambda p: p.get_state_display()),
            Column(_("Proposed at"), _proposed_at),
        ),
    )
)
