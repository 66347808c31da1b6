"""The manager submits a salesperson's blacklist proposal (issue 14, point 17): the opinion typed
goes with it, and the loss amount and evidence can be corrected first."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from blacklist import services
from blacklist.models import BlacklistEntry, EntryState
from blacklist.services import BlacklistError
from crm.models import AuditLog, Notification


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.fixture
def proposal(customer, salesperson, report_entry):
    return report_entry(customer, actor=salesperson, loss=100_000)


def test_submission_keeps_the_opinion_the_corrected_loss_and_new_evidence(
    proposal, manager, gm_office, storage
):
    services.blacklist_entry_submit(
        actor=manager,
        entry_id=proposal.pk,
        comment="情况属实，建议列入黑名单",
        loss_amount=Decimal("185000.50"),
        evidence=[SimpleUploadedFile("催款函.pdf", b"%PDF-1.4 letter")],
    )
    entry = BlacklistEntry.objects.get(pk=proposal.pk)
    assert entry.submission_comment == "情况属实，建议列入黑名单"
    assert entry.loss_amount == Decimal("185000.50")
    assert [e.original_name for e in entry.evidence.all()] == ["催款函.pdf"]
    assert entry.reported_by == manager and entry.state == EntryState.REPORTED
    log = AuditLog.objects.get(action="blacklist.entry.reported", target_id=str(entry.pk))
    assert log.before["loss_amount"] in ("100000.00", 100000, "100000")
    assert log.after["opinion"] == "情况属实，建议列入黑名单"
    note = Notification.objects.get(recipient=gm_office, kind="blacklist_reported")
    assert "情况属实，建议列入黑名单" in note.body


def test_a_negative_loss_is_refused_and_nothing_is_submitted(proposal, manager):
    with pytest.raises(BlacklistError):
        services.blacklist_entry_submit(
            actor=manager, entry_id=proposal.pk, comment="x", loss_amount=Decimal("-1")
        )
    entry = BlacklistEntry.objects.get(pk=proposal.pk)
    assert entry.awaiting_manager and entry.submission_comment == "" and entry.loss_amount == 100_000


def test_submission_without_changes_keeps_the_amount(proposal, manager):
    services.blacklist_entry_submit(actor=manager, entry_id=proposal.pk)
    entry = BlacklistEntry.objects.get(pk=proposal.pk)
    assert entry.loss_amount == 100_000 and entry.submission_comment == "" and not entry.awaiting_manager


def test_the_page_has_one_form_for_opinion_amount_evidence_submit_and_reject(
    client_for, proposal, manager, storage
):
    client = client_for(manager)
    url = reverse("blacklist:entry_detail", args=[proposal.pk])
    page = client.get(url).content.decode()
    form = page[page.index('data-testid="submit-form"') :]
    form = form[: form.index("</form>")]
    assert 'name="comment"' in form and 'name="loss_amount"' in form and 'value="100000.00"' in form
    assert 'name="evidence"' in form and 'data-testid="reject-entry"' in form
    assert page.count('name="comment"') == 1  # no second box that belongs to 驳回 only

    response = client.post(
        reverse("blacklist:entry_submit", args=[proposal.pk]),
        {
            "comment": "同意上报",
            "loss_amount": "150000",
            "evidence": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
        },
    )
    assert response.status_code == 302
    entry = BlacklistEntry.objects.get(pk=proposal.pk)
    assert (entry.submission_comment, entry.loss_amount, entry.evidence.count()) == ("同意上报", 150_000, 1)
    assert "同意上报" in client.get(url).content.decode()


def test_reject_from_the_same_form_uses_the_opinion_as_comment(client_for, proposal, manager):
    client = client_for(manager)
    client.post(
        reverse("blacklist:entry_reject", args=[proposal.pk]),
        {"comment": "证据不足", "loss_amount": "100000"},
    )
    entry = BlacklistEntry.objects.get(pk=proposal.pk)
    assert entry.state == EntryState.REJECTED and entry.decision_comment == "证据不足"


def test_a_bad_amount_on_the_page_submits_nothing(client_for, proposal, manager):
    client = client_for(manager)
    client.post(
        reverse("blacklist:entry_submit", args=[proposal.pk]), {"comment": "同意", "loss_amount": "-5"}
    )
    assert BlacklistEntry.objects.get(pk=proposal.pk).awaiting_manager
