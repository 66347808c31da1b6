"""The figures each report kind fills (§12), by kind code.

A figure function takes the department, the customer (key-account report) and the period, and
returns {"sections": [{"heading", "rows": [[label, value]], "table": [[header...], [row...]]}]}:
words in the company's language (a report is a document, frozen when submitted), numbers
formatted. The same structure is shown on screen, printed and drawn into the PDF.
"""

from datetime import date, timedelta

from django.db.models import Avg, Count, F, Q, Sum
from django.utils.translation import gettext as _

from complaints.models import RESOLVED_STATES, ComplaintType, Ticket
from crm.services import company_language
from customers.models import Customer, CustomerTier, YearlyFigure
from engagement.models import ContactMode, ContactRecord
from sales.models import Delivery
from visits.models import VisitMode, VisitPlan, VisitPurpose, VisitReport

from .periods import bounds, period_containing, previous_period

KEY_TIERS = (CustomerTier.STRATEGIC, CustomerTier.KEY)


def _wan(value) -> str:
    """元 → 万元 with two decimals, as the regulations speak."""
    return f"{(value or 0) / 10000:,.2f}"


def _pct(part, whole) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _num(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def key_account_monthly(*, department, customer, start: date, end: date) -> dict:
    """大客户月报: business this month and year to date, visits and contacts, complaints, open
    issues and next month's plan of one 战略/关键 customer."""
    lo, hi = bounds(start, end)
    deliveries = Delivery.objects.filter(customer=customer)
    month = deliveries.filter(delivered_on__gte=start, delivered_on__lte=end).aggregate(
        v=Sum("value"), n=Count("id")
    )
    ytd = deliveries.filter(delivered_on__gte=date(end.year, 1, 1), delivered_on__lte=end).aggregate(
        v=Sum("value")
    )
    last_year = (
        YearlyFigure.objects.filter(customer=customer, year=end.year - 1)
        .values_list("business_volume", flat=True)
        .first()
    )
    visits = VisitReport.objects.filter(customer=customer, visited_on__gte=start, visited_on__lte=end)
    contacts = ContactRecord.objects.filter(customer=customer, contacted_at__gte=lo, contacted_at__lt=hi)
    tickets = Ticket.objects.filter(customer=customer, received_at__gte=lo, received_at__lt=hi)
    open_tickets = list(
        Ticket.objects.filter(customer=customer)
        .exclude(status__in=RESOLVED_STATES)
        .values_list("number", "description")
    )
    next_lo, next_hi = bounds(*_next_month(end))
    plans = list(
        VisitPlan.objects.filter(
            customer=customer, planned_at__gte=next_lo, planned_at__lt=next_hi
        ).values_list("planned_at", "purpose")
    )
    with company_language():
        return {
            "sections": [
                {
                    "heading": _("Customer"),
                    "rows": [
                        [_("Customer"), customer.name],
                        [_("Tier"), str(customer.get_tier_display())],
                        [_("Grade"), customer.grade or "—"],
                        [
                            _("Account manager"),
                            str(customer.account_manager) if customer.account_manager_id else "—",
                        ],
                    ],
                },
                {
                    "heading": _("Business"),
                    "rows": [
                        [_("Deliveries this month (10k yuan)"), _wan(month["v"])],
                        [_("Deliveries this month"), month["n"]],
                        [_("Year to date (10k yuan)"), _wan(ytd["v"])],
                        [_("Last year (10k yuan)"), _wan(last_year) if last_year is not None else "—"],
                    ],
                },
                {
                    "heading": _("Visits and contacts"),
                    "rows": [
                        [_("Visit reports"), visits.count()],
                        [_("On-site visits"), visits.filter(mode=VisitMode.ONSITE).count()],
                        [_("Contact log entries"), contacts.count()],
                    ],
                },
                {
                    "heading": _("Complaints"),
                    "rows": [
                        [_("Complaints received this month"), tickets.count()],
                        [_("Open complaints"), len(open_tickets)],
                    ],
                },
                {
                    "heading": _("Open issues"),
                    "table": [[_("Ticket"), _("Description")]] + [[n, d[:80]] for n, d in open_tickets]
                    if open_tickets
                    else [],
                },
                {
                    "heading": _("Visits planned next month"),
                    "table": [[_("Planned at"), _("Purpose")]]
                    + [[f"{p:%Y-%m-%d}", purpose] for p, purpose in plans]
                    if plans
                    else [],
                },
            ]
        }


def _next_month(end: date) -> tuple[date, date]:
    return period_containing("month", end + timedelta(days=1))


def contact_monthly(*, department, customer, start: date, end: date) -> dict:
    """沟通记录月报 (§9): each salesperson's contacts by mode, and the key customers' summary."""
    lo, hi = bounds(start, end)
    records = ContactRecord.objects.filter(
        customer__department=department, contacted_at__gte=lo, contacted_at__lt=hi
    )
    modes = list(ContactMode)
    per_user = {}
    for row in (
        records.values("user_id", "user__full_name", "user__username", "mode")
        .annotate(n=Count("id"))
        .order_by()
    ):
        name = row["user__full_name"] or row["user__username"]
        per_user.setdefault(name, dict.fromkeys([m.value for m in modes], 0))[row["mode"]] = row["n"]
    visits = dict(
        VisitReport.objects.filter(
            customer__department=department, visited_on__gte=start, visited_on__lte=end
        )
        .values_list("author__username")
        .annotate(n=Count("id"))
        .order_by()
    )
    key_customers = (
        Customer.objects.filter(department=department, is_deleted=False, tier__in=KEY_TIERS)
        .annotate(
            n=Count(
                "contact_records",
                filter=Q(contact_records__contacted_at__gte=lo, contact_records__contacted_at__lt=hi),
            )
        )
        .order_by("name")
        .values_list("name", "tier", "n")
    )
    tiers = dict(CustomerTier.choices)
    with company_language():
        return {
            "sections": [
                {
                    "heading": _("Contacts per salesperson"),
                    "rows": [
                        [_("Contact log entries"), records.count()],
                        [_("Visit reports"), sum(visits.values())],
                    ],
                    "table": [[_("Salesperson")] + [str(m.label) for m in modes] + [_("Total")]]
                    + [
                        [name, *counts.values(), sum(counts.values())]
                        for name, counts in sorted(per_user.items())
                    ],
                },
                {
                    "heading": _("Key customers' communication"),
                    "table": [[_("Customer"), _("Tier"), _("Contacts")]]
                    + [[name, str(tiers.get(tier, tier)), n] for name, tier, n in key_customers],
                },
            ]
        }


def return_visit_quarterly(*, department, customer, start: date, end: date) -> dict:
    """回访工作总体评定: return visits and on-site visits of the quarter, complainants visited
    this year (target 100%, §5), satisfaction recorded on return visits, the plan's progress."""
    from surveys.models import ResponseSource, SurveyAnswer

    from .models import DevelopmentPlan
    from .plans import plan_vs_actual

    lo, hi = bounds(start, end)
    reports = VisitReport.objects.filter(
        customer__department=department, visited_on__gte=start, visited_on__lte=end
    )
    year_lo, year_hi = bounds(date(end.year, 1, 1), end)
    complainants = Ticket.objects.filter(
        customer__department=department, received_at__gte=year_lo, received_at__lt=year_hi
    ).aggregate(
        n=Count("customer", distinct=True),
        visited=Count("customer", distinct=True, filter=Q(return_visited_at__isnull=False)),
    )
    satisfaction = SurveyAnswer.objects.filter(
        response__customer__department=department,
        response__answered_at__gte=lo,
        response__answered_at__lt=hi,
        response__source=ResponseSource.RETURN_VISIT,
    ).aggregate(a=Avg("score"))["a"]
    # A complaint's 回访 keeps its satisfaction (1–5) on the ticket (§6).
    complaint_satisfaction = Ticket.objects.filter(
        customer__department=department, return_visited_at__gte=lo, return_visited_at__lt=hi
    ).aggregate(a=Avg("satisfaction"), n=Count("id"))
    plan = DevelopmentPlan.objects.filter(department=department, year=end.year).first()
    plan_rows = plan_vs_actual(plan)["rows"] if plan else []
    with company_language():
        return {
            "sections": [
                {
                    "heading": _("Return visits"),
                    "rows": [
                        [
                            _("Return visits (回访)"),
                            reports.filter(purpose=VisitPurpose.RETURN_VISIT).count(),
                        ],
                        [_("On-site visits"), reports.filter(mode=VisitMode.ONSITE).count()],
                        [_("Visit reports"), reports.count()],
                        [_("Complainants this year"), complainants["n"]],
                        [
                            _("Complainants return-visited"),
                            f"{complainants['visited']} ({_pct(complainants['visited'], complainants['n'])})",
                        ],
                        [_("Satisfaction on return visits"), _num(satisfaction)],
                        [_("Complaint return visits"), complaint_satisfaction["n"]],
                        [
                            _("Satisfaction on complaint return visits (1–5)"),
                            _num(complaint_satisfaction["a"]),
                        ],
                    ],
                },
                {
                    "heading": _("Progress against the year's plan"),
                    "table": [[_("Dimension"), _("Value"), _("Target"), _("Actual"), _("Achieved")]]
                    + [
                        [
                            r["dimension"],
                            r["label"],
                            r["target_label"],
                            r["actual"],
                            f"{r['done']}%" if r["done"] is not None else "—",
                        ]
                        for r in plan_rows
                    ]
                    if plan_rows
                    else [],
                },
            ]
        }


def complaint_quarterly(*, department, customer, start: date, end: date) -> dict:
    """Quarterly complaint analysis (§6, §12): counts by type, causes and corrective actions,
    on-time, resolution and satisfaction measures."""
    lo, hi = bounds(start, end)
    tickets = Ticket.objects.filter(customer__department=department, received_at__gte=lo, received_at__lt=hi)
    m = tickets.aggregate(
        n=Count("id"),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        due=Count("id", filter=Q(resolved_at__isnull=False) | Q(deadline_at__lt=hi)),
        on_time=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("deadline_at"))),
        satisfaction=Avg("satisfaction"),
        major=Count("id", filter=Q(is_major=True)),
        claims=Sum("claim_amount"),
    )
    by_type = dict(tickets.values_list("complaint_type").annotate(n=Count("id")).order_by())
    causes = list(
        tickets.exclude(root_cause="")
        .order_by("received_at")
        .values_list("number", "complaint_type", "root_cause", "corrective_action")
    )
    types = dict(ComplaintType.choices)
    with company_language():
        return {
            "sections": [
                {
                    "heading": _("Measures"),
                    "rows": [
                        [_("Complaints received"), m["n"]],
                        [_("Major complaints"), m["major"]],
                        [_("Claims (10k yuan)"), _wan(m["claims"])],
                        [_("Handled on time"), _pct(m["on_time"], m["due"])],
                        [_("Resolution rate"), _pct(m["resolved"], m["n"])],
                        [_("Average satisfaction"), _num(m["satisfaction"])],
                    ],
                },
                {
                    "heading": _("By type"),
                    "table": [[_("Type"), _("Count")]]
                    + [[str(label), by_type.get(code, 0)] for code, label in ComplaintType.choices],
                },
                {
                    "heading": _("Causes and corrective actions"),
                    "table": [[_("Ticket"), _("Type"), _("Root cause"), _("Corrective action")]]
                    + [[n, str(types.get(t, t)), c, a] for n, t, c, a in causes]
                    if causes
                    else [],
                },
            ]
        }


def satisfaction_half_yearly(*, department, customer, start: date, end: date) -> dict:
    """满意率调查汇报 (§10): response rate, scores by question, grade and tier against the
    previous half-year, and the customers' comments."""
    from surveys.selectors import department_satisfaction

    from .models import Period

    now = department_satisfaction(
        department_id=department.pk, start=bounds(start, end)[0], end=bounds(start, end)[1]
    )
    p_start, p_end = previous_period(Period.HALF_YEAR, start)
    before = department_satisfaction(
        department_id=department.pk, start=bounds(p_start, p_end)[0], end=bounds(p_start, p_end)[1]
    )
    questions = now["questions"]

    def row(label, scores):
        return [label] + [_num(s) for s in scores]

    with company_language():
        table = [
            [""] + questions,
            row(_("This half-year"), now["overall"]),
            row(_("Previous half-year"), before["overall"]),
        ]
        table += [row(_("Grade") + " " + r["label"], r["scores"]) for r in now["by_grade"]]
        table += [row(r["label"], r["scores"]) for r in now["by_tier"]]
        return {
            "sections": [
                {
                    "heading": _("Response"),
                    "rows": [
                        [_("Customers invited"), now["invited"] or 0],
                        [_("Answers"), now["answered"]],
                        [_("Answers to the survey rounds"), now["answered_in_rounds"]],
                        [_("Response rate"), f"{now['rate']}%" if now["rate"] is not None else "—"],
                        [_("Answers in the previous half-year"), before["answered"]],
                    ],
                },
                {"heading": _("Scores by question, grade and tier"), "table": table},
                {
                    "heading": _("Customers' comments"),
                    "table": [[_("Customer"), _("Comment")]] + [[n, c] for n, c in now["comments"]]
                    if now["comments"]
                    else [],
                },
            ]
        }


FIGURES = {
    "key_account_monthly": key_account_monthly,
    "contact_monthly": contact_monthly,
    "return_visit_quarterly": return_visit_quarterly,
    "complaint_quarterly": complaint_quarterly,
    "satisfaction_half_yearly": satisfaction_half_yearly,
}


def figures_for(report) -> dict:
    fn = FIGURES.get(report.kind.code)
    if fn is None:
        return {"sections": []}
    return fn(
        department=report.department,
        customer=report.customer,
        start=report.period_start,
        end=report.period_end,
    )
