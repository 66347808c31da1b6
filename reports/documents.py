"""The printable forms (§12) as PrintForm descriptions: one builder per form.

Each builder takes a record the caller already checked the user may see. Labels are worded in
the reader's language (the print page and the PDF are made for the person printing them).
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .printing import PrintForm, Section


def _d(value, fmt="%Y-%m-%d") -> str:
    if not value:
        return "—"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime(fmt)


def _wan(value) -> str:
    return f"{(value or 0) / 10000:,.2f}"


def evaluation_form(evaluation) -> PrintForm:
    """客户质量等级评估表 (§3)."""
    c = evaluation.customer
    scores = [
        (_("business volume"), evaluation.score_volume),
        (_("payment record"), evaluation.score_payment),
        (_("reputation"), evaluation.score_reputation),
        (_("loyalty"), evaluation.score_loyalty),
        (_("growth potential"), evaluation.score_growth),
    ]
    return PrintForm(
        title=_("Customer quality grade evaluation form"),
        number=f"PJ-{evaluation.pk:06d}",
        filename=f"evaluation-{evaluation.pk}",
        subtitle=str(evaluation.period_year),
        sections=[
            Section(
                _("Customer"),
                rows=[
                    (_("Customer"), c.name),
                    (_("Industry"), c.industry or "—"),
                    (_("Grade at evaluation"), evaluation.grade_before or "—"),
                    (_("Owner"), str(c.owner) if c.owner_id else "—"),
                ],
            ),
            Section(
                _("Business figures"),
                rows=[
                    (_("Business volume (10k yuan)"), _wan(evaluation.business_volume)),
                    (_("Receivables (10k yuan)"), _wan(evaluation.receivables)),
                    (_("Overdue payments"), str(evaluation.overdue_payment_count)),
                    (_("Overdue pickups"), str(evaluation.overdue_pickup_count)),
                ],
            ),
            Section(
                _("Scores"),
                table=[[_("Indicator"), _("Score")]]
                + [[label, "—" if s is None else str(s)] for label, s in scores]
                + [
                    [
                        _("Weighted score"),
                        "—" if evaluation.weighted_score is None else str(evaluation.weighted_score),
                    ],
                    [_("Suggested grade"), evaluation.suggested_grade],
                ],
            ),
            Section(_("Notes"), text=evaluation.notes or "—"),
        ],
        signatures=[_("Evaluated by"), _("Department head"), _("General manager's office")],
    )


def visit_report_form(report) -> PrintForm:
    """客户拜访报告 (§5)."""
    steps = list(report.next_steps.all())
    return PrintForm(
        title=_("Customer visit report"),
        number=f"BF-{report.pk:06d}",
        filename=f"visit-report-{report.pk}",
        subtitle=str(report.get_purpose_display()),
        sections=[
            Section(
                _("Visit"),
                rows=[
                    (_("Customer"), report.customer.name),
                    (_("Visit date"), _d(report.visited_on)),
                    (_("Mode"), str(report.get_mode_display())),
                    (_("Author"), str(report.author)),
                    (_("People met"), "、".join(c.name for c in report.contacts.all()) or "—"),
                    (
                        _("Cooperation intent"),
                        str(report.get_cooperation_intent_display()) if report.cooperation_intent else "—",
                    ),
                ],
            ),
            Section(
                _("Content"),
                rows=[
                    (_("Latest needs"), report.latest_needs or "—"),
                    (_("Opinions and suggestions"), report.opinions or "—"),
                    (_("Problems raised"), report.problems or "—"),
                    (_("Competitor news"), report.competitor_news or "—"),
                    (_("Other notes"), report.summary or "—"),
                ],
            ),
            Section(
                _("Next steps"),
                table=[[_("Next step"), _("Due date"), _("Owner")]]
                + [[s.text, _d(s.due_on), str(s.owner)] for s in steps]
                if steps
                else [],
            ),
        ],
        signatures=[_("Visitor"), _("Department head")],
    )


def ticket_form(ticket) -> PrintForm:
    """投诉受理单 (§6)."""
    return PrintForm(
        title=_("Complaint ticket"),
        number=ticket.number,
        filename=f"complaint-{ticket.number}",
        sections=[
            Section(
                _("Complaint"),
                rows=[
                    (_("Customer"), ticket.customer.name),
                    (_("Channel"), str(ticket.get_channel_display())),
                    (_("Type"), str(ticket.get_complaint_type_display())),
                    (_("Received at"), _d(ticket.received_at)),
                    (_("Received by"), str(ticket.received_by) if ticket.received_by_id else "—"),
                    (_("Claim amount (yuan)"), f"{ticket.claim_amount:,.2f}"),
                    (_("Deadline"), _d(ticket.deadline_at)),
                    (_("Status"), str(ticket.get_status_display())),
                    (_("Major complaint"), _("Yes") if ticket.is_major else _("No")),
                ],
            ),
            Section(_("Description"), text=ticket.description),
            Section(
                _("Handling"),
                rows=[
                    (_("Responsible department"), str(ticket.responsible_department or "—")),
                    (_("Handler"), str(ticket.handler or "—")),
                    (_("Root cause"), ticket.root_cause or "—"),
                    (_("Corrective action"), ticket.corrective_action or "—"),
                    (_("Resolved at"), _d(ticket.resolved_at)),
                ],
            ),
            Section(
                _("Return visit"),
                rows=[
                    (_("Customer's confirmation"), ticket.customer_confirmation or "—"),
                    (_("Satisfaction (1-5)"), str(ticket.satisfaction or "—")),
                    (_("Return visit at"), _d(ticket.return_visited_at)),
                ],
            ),
        ],
        signatures=[_("Received by"), _("Handler"), _("Department head")],
    )


def blacklist_form(entries, totals, *, today) -> PrintForm:
    """黑名单报表 (§4): the filtered entries with their totals per department."""
    table = [
        [
            _("Department"),
            _("Customer"),
            _("Reason"),
            _("State"),
            _("Valid from"),
            _("Valid until"),
            _("Days remaining"),
            _("Loss (10k yuan)"),
        ]
    ]
    for e in entries:
        remaining = e.days_remaining(today)
        table.append(
            [
                str(e.department),
                e.customer.name,
                str(e.get_reason_category_display()),
                str(e.get_state_display()),
                _d(e.starts_on),
                _d(e.ends_on),
                "—" if remaining is None else str(remaining),
                _wan(e.loss_amount),
            ]
        )
    total_table = [
        [_("Department"), _("Entries"), _("In force"), _("Awaiting verification"), _("Loss (10k yuan)")]
    ]
    total_table += [
        [t["department__name"], str(t["entries"]), str(t["active"]), str(t["pending"]), _wan(t["loss"])]
        for t in totals
    ]
    return PrintForm(
        title=_("Customer blacklist report"),
        number=f"{today:%Y-%m-%d}",
        filename=f"blacklist-{today:%Y%m%d}",
        sections=[Section(_("Totals"), table=total_table), Section(_("Entries"), table=table)],
        signatures=[_("Department head"), _("General manager's office")],
    )


def periodic_report_form(report, *, title: str) -> PrintForm:
    """A periodic report (§12): its frozen (or, for a draft, current) figures and commentary."""
    sections = [
        Section(
            _("Report information"),
            rows=[
                (_("Department"), str(report.department)),
                (_("Period"), f"{_d(report.period_start)} – {_d(report.period_end)}"),
                (_("Due on"), _d(report.due_on)),
                (_("Status"), str(report.get_status_display())),
                (_("Figures as of"), _d(report.figures_at)),
                (_("Submitted"), f"{report.submitted_by or '—'} {_d(report.submitted_at)}"),
                (_("Reviewed"), f"{report.reviewed_by or '—'} {_d(report.reviewed_at)}"),
            ],
        )
    ]
    for s in report.figures.get("sections", []):
        if s.get("rows") or s.get("table"):
            sections.append(
                Section(
                    s["heading"],
                    rows=[(str(a), str(b)) for a, b in s.get("rows", [])],
                    table=[[str(c) for c in row] for row in s.get("table", [])],
                )
            )
    sections += [
        Section(_("Commentary"), text=report.commentary or "—"),
        Section(_("Problems found / still open"), text=report.problems or "—"),
        Section(_("Improvement measures / next period's plan"), text=report.measures or "—"),
    ]
    if report.review_comment:
        sections.append(Section(_("Reviewer's comment"), text=report.review_comment))
    return PrintForm(
        title=report.kind.name,
        number=f"BB-{report.pk:06d}",
        filename=f"report-{report.pk}",
        subtitle=title,
        sections=sections,
        signatures=[_("Prepared by"), _("Department head"), _("Company leader (approval)")],
    )


def statement_form(st: dict) -> PrintForm:
    """对账单 (§13): the month's receivables and payments of one customer, for reconciliation with finance."""
    customer = st["customer"]
    month = f"{st['start']:%Y-%m}"

    def money(value) -> str:
        return "" if value is None else f"{value:,.2f}"

    kinds = {"receivable": _("Receivable"), "payment": _("Payment")}
    table = [[_("Date"), _("ERP number"), _("Kind"), _("Due on"), _("Debit"), _("Credit"), _("Balance")]]
    table += [
        [
            _d(line["date"]),
            line["number"],
            str(kinds.get(line["kind"], line["kind"])),
            _d(line["due_on"]),
            money(line["debit"]),
            money(line["credit"]),
            money(line["balance"]),
        ]
        for line in st["lines"]
    ]
    return PrintForm(
        title=_("Statement of account"),
        number=f"{customer.pk}-{month}",
        filename=f"statement-{customer.pk}-{month}",
        subtitle=f"{customer.name} · {month}",
        sections=[
            Section(
                _("Customer"),
                rows=[
                    (_("Customer"), customer.name),
                    (_("Unified social credit code"), customer.credit_code or "—"),
                    (_("Period"), f"{_d(st['start'])} — {_d(st['end'])}"),
                    (_("Opening balance"), money(st["opening"])),
                    (_("Closing balance"), money(st["closing"])),
                ],
            ),
            Section(_("Receivables and payments"), table=table),
        ],
        signatures=[_("Prepared by"), _("Finance"), _("Customer confirmation (seal)")],
    )
