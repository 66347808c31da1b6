"""The overdue-visits job (§5, §7), apart from the services of visits.services: a scheduled job
that reads the overdue customers in SQL and hands reminders to the notification writer."""

from collections import defaultdict
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.services import managers_of, notification_bulk_send_values
from customers.models import Customer

from .models import VisitPolicy
from .selectors import date_of_day_number, overdue_customers


def overdue_visits_notify(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """The overdue-visits job (§5, §7): remind owner and department manager of overdue customers.

    Set-based: one read of the overdue customers (the due date computed in SQL), one read of
    the managers, one bulk insert. Each reminder's key is the customer and the date its visit
    fell due, so a rerun, or a late run after downtime, sends nothing twice, and a new period
    (after the next on-site visit, or a grade change) gets a new reminder. Blacklisted,
    inactive and ungraded customers, and grades without an interval, are skipped.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = VisitPolicy.load()
    overdue = overdue_customers(Customer.objects.all(), today=today, policy=policy).values_list(
        "pk", "name", "grade", "owner_id", "department_id", "due_day", "days_overdue"
    )
    # Plain tuples (NOTIFICATION_VALUES), not model objects: ~45,000 rows at company scale.
    rows: list[tuple] = []
    by_department: dict[int, list] = defaultdict(list)
    count = 0
    for pk, name, grade, owner_id, department_id, due_day, days_overdue in overdue.iterator(chunk_size=2000):
        count += 1
        due_on = date_of_day_number(due_day)
        key = f"visit-overdue:{pk}:{due_on.isoformat()}"
        title = _("On-site visit overdue: %(name)s") % {"name": name}
        body = _("Grade %(grade)s customer, on-site visit due on %(due)s, %(days)d days overdue.") % {
            "grade": grade,
            "due": due_on,
            "days": days_overdue,
        }
        url = reverse("customers:detail", args=[pk])
        rows.append((owner_id, "visit_overdue", title, body, url, key))
        by_department[department_id].append((title, body, url, key))
    if by_department:
        for manager in managers_of(by_department):
            for title, body, url, key in by_department[manager.department_id]:
                rows.append((manager.pk, "visit_overdue_manager", title, body, url, key))
    sent = notification_bulk_send_values(values=rows)
    return {"overdue": count, "reminders": sent}
