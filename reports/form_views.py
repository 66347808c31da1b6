"""The printable forms of other apps' records (§12): print page and PDF, scoped like their pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from blacklist import permissions as blacklist_permissions
from blacklist import selectors as blacklist_selectors
from blacklist.forms import ReportFilterForm as BlacklistFilterForm
from complaints.selectors import ticket_list_for
from customers.selectors import customer_list_for
from grading.selectors import evaluations_visible
from sales import selectors as sales_selectors
from sales.permissions import statement_allowed
from visits.selectors import reports_for

from . import documents
from .printing import pdf_response, print_response


def _respond(request, form, as_pdf: bool, pdf_name: str, pk=None):
    if as_pdf:
        return pdf_response(form)
    args = [pk] if pk is not None else []
    url = reverse(pdf_name, args=args)
    if pk is None and request.GET:
        url += "?" + request.GET.urlencode()
    return print_response(request, form, pdf_url=url)


def _evaluation(request, pk):
    return get_object_or_404(evaluations_visible(request.user), pk=pk)


@login_required
def evaluation_print(request, pk):
    return _respond(
        request, documents.evaluation_form(_evaluation(request, pk)), False, "reports:evaluation_pdf", pk
    )


@login_required
def evaluation_pdf(request, pk):
    return _respond(request, documents.evaluation_form(_evaluation(request, pk)), True, "", pk)


def _visit_report(request, pk):
    return get_object_or_404(
        reports_for(request.user)
        .select_related("customer", "author")
        .prefetch_related("contacts", "next_steps__owner"),
        pk=pk,
    )


@login_required
def visit_report_print(request, pk):
    return _respond(
        request,
        documents.visit_report_form(_visit_report(request, pk)),
        False,
        "reports:visit_report_pdf",
        pk,
    )


@login_required
def visit_report_pdf(request, pk):
    return _respond(request, documents.visit_report_form(_visit_report(request, pk)), True, "", pk)


def _ticket(request, pk):
    return get_object_or_404(
        ticket_list_for(request.user).select_related(
            "customer", "received_by", "responsible_department", "handler"
        ),
        pk=pk,
    )


@login_required
def ticket_print(request, pk):
    return _respond(request, documents.ticket_form(_ticket(request, pk)), False, "reports:ticket_pdf", pk)


@login_required
def ticket_pdf(request, pk):
    return _respond(request, documents.ticket_form(_ticket(request, pk)), True, "", pk)


def _blacklist_form(request):
    if not blacklist_permissions.blacklist_report_view_allowed(request.user):
        raise PermissionDenied
    departments = blacklist_selectors.report_departments(request.user)
    form = BlacklistFilterForm(request.GET or None, departments=departments)
    entries = blacklist_selectors.report_entries(request.user, **form.filters()).select_related(
        "customer", "department"
    )
    totals = blacklist_selectors.report_totals(entries)
    return documents.blacklist_form(entries, totals, today=timezone.localdate())


@login_required
def blacklist_pdf(request):
    return pdf_response(_blacklist_form(request))


def _statement_form(request, pk):
    customer = get_object_or_404(customer_list_for(request.user), pk=pk)
    if not statement_allowed(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    return documents.statement_form(sales_selectors.customer_statement(customer, year=year, month=month))


@login_required
def statement_pdf(request, pk):
    """对账单 as a PDF (the print page is sales:statement)."""
    return pdf_response(_statement_form(request, pk))
