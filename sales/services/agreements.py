"""Sales agreements (销售协议, §13): draft, submit, approve or reject, take effect.

Approval: once the customer's agreements reach SalesPolicy.approval_total (100,000 元), the
agreement that crosses it and every later one need the department manager's approval, and
总经办's when the amount is above gm_approval_amount (1,000,000 元). A new customer's agreement
above qualification_amount needs the five qualification documents on file and in date before
it can be submitted. Same mechanics as grade proposals (grading/services/proposals.py _decide).
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record, company_language, gm_office_users, managers_of, notification_send
from customers.models import DocumentType, QualificationDocument

from ..models import (
    Agreement,
    AgreementApproval,
    AgreementState,
    Instalment,
    Receivable,
    ReceivableSource,
    SalesPolicy,
    Step,
)
from ..permissions import agreement_create_allowed, approval_refusal
from .common import SalesError, agreement_admin_url, customer_url, visible_customer

REQUIRED_DOCUMENTS = (
    DocumentType.BUSINESS_LICENSE,
    DocumentType.TAX_REGISTRATION,
    DocumentType.ORG_CODE,
    DocumentType.BANK_PERMIT,
    DocumentType.FINANCIAL_STATEMENTS,
)


def agreement_create(
    *,
    actor: User,
    customer_id: int,
    number: str,
    amount: Decimal,
    signed_on: date,
    valid_from: date,
    valid_until: date,
    delivery_terms: str = "",
    instalments: list[tuple[date, Decimal]],
    now: datetime,
) -> Agreement:
    """Draft an agreement with its instalments (they must add up to the amount).

    Raises SalesError: unknown number, bad dates, instalments not adding up, a taken number.
    """
    if not agreement_create_allowed(actor):
        raise SalesError(_("You may not draft agreements."), code="forbidden")
    number = (number or "").strip()
    if not number:
        raise SalesError(_("Give the agreement number."), fields={"number": [_("Required.")]})
    if amount is None or amount <= 0:
        raise SalesError(_("The amount must be above zero."), fields={"amount": [_("Must be above zero.")]})
    if valid_until < valid_from:
        raise SalesError(
            _("The agreement ends before it starts."), fields={"valid_until": [_("Before the start.")]}
        )
    if not instalments:
        raise SalesError(_("Give at least one instalment."), fields={"instalments": [_("Required.")]})
    if any(a <= 0 for _d, a in instalments):
        raise SalesError(
            _("Every instalment must be above zero."), fields={"instalments": [_("Must be above zero.")]}
        )
    if sum((a for _d, a in instalments), Decimal(0)) != amount:
        raise SalesError(
            _("The instalments add up to %(sum)s, not the agreement's %(amount)s.")
            % {"sum": sum(a for _d, a in instalments), "amount": amount},
            fields={"instalments": [_("Do not add up to the amount.")]},
        )
    with transaction.atomic():
        customer = visible_customer(actor, customer_id)
        agreement = Agreement(
            number=number,
            customer=customer,
            amount=amount,
            signed_on=signed_on,
            valid_from=valid_from,
            valid_until=valid_until,
            delivery_terms=delivery_terms.strip(),
            created_by=actor,
            created_at=now,
        )
        try:
            with transaction.atomic():
                agreement.save()
        except IntegrityError as exc:
            raise SalesError(
                _("Agreement number %(number)s is already taken.") % {"number": number},
                fields={"number": [_("Taken.")]},
            ) from exc
        Instalment.objects.bulk_create(
            [
                Instalment(agreement=agreement, seq=i, due_on=d, amount=a)
                for i, (d, a) in enumerate(sorted(instalments), start=1)
            ]
        )
        audit_record(
            actor=actor,
            action="sales.agreement.created",
            target=agreement,
            after={"amount": amount, "customer": customer.pk},
        )
    return agreement


def qualification_missing(customer, *, today: date) -> list[str]:
    """The required qualification documents not on file or out of date (names, in the UI language)."""
    on_file = set(
        QualificationDocument.objects.filter(customer=customer, doc_type__in=REQUIRED_DOCUMENTS)
        .exclude(expires_on__lt=today)
        .values_list("doc_type", flat=True)
    )
    return [str(DocumentType(t).label) for t in REQUIRED_DOCUMENTS if t not in on_file]


def effective_total(customer_id: int, *, exclude_id: int | None = None) -> Decimal:
    """The customer's agreements counted towards the approval total: effective or awaiting approval."""
    qs = Agreement.objects.filter(
        customer_id=customer_id,
        state__in=[AgreementState.EFFECTIVE, AgreementState.PENDING_MANAGER, AgreementState.PENDING_GM],
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.aggregate(t=Sum("amount"))["t"] or Decimal(0)


def agreement_submit(*, agreement_id: int, actor: User, now: datetime) -> Agreement:
    """Submit a draft: it takes effect at once, or waits for approval (see the module docstring).

    A new customer is one with no effective agreement yet. Raises SalesError naming the missing
    qualification documents, or when the agreement is not a draft.
    """
    policy = SalesPolicy.load()
    with transaction.atomic():
        agreement = _locked(agreement_id)
        customer = visible_customer(
            actor, agreement.customer_id, for_update=True
        )  # serialises a customer's submits
        if not agreement_create_allowed(actor):
            raise SalesError(_("You may not submit agreements."), code="forbidden")
        if agreement.state != AgreementState.DRAFT:
            raise SalesError(_("Only a draft can be submitted."), code="conflict")
        is_new = not Agreement.objects.filter(customer=customer, state=AgreementState.EFFECTIVE).exists()
        if is_new and agreement.amount > policy.qualification_amount:
            missing = qualification_missing(customer, today=timezone.localdate(now))
            if missing:
                raise SalesError(
                    _(
                        "A new customer's agreement above %(amount)s yuan needs its qualification documents "
                        "on file and in date. Missing: %(missing)s."
                    )
                    % {"amount": f"{policy.qualification_amount:,.0f}", "missing": "、".join(missing)},
                    code="qualification_missing",
                )
        total = effective_total(customer.pk, exclude_id=agreement.pk) + agreement.amount
        needs_approval = total >= policy.approval_total
        agreement.submitted_at = now
        agreement.needs_gm = needs_approval and agreement.amount > policy.gm_approval_amount
        if needs_approval:
            agreement.state = AgreementState.PENDING_MANAGER
            agreement.save(update_fields=["state", "submitted_at", "needs_gm"])
            _notify_next_approvers(agreement)
        else:
            agreement.save(update_fields=["submitted_at", "needs_gm"])
            _take_effect(agreement, now=now)
        audit_record(
            actor=actor,
            action="sales.agreement.submitted",
            target=agreement,
            after={"state": agreement.state, "customer_total": total},
        )
    return agreement


def agreement_approve(*, agreement_id: int, approver: User, comment: str = "", now: datetime) -> Agreement:
    """Approve the current step; the last step makes the agreement effective."""
    return _decide(agreement_id=agreement_id, approver=approver, approved=True, comment=comment, now=now)


def agreement_reject(*, agreement_id: int, approver: User, comment: str, now: datetime) -> Agreement:
    """Reject at the current step, with the reason (the author is told)."""
    if not (comment or "").strip():
        raise SalesError(_("Say why the agreement is rejected."))
    return _decide(agreement_id=agreement_id, approver=approver, approved=False, comment=comment, now=now)


def _decide(*, agreement_id: int, approver: User, approved: bool, comment: str, now: datetime) -> Agreement:
    comment = (comment or "").strip()
    with transaction.atomic():
        agreement = _locked(agreement_id)
        refusal = approval_refusal(approver, agreement)
        if refusal:
            raise SalesError(refusal, code="conflict")
        step = Step.MANAGER if agreement.state == AgreementState.PENDING_MANAGER else Step.GM
        AgreementApproval.objects.create(
            agreement=agreement,
            step=step,
            approver=approver,
            approved=approved,
            comment=comment,
            decided_at=now,
        )
        before = agreement.state
        if approved and step == Step.MANAGER and agreement.needs_gm:
            agreement.state = AgreementState.PENDING_GM
            agreement.save(update_fields=["state"])
            _notify_next_approvers(agreement)
        else:
            agreement.decided_at = now
            if approved:
                agreement.save(update_fields=["decided_at"])
                _take_effect(agreement, now=now)
            else:
                agreement.state = AgreementState.REJECTED
                agreement.save(update_fields=["state", "decided_at"])
            _notify_author(agreement, approved=approved, comment=comment)
        audit_record(
            actor=approver,
            action="sales.agreement.approved" if approved else "sales.agreement.rejected",
            target=agreement,
            before={"state": before},
            after={"state": agreement.state, "step": step, "comment": comment},
        )
    return agreement


def _take_effect(agreement: Agreement, *, now: datetime) -> None:
    """Effective: each instalment becomes a receivable (应收), so reminders and the ledger see it."""
    agreement.state = AgreementState.EFFECTIVE
    agreement.effective_at = now
    agreement.save(update_fields=["state", "effective_at"])
    issued = min(agreement.signed_on, timezone.localdate(now))
    Receivable.objects.bulk_create(
        [
            Receivable(
                erp_number=f"{agreement.number}/{i.seq}",
                customer_id=agreement.customer_id,
                source=ReceivableSource.INSTALMENT,
                instalment=i,
                issued_on=min(issued, i.due_on),
                due_on=i.due_on,
                amount=i.amount,
            )
            for i in agreement.instalments.all()
        ],
        ignore_conflicts=True,
    )


def _locked(agreement_id: int) -> Agreement:
    try:
        return (
            Agreement.objects.select_for_update(of=("self",)).select_related("customer").get(pk=agreement_id)
        )
    except Agreement.DoesNotExist as exc:
        raise SalesError(_("Agreement not found."), code="not_found") from exc


def _notify_next_approvers(agreement: Agreement) -> None:
    if agreement.state == AgreementState.PENDING_GM:
        recipients = gm_office_users()
    else:
        recipients = managers_of([agreement.customer.department_id])
    with company_language():
        notification_send(
            recipients=[u for u in recipients if u.pk != agreement.created_by_id],
            kind="sales_agreement_approval",
            title=_("Agreement to approve: %(customer)s %(number)s, %(amount)s yuan")
            % {
                "customer": agreement.customer.display_name,
                "number": agreement.number,
                "amount": f"{agreement.amount:,.2f}",
            },
            url=agreement_admin_url(agreement.pk),
            dedup_key=f"sales-agreement-approve:{agreement.pk}:{agreement.state}",
        )


def _notify_author(agreement: Agreement, *, approved: bool, comment: str) -> None:
    with company_language():
        title = (_("Agreement approved: %(number)s") if approved else _("Agreement rejected: %(number)s")) % {
            "number": agreement.number
        }
        notification_send(
            recipients=[agreement.created_by],
            kind="sales_agreement_decision",
            title=title,
            body=comment,
            url=customer_url(agreement.customer_id),
            dedup_key=f"sales-agreement-decided:{agreement.pk}",
        )
