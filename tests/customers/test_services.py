"""Services of the archive: create, admission, optimistic locking, status, confirmation, contacts, reminders."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from crm.models import AuditLog, Notification
from customers import services
from customers.models import ArchivePolicy, Customer
from customers.services import CustomerError
from tests.factories import ContactFactory, CustomerFactory, make_credit_code

DATA = {"name": "宁波海天塑机有限公司", "credit_code": "91350100M000100Y43", "province": "浙江省"}
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def blacklisted(owner, **kw):
    return CustomerFactory(owner=owner, is_blacklisted=True, blacklisted_until=dt.date(2026, 9, 1), **kw)


@pytest.mark.django_db
class TestCreate:
    def test_salesperson_owns_what_they_create(self, salesperson):
        c = services.customer_create(actor=salesperson, data=DATA, now=NOW)
        assert c.owner == salesperson and c.department == salesperson.department
        assert c.last_confirmed_at == NOW and c.status == "prospect" and c.grade == ""
        assert AuditLog.objects.filter(action="customers.customer.created", target_id=str(c.pk)).exists()

    def test_admission_refused_for_blacklisted_credit_code(self, salesperson, south_salesperson):
        blacklisted(south_salesperson, name="别的名字有限公司", credit_code="91350100M000100Y43")
        with pytest.raises(CustomerError, match="黑名单|blacklist"):
            services.customer_create(actor=salesperson, data=DATA)
        assert Customer.objects.count() == 1

    def test_admission_refused_for_blacklisted_name_without_code(self, salesperson):
        blacklisted(salesperson, name="宁波海天塑机有限公司", credit_code="")
        with pytest.raises(CustomerError):
            services.customer_create(
                actor=salesperson, data={**DATA, "credit_code": "", "name": "宁波海天塑机有限公司 "}
            )

    def test_duplicate_is_refused(self, salesperson):
        services.customer_create(actor=salesperson, data=DATA)
        with pytest.raises(CustomerError):
            services.customer_create(actor=salesperson, data={**DATA, "name": "另一个名字"})

    def test_assistant_cannot_give_to_other_department(self, assistant, south_salesperson):
        with pytest.raises(CustomerError):
            services.customer_create(actor=assistant, data=DATA, owner=south_salesperson)


@pytest.mark.django_db
class TestUpdate:
    def test_stale_version_is_a_conflict(self, salesperson, customer):
        loaded = customer.version
        services.customer_update(
            actor=salesperson, customer_id=customer.pk, data={"city": "一"}, expected_version=loaded
        )
        with pytest.raises(CustomerError):
            services.customer_update(
                actor=salesperson, customer_id=customer.pk, data={"city": "二"}, expected_version=loaded
            )
        customer.refresh_from_db()
        assert customer.city == "一" and customer.version == loaded + 1

    def test_update_ignores_workflow_fields(self, salesperson, customer):
        services.customer_update(
            actor=salesperson, customer_id=customer.pk, data={"grade": "A", "status": "inactive"}
        )
        customer.refresh_from_db()
        assert customer.grade == "C" and customer.status == "active"


@pytest.mark.django_db
class TestStatus:
    def test_blacklisted_customer_cannot_be_activated(self, manager, salesperson):
        c = blacklisted(salesperson, status="inactive")
        with pytest.raises(CustomerError):
            services.customer_change_status(actor=manager, customer_id=c.pk, status="active")
        c.refresh_from_db()
        assert c.status == "inactive"

    def test_activation_sets_cooperation_start(self, manager, salesperson):
        c = CustomerFactory(owner=salesperson, status="prospect", cooperation_start=None)
        services.customer_change_status(actor=manager, customer_id=c.pk, status="active", now=NOW)
        c.refresh_from_db()
        assert c.status == "active" and c.cooperation_start == dt.date(2026, 3, 10)


@pytest.mark.django_db
def test_confirm_archive_records_who_and_when(salesperson, customer):
    services.customer_confirm_archive(actor=salesperson, customer_id=customer.pk, now=NOW)
    customer.refresh_from_db()
    assert customer.last_confirmed_at == NOW and customer.last_confirmed_by == salesperson


@pytest.mark.django_db
class TestContacts:
    def test_first_contact_is_primary_and_a_new_primary_replaces_it(self, salesperson, customer):
        first = services.contact_save(
            actor=salesperson, customer_id=customer.pk, data={"name": "甲", "mobile": "13800138000"}
        )
        second = services.contact_save(actor=salesperson, customer_id=customer.pk, data={"name": "乙"})
        assert first.is_primary and not second.is_primary
        services.contact_save(
            actor=salesperson, customer_id=customer.pk, contact_id=second.pk, data={"is_primary": True}
        )
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.is_primary and not first.is_primary
        assert customer.contacts.filter(is_primary=True).count() == 1

    def test_invalid_mobile_is_refused(self, salesperson, customer):
        with pytest.raises(CustomerError):
            services.contact_save(
                actor=salesperson, customer_id=customer.pk, data={"name": "甲", "mobile": "12345"}
            )


@pytest.mark.django_db
class TestArchiveUpdateReminders:
    def test_one_reminder_per_period_across_reruns(self, salesperson):
        old = CustomerFactory(owner=salesperson, last_confirmed_at=dt.datetime(2025, 8, 1, tzinfo=dt.UTC))
        CustomerFactory(owner=salesperson, last_confirmed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # recent
        CustomerFactory(
            owner=salesperson, status="inactive", last_confirmed_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        )
        with time_machine.travel(NOW, tick=False):
            first = services.archive_update_reminders_send(now=timezone.now())
            again = services.archive_update_reminders_send(now=timezone.now())
        assert first["reminders"] == 1 and again["reminders"] == 0
        [note] = Notification.objects.filter(recipient=salesperson)
        assert note.url == f"/customers/{old.pk}/"

    def test_a_new_period_after_confirmation_gets_a_new_reminder(self, salesperson):
        c = CustomerFactory(owner=salesperson, last_confirmed_at=dt.datetime(2025, 8, 1, tzinfo=dt.UTC))
        services.archive_update_reminders_send(now=NOW)
        services.customer_confirm_archive(actor=salesperson, customer_id=c.pk, now=NOW)
        services.archive_update_reminders_send(now=NOW + dt.timedelta(days=30))
        assert Notification.objects.count() == 1
        later = NOW + dt.timedelta(days=200)
        assert services.archive_update_reminders_send(now=later)["reminders"] == 1
        assert Notification.objects.count() == 2

    def test_archive_of_a_departed_owner_is_reminded_to_the_department_manager(self, salesperson, manager):
        """Nobody reads a deactivated user's reminders: the manager, who reassigns, gets them."""
        c = CustomerFactory(owner=salesperson, last_confirmed_at=dt.datetime(2025, 8, 1, tzinfo=dt.UTC))
        salesperson.is_active = False
        salesperson.save(update_fields=["is_active"])
        assert services.archive_update_reminders_send(now=NOW)["reminders"] == 1
        [note] = Notification.objects.all()
        assert note.recipient == manager and note.url == f"/customers/{c.pk}/"
        assert services.archive_update_reminders_send(now=NOW)["reminders"] == 0

    def test_interval_is_a_policy(self, salesperson):
        CustomerFactory(owner=salesperson, last_confirmed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        policy = ArchivePolicy.load()
        policy.update_interval_months = 2
        policy.save()
        assert services.archive_update_reminders_send(now=NOW)["reminders"] == 1


__all__ = ["make_credit_code"]


@pytest.mark.django_db
def test_deleting_the_primary_contact_makes_the_next_one_primary(salesperson, customer):
    first = services.contact_save(actor=salesperson, customer_id=customer.pk, data={"name": "甲"})
    second = services.contact_save(actor=salesperson, customer_id=customer.pk, data={"name": "乙"})
    assert first.is_primary
    services.contact_delete(actor=salesperson, contact_id=first.pk)
    second.refresh_from_db()
    assert second.is_primary


@pytest.mark.django_db
class TestVisibilityHoldsInTheServices:
    """§1: access is enforced everywhere, not only in the views: a service called with another
    salesperson's customer (or by a read-only role) refuses, and nothing is written."""

    def test_another_salespersons_customer_cannot_be_changed(self, salesperson, other_customer):
        calls = [
            lambda: services.customer_update(
                actor=salesperson, customer_id=other_customer.pk, data={"city": "X"}
            ),
            lambda: services.customer_change_status(
                actor=salesperson, customer_id=other_customer.pk, status="inactive"
            ),
            lambda: services.customer_confirm_archive(actor=salesperson, customer_id=other_customer.pk),
            lambda: services.contact_save(
                actor=salesperson, customer_id=other_customer.pk, data={"name": "甲"}
            ),
            lambda: services.profile_save(
                actor=salesperson, customer_id=other_customer.pk, data={"competitors": "X"}
            ),
            lambda: services.yearly_figure_save(
                actor=salesperson, customer_id=other_customer.pk, year=2025, data={"business_volume": 1}
            ),
        ]
        for call in calls:
            with pytest.raises(CustomerError):
                call()
        other_customer.refresh_from_db()
        assert other_customer.city != "X" and other_customer.status == "active"
        assert not other_customer.contacts.exists() and not other_customer.yearly_figures.exists()

    def test_contact_of_an_invisible_customer_cannot_be_deleted(self, salesperson, other_customer):
        contact = ContactFactory(customer=other_customer)
        with pytest.raises(CustomerError):
            services.contact_delete(actor=salesperson, contact_id=contact.pk)
        assert other_customer.contacts.filter(pk=contact.pk).exists()

    def test_gm_office_reads_archives_but_does_not_edit_them(self, gm_office, customer):
        with pytest.raises(CustomerError):
            services.customer_update(actor=gm_office, customer_id=customer.pk, data={"city": "X"})

    def test_only_the_owner_among_salespeople_confirms(self, salesperson, other_salesperson, customer):
        from customers.models import CustomerShare

        CustomerShare.objects.create(customer=customer, user=other_salesperson)
        with pytest.raises(CustomerError):
            services.customer_confirm_archive(actor=other_salesperson, customer_id=customer.pk)
        services.customer_confirm_archive(actor=salesperson, customer_id=customer.pk)
