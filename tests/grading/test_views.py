"""Grading screens: the customer panel, the sheet, proposals, incidents, the 分级评审 page."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from customers.models import Customer
from grading.models import Evaluation, GradeProposal, Incident
from grading.services import annual_review_open, incident_record, proposal_create
from tests.factories import CustomerFactory


def test_customer_panel_shows_grade_buttons_and_open_proposal(now, client_for, salesperson, customer):
    proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="业务增长明显")
    response = client_for(salesperson).get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="grading-panel"' in html and 'data-testid="open-proposal"' in html
    assert "业务增长明显" in html
    assert reverse("grading:evaluate", args=[customer.pk]) in html
    assert reverse("grading:propose", args=[customer.pk]) not in html  # one open proposal at a time


def test_customer_panel_is_a_constant_number_of_queries(
    now, client_for, salesperson, customer, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from grading.panels import customer_grading_context

    for i in range(3):
        incident_record(
            actor=salesperson,
            customer_id=customer.pk,
            incident_type="late_payment",
            occurred_on=now.date(),
            description=f"逾期{i}",
        )
    proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    request = RequestFactory().get("/")
    request.user = salesperson
    with django_assert_max_num_queries(8):
        ctx = customer_grading_context(request, customer)
        list(ctx["progress"])
    assert len(ctx["incidents"]) == 3


def test_evaluation_sheet_round_trip(now, client_for, salesperson, customer, figures):
    figures(customer, volume=1_200_000)
    client = client_for(salesperson)
    url = reverse("grading:evaluate", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200 and "40%" in page.content.decode()
    response = client.post(
        url,
        {
            "period_year": 2025,
            "score_volume": 80,
            "score_payment": 70,
            "score_reputation": 70,
            "score_loyalty": 60,
            "score_growth": 60,
            "notes": "",
        },
    )
    evaluation = Evaluation.objects.get(customer=customer)
    assert response.status_code == 302 and response.url == reverse("grading:evaluation", args=[evaluation.pk])
    assert str(evaluation.weighted_score) == "72.00" and evaluation.suggested_grade == "B"
    detail = client.get(response.url)
    assert 'data-testid="suggested-grade">B<' in detail.content.decode()


def test_evaluation_sheet_refuses_out_of_range_scores(now, client_for, salesperson, customer):
    response = client_for(salesperson).post(
        reverse("grading:evaluate", args=[customer.pk]),
        {
            "period_year": 2025,
            "score_volume": 120,
            "score_payment": 70,
            "score_reputation": 70,
            "score_loyalty": 60,
            "score_growth": 60,
        },
    )
    assert response.status_code == 200 and not Evaluation.objects.exists()


def test_other_salespersons_customer_is_404_everywhere(
    now, client_for, salesperson, other_customer, other_salesperson
):
    client = client_for(salesperson)
    for name in ("grading:evaluate", "grading:propose", "grading:incident_add"):
        assert client.get(reverse(name, args=[other_customer.pk])).status_code == 404
    assert client.post(reverse("grading:provisional", args=[other_customer.pk])).status_code == 404
    incident = incident_record(
        actor=other_salesperson,
        customer_id=other_customer.pk,
        incident_type="contract",
        occurred_on=now.date(),
        description="x",
        evidence=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"),
    )
    assert client.get(reverse("grading:incident_evidence", args=[incident.pk])).status_code == 404
    assert (
        client_for(other_salesperson)
        .get(reverse("grading:incident_evidence", args=[incident.pk]))
        .status_code
        == 200
    )


def test_propose_through_the_form(now, client_for, salesperson, customer):
    response = client_for(salesperson).post(
        reverse("grading:propose", args=[customer.pk]), {"to_grade": "B", "reason": "增长"}
    )
    assert response.status_code == 302
    assert GradeProposal.objects.get().to_grade == "B"


def test_propose_a_without_evaluation_shows_the_rule(now, client_for, salesperson, customer):
    response = client_for(salesperson).post(
        reverse("grading:propose", args=[customer.pk]), {"to_grade": "A", "reason": "大"}, follow=True
    )
    with translation.override("zh-hans"):
        expected = translation.gettext("A promotion to A needs an evaluation sheet as evidence.")
    assert expected in response.content.decode()
    assert not GradeProposal.objects.exists()


def test_incident_form_with_evidence(now, client_for, salesperson, customer):
    response = client_for(salesperson).post(
        reverse("grading:incident_add", args=[customer.pk]),
        {
            "incident_type": "contract",
            "occurred_on": "2026-03-20",
            "description": "延迟交货",
            "evidence": SimpleUploadedFile("证据.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().evidence_name == "证据.png"


def test_provisional_button(now, client_for, salesperson):
    new = CustomerFactory(owner=salesperson, grade="")
    response = client_for(salesperson).post(reverse("grading:provisional", args=[new.pk]))
    assert response.status_code == 302
    assert Customer.objects.get(pk=new.pk).grade == "D"


def test_review_page_for_managers_only(
    now, client_for, salesperson, manager, gm_office, figures, django_assert_max_num_queries
):
    for i in range(5):
        c = CustomerFactory(owner=salesperson, grade="D")
        figures(c, volume=1_000_000 + i)
    annual_review_open()
    assert client_for(salesperson).get(reverse("grading:review")).status_code == 403
    client = client_for(manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("grading:review"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("→ <strong>B</strong>") == 5
    dist = response.context["distribution"]
    assert {r["grade"]: (r["before"], r["suggested"]) for r in dist}["D"] == (5, 0)
    assert {r["grade"]: r["suggested"] for r in dist}["B"] == 5


def test_review_page_hides_other_departments(now, client_for, south_manager, salesperson, figures):
    c = CustomerFactory(owner=salesperson, grade="D")
    figures(c, volume=2_000_000)
    annual_review_open()
    response = client_for(south_manager).get(reverse("grading:review"))
    assert c.short_name not in response.content.decode()


def test_manager_starts_the_round_from_the_review_page(now, client_for, manager, salesperson, figures):
    c = CustomerFactory(owner=salesperson, grade="D")
    figures(c, volume=2_000_000)
    response = client_for(manager).post(reverse("grading:round_start"), follow=True)
    assert response.status_code == 200
    assert GradeProposal.objects.filter(customer=c, to_grade="B").exists()
    client_for(manager).post(reverse("grading:round_start"))
    assert GradeProposal.objects.count() == 1


def test_status_button_activating_a_prospect_shows_its_provisional_grade(
    now, client_for, salesperson, figures
):
    prospect = CustomerFactory(owner=salesperson, grade="", status="prospect")
    figures(prospect, year=2025, volume=1_500_000)
    client = client_for(salesperson)
    response = client.post(reverse("customers:status", args=[prospect.pk]), {"status": "active"}, follow=True)
    prospect.refresh_from_db()
    assert (prospect.status, prospect.grade, prospect.grade_provisional) == ("active", "B", True)
    assert "B (暂定)" in response.content.decode()
