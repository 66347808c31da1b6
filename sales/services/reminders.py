"""Reminders of receivables (§13): before the due date, and once past it.

- `sales_instalment_due`: an open receivable due within SalesPolicy.reminder_days (7) → the
  customer's salesperson (a reminder: goes into the daily digest). Once per receivable and due date.
- `sales_payment_overdue`: an open receivable past its due date → the salesperson and the
  department's managers. Once per receivable and calendar month while it stays unpaid.
Set-based: one query for the receivables, one for the managers, one bulk insert.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role, User
from crm.services import company_language, notification_bulk_send_values

from ..models import Receivable, SalesPolicy


def sales_reminders_send(*, now: datetime, since: datetime | None = None) -> dict:
    today = timezone.localdate(now)
    horizon = today + timedelta(days=SalesPolicy.load().reminder_days)
    rows = list(
        Receivable.objects.filter(
            settled_on__isnull=True, due_on__lte=horizon, customer__is_deleted=False
        ).values_list(
            "pk",
            "erp_number",
            "due_on",
            "amount",
            "paid_amount",
            "customer_id",
            "customer__name",
            "customer__short_name",
            "customer__owner_id",
            "customer__department_id",
        )
    )
    managers = defaultdict(list)
    for uid, dept in User.objects.filter(role=Role.MANAGER, is_active=True).values_list(
        "pk", "department_id"
    ):
        managers[dept].append(uid)
    values, due, overdue = [], 0, 0
    with company_language():
        for pk, number, due_on, amount, paid, cid, name, short, owner_id, dept in rows:
            url = reverse("customers:detail", args=[cid])
            label = short or name
            left = f"{amount - paid:,.2f}"
            if due_on >= today:
                due += 1
                if owner_id:
                    values.append(
                        (
                            owner_id,
                            "sales_instalment_due",
                            _("Payment due %(date)s: %(customer)s %(amount)s yuan")
                            % {"date": due_on.isoformat(), "customer": label, "amount": left},
                            _("Contact the customer about receivable %(number)s.") % {"number": number},
                            url,
                            f"sales-due:{pk}:{due_on.isoformat()}",
                        )
                    )
            else:
                overdue += 1
                title = _("Overdue payment: %(customer)s %(amount)s yuan, due %(date)s") % {
                    "customer": label,
                    "amount": left,
                    "date": due_on.isoformat(),
                }
                body = _("Receivable %(number)s is %(days)d days past due.") % {
                    "number": number,
                    "days": (today - due_on).days,
                }
                for uid in {owner_id, *managers.get(dept, [])} - {None}:
                    values.append(
                        (uid, "sales_payment_overdue", title, body, url, f"sales-overdue:{pk}:{today:%Y-%m}")
                    )
    sent = notification_bulk_send_values(values=values)
    return {"due_soon": due, "overdue": overdue, "sent": sent}
