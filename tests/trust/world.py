"""One department's worth of records of every kind, each reachable by a URL with an id: built
three times (the salesperson's own, a colleague's in the same department, another department's)
so that the permission matrix can try every object URL with each."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from blacklist import services as blacklist_services
from blacklist.services import EVALUATION_CONDITIONS
from complaints import services as complaint_services
from crm.models import Notification
from customers.models import QualificationDocument
from grading.services import evaluation_create, incident_record, proposal_create
from grading.services.rules import INDICATORS
from sales.models import AgreementAttachment, ErpImport, UnmatchedRecord
from sales.services import agreement_create
from tests.factories import ContactFactory, CustomerFactory
from visits import services as visit_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="file.pdf"):
    return SimpleUploadedFile(name, PDF)


def build(owner, manager, gm_office, *, tag: str) -> dict:
    """Records of `owner`'s customers; returns the ids the URL parameters take."""
    now = timezone.now()
    customer = CustomerFactory(name=f"{tag}主客户有限公司", owner=owner, grade="C")
    contact = ContactFactory(customer=customer, name=f"{tag}联系人")
    from customers.services import yearly_figure_save

    yearly_figure_save(
        actor=owner,
        customer_id=customer.pk,
        year=now.year - 1,
        data={
            "business_volume": 800_000,
            "receivables": 0,
            "overdue_payment_count": 0,
            "overdue_pickup_count": 0,
        },
    )
    doc = QualificationDocument(
        customer=customer,
        doc_type="business_license",
        original_name="执照.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=owner,
    )
    doc.file.save("pdf", _pdf(), save=True)

    evaluation = evaluation_create(
        actor=owner, customer_id=customer.pk, period_year=now.year - 1, scores=dict.fromkeys(INDICATORS, 70)
    )
    proposal = proposal_create(actor=owner, customer_id=customer.pk, to_grade="B", reason="增长")
    incident = incident_record(
        actor=manager,
        customer_id=customer.pk,
        incident_type="late_payment",
        occurred_on=now.date() - dt.timedelta(days=2),
        description="逾期",
        evidence=_pdf(),
    )

    plan = visit_services.visit_plan_create(
        actor=owner,
        customer_id=customer.pk,
        data={
            "purpose": "拜访",
            "planned_at": now + dt.timedelta(days=2),
            "content": "",
            "visitor_ids": [owner.pk],
            "contact_ids": [],
        },
    )
    report = visit_services.visit_report_create(
        author=owner,
        customer_id=customer.pk,
        attachments=[_pdf()],
        data={
            "visited_on": now.date() - dt.timedelta(days=1),
            "mode": "onsite",
            "latest_needs": "报价",
            "next_steps": [
                {"text": "发报价", "due_on": now.date() + dt.timedelta(days=5), "owner_id": owner.pk}
            ],
        },
    )

    ticket = complaint_services.ticket_create(
        actor=owner,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description="破损",
        files=[_pdf()],
    )

    # Blacklist: one entry reported (awaiting 总经办), one proposed (awaiting the manager) and one
    # expired with a re-admission request.
    reported_customer = CustomerFactory(name=f"{tag}待核实有限公司", owner=owner, grade="C")
    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=reported_customer.pk,
        reason_category="payment",
        reason="拖欠",
        loss_amount=1,
        evidence=[_pdf()],
    )
    # ... one proposed by the salesperson, awaiting the manager's submission ...
    proposed_customer = CustomerFactory(name=f"{tag}待提交有限公司", owner=owner, grade="C")
    proposal_entry = blacklist_services.blacklist_entry_report(
        actor=owner, customer_id=proposed_customer.pk, reason_category="payment", reason="拖欠"
    )
    expired_customer = CustomerFactory(name=f"{tag}已到期有限公司", owner=owner, grade="C")
    start = now - dt.timedelta(days=250)
    old = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=expired_customer.pk,
        reason_category="payment",
        reason="拖欠",
        loss_amount=1,
        now=start,
    )
    blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=old.pk, now=start)
    blacklist_services.blacklist_entry_expire(now=now)
    readmission = blacklist_services.blacklist_readmission_request(
        actor=manager,
        entry_id=old.pk,
        evaluation="已整改",
        conditions=dict.fromkeys(EVALUATION_CONDITIONS, True),
    )

    from engagement import services as engagement_services

    meeting = engagement_services.customer_meeting_create(
        actor=manager, data={"title": f"{tag}订货会", "held_on": now.date(), "kind": "order_fair"}
    )
    tier_customer = CustomerFactory(name=f"{tag}战略有限公司", owner=owner, grade="B")
    tier_proposal = engagement_services.customer_tier_set(
        actor=manager, customer_id=tier_customer.pk, to_tier="strategic", reason="技术合作"
    )

    notification = Notification.objects.create(recipient=owner, kind="test", title=f"{tag}提醒")
    from customers.models import ImportJob

    import_job = ImportJob.objects.create(
        user=manager, kind="customers", file_name=f"{tag}.xlsx", state="rejected"
    )

    agreement = agreement_create(
        actor=owner,
        customer_id=customer.pk,
        number=f"{tag}-XS-1",
        amount=50_000,
        signed_on=now.date(),
        valid_from=now.date(),
        valid_until=now.date() + dt.timedelta(days=365),
        instalments=[(now.date() + dt.timedelta(days=30), 50_000)],
        now=now,
    )
    agreement_file = AgreementAttachment(
        agreement=agreement,
        original_name="协议.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=owner,
    )
    agreement_file.file.save("pdf", _pdf(), save=True)
    unmatched = UnmatchedRecord.objects.create(
        source="deliveries", erp_number=f"{tag}-FH-1", credit_code="X", payload={}, received_at=now
    )
    erp_import = ErpImport.objects.create(
        source="deliveries", file_name="erp.csv", rows=[], created_by=owner, created_at=now
    )

    # Surveys and reports (§10-§12): a round with its link, a periodic report, a plan target.
    from reports.models import DevelopmentPlan, PlanTarget, Report, ReportKind
    from surveys.models import SurveyInvitation, SurveyRound

    department = customer.department
    survey_round = SurveyRound.objects.create(
        department=department,
        title=f"{tag}调查",
        opened_on=now.date(),
        closes_on=now.date() + dt.timedelta(days=30),
        created_by=manager,
    )
    invitation = SurveyInvitation.objects.create(
        round=survey_round, customer=customer, expires_at=now + dt.timedelta(days=14)
    )
    periodic = Report.objects.create(
        kind=ReportKind.objects.get(code="complaint_quarterly"),
        department=department,
        period_start=dt.date(2000 + Report.objects.count(), 1, 1),
        period_end=dt.date(2000 + Report.objects.count(), 3, 31),
        due_on=dt.date(2000 + Report.objects.count(), 4, 10),
        figures_at=now,
    )
    dev_plan, _ = DevelopmentPlan.objects.get_or_create(
        department=department, year=now.year, defaults={"set_by": manager}
    )
    target = PlanTarget.objects.create(plan=dev_plan, dimension="industry", key=f"{tag}行业", target_count=3)
    return {
        "customer": customer.pk,
        "contact": contact.pk,
        "year": now.year - 1,
        "document": doc.pk,
        "evaluation": evaluation.pk,
        "proposal": proposal.pk,
        "incident": incident.pk,
        "plan": plan.pk,
        "report": report.pk,
        "visit_attachment": report.attachments.get().pk,
        "step": report.next_steps.get().pk,
        "ticket": ticket.pk,
        "ticket_attachment": ticket.attachments.get().pk,
        "entry": entry.pk,
        "proposal_entry": proposal_entry.pk,
        "evidence": entry.evidence.get().pk,
        "expired_entry": old.pk,
        "readmission": readmission.pk,
        "notification": notification.pk,
        "import_job": import_job.pk,
        "feed_token": "revoked-or-unknown",
        "agreement": agreement.pk,
        "agreement_attachment": agreement_file.pk,
        "unmatched": unmatched.pk,
        "erp_import": erp_import.pk,
        "meeting": meeting.pk,
        "tier_proposal": tier_proposal.pk,
        "survey_round": survey_round.pk,
        "survey_token": invitation.token,
        "periodic_report": periodic.pk,
        "plan_target": target.pk,
    }
