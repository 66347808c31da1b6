"""Incident records (问题记录, §3) and the demotion case they open for A customers."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.date_bounds import check_date
from crm.forms import messages_from
from crm.models import User
from crm.services import audit_record, company_language, gm_office_users, managers_of, notification_send
from crm.uploads import DOCUMENTS, safe_display_name, validate_upload
from customers.models import Grade

from ..models import (
    OPEN_STATES,
    DemotionCase,
    GradeProposal,
    GradingPolicy,
    Incident,
    IncidentType,
    SystemReason,
)
from ..permissions import incident_record_allowed
from .common import (
    GradingError,
    GradingPermissionDenied,
    Step,
    customer_url,
    state_for_step,
    visible_customer,
)


def incident_record(
    *,
    actor: User,
    customer_id: int,
    incident_type: str,
    occurred_on: date,
    description: str,
    evidence=None,
    is_serious: bool = False,
    now: datetime | None = None,
) -> Incident:
    """Record an incident against a customer the actor may see.

    Against an A customer it opens a demotion case at once (deadline: the policy's days, 5),
    with a system proposal A → B for the manager unless a demotion is already proposed. A
    serious incident (major loss or reputation damage) is reported to 总经办. The evidence
    file is checked by its content (crm.uploads.validate_upload). Raises GradingError.
    """
    now = now or timezone.now()
    if not incident_record_allowed(actor):
        raise GradingPermissionDenied(_("You may not record incidents."))
    if incident_type not in IncidentType.values:
        raise GradingError(_("Choose the type of incident."))
    description = (description or "").strip()
    if not description:
        raise GradingError(_("Describe the incident."))
    if occurred_on > timezone.localdate(now):
        raise GradingError(_("The incident date cannot be in the future."))
    try:
        check_date(occurred_on, today=timezone.localdate(now), allow_future=False)
    except ValidationError as exc:
        raise GradingError(" ".join(exc.messages)) from exc
    kind = None
    if evidence:
        try:
            kind = validate_upload(evidence, allowed=DOCUMENTS)
        except ValidationError as exc:
            raise GradingError(messages_from(exc)) from exc
    is_serious = is_serious or incident_type == IncidentType.LOSS
    incident = Incident(
        incident_type=incident_type,
        occurred_on=occurred_on,
        description=description,
        is_serious=is_serious,
        recorded_by=actor,
        recorded_at=now,
    )
    try:
        with transaction.atomic():
            customer = visible_customer(actor, customer_id, for_update=True)
            incident.customer = customer
            if kind is not None:
                incident.evidence_name = safe_display_name(evidence.name)
                incident.evidence_content_type = kind.content_type
                incident.evidence.save(kind.ext, evidence, save=False)
            incident.save()
            _after_incident(incident, now=now)
    except Exception:
        if incident.evidence:
            incident.evidence.delete(save=False)  # nothing half-written: no orphan file
        raise
    return incident


def _after_incident(incident: Incident, *, now: datetime) -> None:
    customer = incident.customer
    audit_record(
        actor=incident.recorded_by,
        action="grading.incident.recorded",
        target=incident,
        after={"type": incident.incident_type, "serious": incident.is_serious, "on": incident.occurred_on},
    )
    if customer.grade == Grade.A:
        _demotion_case_open(incident=incident, now=now)
    if incident.is_serious:
        with company_language():
            notification_send(
                recipients=gm_office_users(),
                kind="grading_serious_incident",
                title=_("Serious incident: %(customer)s") % {"customer": customer.name},
                body=incident.description,
                url=customer_url(customer.pk),
                dedup_key=f"grading-serious:{incident.pk}",
            )


def _demotion_case_open(*, incident: Incident, now: datetime) -> DemotionCase | None:
    """Open the 5-day demotion case of an A customer (one open case per customer)."""
    customer = incident.customer
    if DemotionCase.objects.filter(customer=customer, resolved_at__isnull=True).exists():
        return None
    policy = GradingPolicy.load()
    case = DemotionCase.objects.create(
        customer=customer,
        incident=incident,
        opened_at=now,
        deadline=now + timedelta(days=policy.demotion_days),
    )
    open_proposal = GradeProposal.objects.filter(customer=customer, state__in=OPEN_STATES).first()
    if open_proposal is None:
        GradeProposal.objects.create(
            customer=customer,
            from_grade=Grade.A,
            from_provisional=customer.grade_provisional,
            to_grade=Grade.B,
            reason_code=SystemReason.DEMOTION,
            reason_params={
                "date": incident.occurred_on.isoformat(),
                "type": incident.incident_type,
                "days": policy.demotion_days,
            },
            incident=incident,
            proposed_by=None,
            state=state_for_step(Step.MANAGER),
            created_at=now,
        )
    audit_record(
        actor=incident.recorded_by,
        action="grading.demotion_case.opened",
        target=case,
        after={"deadline": case.deadline},
    )
    with company_language():
        notification_send(
            recipients=managers_of([customer.department_id]),
            kind="grading_demotion",
            title=_("Demote %(customer)s from A within %(days)d days")
            % {"customer": customer.name, "days": policy.demotion_days},
            body=incident.description,
            url=customer_url(customer.pk),
            dedup_key=f"grading-demotion-open:{case.pk}",
        )
    return case
