"""Complaint screens: lists, opening a ticket, the ticket page and its actions, measures, export.

Every view reads through complaints.selectors (the visibility rule): a ticket the user may not
see is a 404. Actions parse a form, call one service and turn a ComplaintError into a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import Department
from crm.permissions import all_departments_view_allowed
from crm.uploads import file_response
from crm.xlsx import xlsx_response
from customers.selectors import customer_list_for

from . import permissions, selectors, services
from .charts import measures_charts
from .forms import (
    AssignForm,
    AttachmentForm,
    CloseForm,
    EscalateForm,
    FeedbackForm,
    ResolveForm,
    ReturnVisitForm,
    TicketCreateForm,
)
from .models import ComplaintPolicy, ComplaintType, EventKind, Ticket, TicketAttachment
from .resources import tickets_xlsx

STATES = ("open", "overdue", "flagged", "closed", "all")


def _get_ticket(user, pk, qs=None):
    try:
        return (qs if qs is not None else selectors.ticket_list_for(user)).get(pk=pk)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc


def _list_params(request):
    scope = request.GET.get("scope")
    if scope not in selectors.SCOPES:
        scope = permissions.default_list_scope(request.user)
    state = request.GET.get("state")
    if state not in STATES:
        state = "open"
    return scope, state, request.GET.get("q", "")


@login_required
def ticket_list(request):
    now, policy = timezone.now(), ComplaintPolicy.load()
    scope, state, q = _list_params(request)
    qs = selectors.tickets_for_list(request.user, scope=scope, state=state, now=now, policy=policy, q=q)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    for t in page:
        t.feedback_missing = selectors.is_feedback_missing(t, now=now, policy=policy)
        t.overdue = t.is_handling and t.is_overdue(now)
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "scope": scope,
            "state": state,
            "q": q,
            "now": now,
            "scopes": [
                ("mine", _("Mine")),
                ("department", _("My department")),
                ("escalated", _("Escalated")),
                ("all", _("All I can see")),
            ],
            "states": [
                ("open", _("Open")),
                ("overdue", _("Overdue")),
                ("flagged", _("Feedback missing")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],
        },
    )


@login_required
def ticket_export(request):
    if not permissions.tickets_export_allowed(request.user):
        raise Http404
    now, policy = timezone.now(), ComplaintPolicy.load()
    scope, state, q = _list_params(request)
    qs = selectors.tickets_for_list(request.user, scope=scope, state=state, now=now, policy=policy, q=q)
    return xlsx_response(tickets_xlsx(qs[:20000], now=now), name=_("Complaints"), now=now)


@login_required
def ticket_create(request):
    initial = {}
    if request.GET.get("customer", "").isdigit():
        initial["customer"] = request.GET["customer"]
    form = TicketCreateForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                actor=request.user,
                customer_id=data["customer"].pk,
                channel=data["channel"],
                complaint_type=data["complaint_type"],
                description=data["description"],
                received_at=data.get("received_at"),
                claim_amount=data.get("claim_amount") or 0,
                files=[data["attachment"]] if data.get("attachment") else [],
            )
        except services.ComplaintError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Complaint %(number)s registered.") % {"number": ticket.number})
            return redirect("complaints:detail", pk=ticket.pk)
    return render(request, "complaints/form.html", {"form": form})


@login_required
def ticket_detail(request, pk):
    now, policy = timezone.now(), ComplaintPolicy.load()
    user = request.user
    qs = selectors.with_recent_feedbacks(selectors.ticket_list_for(user), now=now, policy=policy)
    ticket = _get_ticket(user, pk, qs.select_related("resolved_by", "return_visited_by", "closed_by"))
    sees_customer = customer_list_for(user).filter(pk=ticket.customer_id).exists()
    can = {
        "assign": permissions.ticket_assign_allowed(user, ticket),
        "resolve": permissions.ticket_resolve_allowed(user, ticket),
        "return_visit": permissions.ticket_return_visit_allowed(user, ticket, sees_customer),
        "close": permissions.ticket_close_allowed(user, ticket),
        "escalate": permissions.ticket_escalate_allowed(user, ticket),
        "feedback": permissions.ticket_feedback_allowed(user, ticket),
    }
    assign_initial = {
        "department": ticket.responsible_department_id or ticket.customer.department_id,
        "handler": ticket.handler_id,
        "time_limit_at": timezone.localtime(ticket.time_limit_at or ticket.deadline_at),
    }
    local_now = timezone.localtime(now)
    events = list(ticket.events.select_related("actor"))
    # A typed escalation reason is on the ticket; an automatic one is worded from its event.
    major_reason = ticket.major_reason or next((e.text for e in events if e.kind == EventKind.ESCALATED), "")
    return render(
        request,
        "complaints/detail.html",
        {
            "ticket": ticket,
            "now": now,
            "sees_customer": sees_customer,
            "overdue": ticket.is_overdue(now),
            "time_left": ticket.deadline_at - now,
            "feedback_missing": selectors.is_feedback_missing(ticket, now=now, policy=policy),
            "feedback_required": selectors.feedback_required(
                received_at=ticket.received_at, now=now, policy=policy
            ),
            "policy": policy,
            "events": events,
            "major_reason": major_reason,
            "feedbacks": ticket.feedbacks.select_related("given_by"),
            "attachments": ticket.attachments.all(),
            "can": can,
            "assign_form": AssignForm(initial=assign_initial, prefix="assign") if can["assign"] else None,
            "resolve_form": ResolveForm(prefix="resolve") if can["resolve"] else None,
            "return_visit_form": ReturnVisitForm(initial={"visited_on": local_now.date()}, prefix="rv")
            if can["return_visit"]
            else None,
            "close_form": CloseForm(prefix="close") if can["close"] else None,
            "escalate_form": EscalateForm(prefix="escalate") if can["escalate"] else None,
            "feedback_form": FeedbackForm(
                initial={"given_at": local_now.strftime("%Y-%m-%dT%H:%M")}, prefix="fb"
            )
            if can["feedback"]
            else None,
            "attachment_form": AttachmentForm(prefix="att") if can["feedback"] else None,
        },
    )


def _act(request, pk, form_class, prefix, call, success):
    """POST of one action on a ticket: form → service → message → back to the ticket."""
    ticket = _get_ticket(request.user, pk)
    form = form_class(request.POST, request.FILES, prefix=prefix)
    if form.is_valid():
        try:
            call(ticket, form.cleaned_data)
        except services.ComplaintError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, success)
    else:
        errors = "; ".join(
            f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}".strip()
            for f, e in form.errors.items()
        )
        messages.error(request, errors)
    return redirect("complaints:detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_assign(request, pk):
    return _act(
        request,
        pk,
        AssignForm,
        "assign",
        lambda t, d: services.ticket_assign(
            actor=request.user,
            ticket_id=t.pk,
            department=d["department"],
            handler=d["handler"],
            time_limit_at=d["time_limit_at"],
        ),
        _("The complaint was assigned."),
    )


@login_required
@require_POST
def ticket_resolve(request, pk):
    return _act(
        request,
        pk,
        ResolveForm,
        "resolve",
        lambda t, d: services.ticket_resolve(
            actor=request.user,
            ticket_id=t.pk,
            root_cause=d["root_cause"],
            corrective_action=d["corrective_action"],
        ),
        _("The complaint is resolved."),
    )


@login_required
@require_POST
def ticket_return_visit(request, pk):
    return _act(
        request,
        pk,
        ReturnVisitForm,
        "rv",
        lambda t, d: services.ticket_return_visit_record(
            actor=request.user,
            ticket_id=t.pk,
            satisfaction=d["satisfaction"],
            confirmation=d["confirmation"],
            visited_on=d["visited_on"],
            mode=d["mode"],
        ),
        _("The return visit was recorded."),
    )


@login_required
@require_POST
def ticket_close(request, pk):
    return _act(
        request,
        pk,
        CloseForm,
        "close",
        lambda t, d: services.ticket_close(actor=request.user, ticket_id=t.pk, note=d["note"]),
        _("The complaint is closed."),
    )


@login_required
@require_POST
def ticket_escalate(request, pk):
    return _act(
        request,
        pk,
        EscalateForm,
        "escalate",
        lambda t, d: services.ticket_escalate(actor=request.user, ticket_id=t.pk, reason=d["reason"]),
        _("The complaint was escalated to the GM office."),
    )


@login_required
@require_POST
def feedback_add(request, pk):
    return _act(
        request,
        pk,
        FeedbackForm,
        "fb",
        lambda t, d: services.feedback_add(
            actor=request.user,
            ticket_id=t.pk,
            given_at=d["given_at"],
            method=d["method"],
            content=d["content"],
        ),
        _("The feedback was logged."),
    )


@login_required
@require_POST
def attachment_add(request, pk):
    return _act(
        request,
        pk,
        AttachmentForm,
        "att",
        lambda t, d: services.attachment_add(actor=request.user, ticket_id=t.pk, file=d["file"]),
        _("The file was attached."),
    )


@login_required
def attachment_download(request, pk, attachment_id):
    ticket = _get_ticket(request.user, pk)
    try:
        att = TicketAttachment.objects.get(pk=attachment_id, ticket=ticket)
    except TicketAttachment.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(att.file, name=att.original_name, content_type=att.content_type)


@login_required
def measures(request):
    now = timezone.now()
    this_year = timezone.localdate(now).year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year)
    department_id = request.GET.get("department")
    department_id = int(department_id) if department_id and department_id.isdigit() else None
    data = selectors.complaint_measures(request.user, year=year, now=now, department_id=department_id)
    departments = (
        Department.objects.filter(is_head_office=False) if all_departments_view_allowed(request.user) else []
    )
    return render(
        request,
        "complaints/measures.html",
        {
            "year": year,
            "years": range(this_year, this_year - 5, -1),
            "department_id": department_id,
            "departments": departments,
            "rows": data["rows"],
            "return_visits": data["return_visits"],
            "type_totals": _type_totals(data["by_type"]),
            "charts": measures_charts(data),
        },
    )


def _type_totals(by_type):
    totals = dict.fromkeys(ComplaintType.values, 0)
    for r in by_type:
        totals[r["complaint_type"]] += r["n"]
    return [(label, totals[value]) for value, label in ComplaintType.choices]
