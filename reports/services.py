"""Periodic reports (§12): created when their period ends, filled, submitted, reviewed; and the
department head's development plan (§11), written on its screen through `plan_save`.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crm.models import Department, Role, User
from crm.services import audit_record, company_language, gm_office_users, managers_of, notification_send
from customers.models import PROVINCES, Customer, CustomerStatus, CustomerTier, Grade

from . import permissions
from .figures import KEY_TIERS, figures_for
from .models import DevelopmentPlan, PlanDimension, PlanTarget, Report, ReportKind, ReportStatus
from .periods import due_date, last_completed_period, period_label
from .plans import plan_salespeople


class ReportError(Exception):
    """A report rule refused the action; the message is shown to the person."""


def _departments():
    return Department.objects.filter(is_head_office=False)


def reports_create_due(*, now: datetime) -> int:
    """Create the reports of every active kind for the period that last ended; returns how many.

    One per department, or per active 战略/关键 customer for the key-account kind. Idempotent:
    the unique constraints per (kind, department or customer, period) make a rerun create none.
    """
    today = timezone.localdate(now)
    created = 0
    departments = list(_departments())
    for kind in ReportKind.objects.filter(is_active=True):
        start, end = last_completed_period(kind.period, today)
        due = due_date(end, kind.due_day)
        if kind.per_key_customer:
            targets = [
                (c.department, c)
                for c in Customer.objects.filter(
                    is_deleted=False,
                    status=CustomerStatus.ACTIVE,
                    tier__in=KEY_TIERS,
                    department__is_head_office=False,
                ).select_related("department", "account_manager")
            ]
            existing = set(
                Report.objects.filter(kind=kind, period_start=start).values_list("customer_id", flat=True)
            )
            targets = [(d, c) for d, c in targets if c.pk not in existing]
        else:
            existing = set(
                Report.objects.filter(kind=kind, period_start=start, customer__isnull=True).values_list(
                    "department_id", flat=True
                )
            )
            targets = [(d, None) for d in departments if d.pk not in existing]
        for department, customer in targets:
            report = Report(
                kind=kind,
                department=department,
                customer=customer,
                period_start=start,
                period_end=end,
                due_on=due,
                figures_at=now,
            )
            report.figures = figures_for(report)
            try:
                with transaction.atomic():
                    report.save()
            except IntegrityError:  # a concurrent run created it
                continue
            created += 1
    return created


def _submitters(report: Report) -> list[User]:
    if report.kind.submitter_role == Role.MANAGER:
        return list(managers_of([report.department_id]))
    return list(
        User.objects.filter(
            role=report.kind.submitter_role, department_id=report.department_id, is_active=True
        )
    )


def _reviewers(report: Report) -> list[User]:
    if report.kind.reviewer_role == Role.GM_OFFICE:
        return list(gm_office_users())
    return list(
        User.objects.filter(
            role=report.kind.reviewer_role, department_id=report.department_id, is_active=True
        )
    )


def reports_remind(*, now: datetime, due_within_days: int = 3) -> dict:
    """Remind submitters of reports due soon (reports_due) and of overdue ones (reports_overdue,
    also to the reviewers): once per report and kind (dedup key), routed into the digests."""
    today = timezone.localdate(now)
    pending = Report.objects.filter(status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED]).select_related(
        "kind", "department", "customer"
    )
    due = overdue = 0
    with company_language():
        for report in pending.filter(due_on__gte=today, due_on__lte=today + timedelta(days=due_within_days)):
            due += len(
                notification_send(
                    recipients=_submitters(report),
                    kind="reports_due",
                    title=f"报表将到期：{report_title(report)}",
                    body=f"请于 {report.due_on:%Y-%m-%d} 前提交。",
                    url=reverse("reports:detail", args=[report.pk]),
                    dedup_key=f"reports_due:{report.pk}",
                )
            )
        for report in pending.filter(due_on__lt=today):
            overdue += len(
                notification_send(
                    recipients=_submitters(report) + _reviewers(report),
                    kind="reports_overdue",
                    title=f"报表已逾期：{report_title(report)}",
                    body=f"应于 {report.due_on:%Y-%m-%d} 提交，尚未提交。",
                    url=reverse("reports:detail", args=[report.pk]),
                    dedup_key=f"reports_overdue:{report.pk}",
                )
            )
    return {"due": due, "overdue": overdue}


def reports_generate(*, now: datetime, since: datetime | None = None) -> dict:
    """The daily job: create the reports whose period has ended, then send the reminders."""
    created = reports_create_due(now=now)
    return {"created": created, **reports_remind(now=now)}


def report_title(report: Report) -> str:
    who = report.customer.name if report.customer_id else report.department.name
    return f"{report.kind.name} · {who} · {period_label(report.kind.period, report.period_start)}"


def report_refresh(*, report_id: int, now: datetime) -> Report:
    """Recompute the figures of a report not yet submitted (they are live until then)."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("kind", "department", "customer")
            .get(pk=report_id)
        )
        if report.is_editable:
            report.figures = figures_for(report)
            report.figures_at = now
            report.save(update_fields=["figures", "figures_at"])
    return report


def report_save(
    *, actor: User, report_id: int, commentary: str, problems: str, measures: str, submit: bool, now: datetime
) -> Report:
    """The submitter writes the commentary; with `submit`, the figures are recomputed and frozen.

    Raises ReportError when the report is already submitted or approved.
    """
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("kind", "department", "customer")
            .get(pk=report_id)
        )
        if not permissions.report_submit_allowed(actor, report):
            raise PermissionDenied
        if not report.is_editable:
            raise ReportError("报表已提交，不能再修改。")
        if submit and not commentary.strip():
            raise ReportError("提交前请填写说明。")
        before = {"status": report.status}
        report.commentary, report.problems, report.measures = (
            commentary.strip(),
            problems.strip(),
            measures.strip(),
        )
        if submit:
            report.figures = figures_for(report)
            report.figures_at = now
            report.status = ReportStatus.SUBMITTED
            report.submitted_by = actor
            report.submitted_at = now
        report.full_clean()
        report.save()
        audit_record(
            actor=actor,
            action="reports.report.submitted" if submit else "reports.report.saved",
            target=report,
            before=before,
            after={"status": report.status},
        )
        if submit:
            reviewers = _reviewers(report)
            url = reverse("reports:detail", args=[report.pk])
            title = report_title(report)
            transaction.on_commit(
                lambda: _notify(
                    reviewers,
                    "reports_submitted",
                    f"报表待审批：{title}",
                    url,
                    f"reports_submitted:{report.pk}:{now.timestamp():.0f}",
                )
            )
    return report


def _notify(recipients, kind, title, url, dedup_key):
    with company_language():
        notification_send(recipients=recipients, kind=kind, title=title, url=url, dedup_key=dedup_key)


def _decide(*, actor: User, report_id: int, approve: bool, comment: str, now: datetime) -> Report:
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("kind", "department", "customer")
            .get(pk=report_id)
        )
        if not permissions.report_review_allowed(actor, report):
            raise PermissionDenied
        if report.status != ReportStatus.SUBMITTED:
            raise ReportError("该报表已处理或尚未提交。")
        if not approve and not comment.strip():
            raise ReportError("退回时请写明原因。")
        report.status = ReportStatus.APPROVED if approve else ReportStatus.RETURNED
        report.reviewed_by, report.reviewed_at, report.review_comment = actor, now, comment.strip()
        report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
        audit_record(
            actor=actor,
            action=f"reports.report.{report.status}",
            target=report,
            before={"status": ReportStatus.SUBMITTED},
            after={"status": report.status, "comment": comment},
        )
        submitters = [report.submitted_by]
        url = reverse("reports:detail", args=[report.pk])
        verb = "已批准" if approve else "被退回"
        title = f"报表{verb}：{report_title(report)}"
        transaction.on_commit(
            lambda: _notify(
                submitters,
                "reports_decided",
                title,
                url,
                f"reports_decided:{report.pk}:{now.timestamp():.0f}",
            )
        )
    return report


def report_approve(*, actor: User, report_id: int, comment: str = "", now: datetime) -> Report:
    """The reviewer approves a submitted report; one decision (a second one raises ReportError)."""
    return _decide(actor=actor, report_id=report_id, approve=True, comment=comment, now=now)


def report_return(*, actor: User, report_id: int, comment: str, now: datetime) -> Report:
    """The reviewer returns a submitted report with a comment; the submitter edits and resubmits."""
    return _decide(actor=actor, report_id=report_id, approve=False, comment=comment, now=now)


# --- The development plan (§11) ---------------------------------------------------------------


def _plan_target_check(target: dict, *, salespeople: set[str]) -> PlanTarget:
    dimension, key = target.get("dimension"), str(target.get("key") or "").strip()
    count, share = target.get("target_count"), target.get("target_share")
    valid_keys = {
        PlanDimension.GRADE: set(Grade.values),
        PlanDimension.TIER: set(CustomerTier.values),
        PlanDimension.REGION: set(PROVINCES),
        PlanDimension.NEW_CUSTOMERS: salespeople,
    }
    if dimension not in PlanDimension.values:
        raise ReportError("未知的计划维度。")
    label = PlanDimension(dimension).label
    if not key or len(key) > 60 or (dimension in valid_keys and key not in valid_keys[dimension]):
        raise ReportError(f"“{label}”的取值无效：{key or '（空）'}。")
    if (count is None) == (share is None):
        raise ReportError(f"{label}“{key}”：请填写目标数量或目标占比，二者选一。")
    if count is not None and int(count) < 0:
        raise ReportError(f"{label}“{key}”：目标数量不能为负数。")
    if share is not None and not Decimal(0) <= Decimal(share) <= Decimal(100):
        raise ReportError(f"{label}“{key}”：目标占比须在 0 到 100 之间。")
    if dimension == PlanDimension.NEW_CUSTOMERS and share is not None:
        raise ReportError("新客户目标只能按数量填写。")
    return PlanTarget(
        dimension=dimension,
        key=key,
        target_count=int(count) if count is not None else None,
        target_share=Decimal(share) if share is not None else None,
    )


def plan_year_editable(year: int, *, now: datetime) -> bool:
    """A plan is set for this year or a coming one; a past year's plan is a record (read-only)."""
    return year >= timezone.localdate(now).year


def plan_save(
    *, actor: User, department_id: int, year: int, notes: str, targets: list[dict], now: datetime
) -> DevelopmentPlan:
    """The department head sets the department's plan for a year (§11); `targets` replace the old.

    A target: {dimension, key, target_count or target_share (percent)}; new customers by count,
    for a salesperson of the department; one target per dimension and key. A target kept from
    before keeps its row (the drill-down links stay valid). Only the department's manager
    (PermissionDenied); a past year is read-only and a bad target refuses all (ReportError).
    """
    if not permissions.plan_edit_allowed(actor, department_id):
        raise PermissionDenied
    if not plan_year_editable(year, now=now):
        raise ReportError(f"{year}年已过去，该年的计划只读。")
    with transaction.atomic():
        plan = (
            DevelopmentPlan.objects.select_for_update()
            .prefetch_related("targets")
            .filter(department_id=department_id, year=year)
            .first()
        )
        salespeople = {str(u.pk) for u in plan_salespeople(department_id, plan)}
        wanted = [_plan_target_check(t, salespeople=salespeople) for t in targets]
        seen = set()
        for t in wanted:
            if (t.dimension, t.key) in seen:
                raise ReportError(f"{t.get_dimension_display()}“{t.key}”填写了两次。")
            seen.add((t.dimension, t.key))
        before = _plan_snapshot(plan)
        if plan is None:
            try:
                with transaction.atomic():
                    plan = DevelopmentPlan.objects.create(
                        department_id=department_id, year=year, notes=notes.strip(), set_by=actor
                    )
            except IntegrityError as exc:  # created by someone else a moment ago
                raise ReportError("该年的计划刚被他人保存，请重新打开后再修改。") from exc
        else:
            plan.notes, plan.set_by = notes.strip(), actor
            plan.save(update_fields=["notes", "set_by", "updated_at"])
        old = {(t.dimension, t.key): t for t in plan.targets.all()}
        PlanTarget.objects.filter(pk__in=[t.pk for k, t in old.items() if k not in seen]).delete()
        for t in wanted:
            kept = old.get((t.dimension, t.key))
            if kept is None:
                t.plan = plan
                t.save()
            elif (kept.target_count, kept.target_share) != (t.target_count, t.target_share):
                kept.target_count, kept.target_share = t.target_count, t.target_share
                kept.save(update_fields=["target_count", "target_share"])
        plan = DevelopmentPlan.objects.prefetch_related("targets").get(pk=plan.pk)
        audit_record(
            actor=actor,
            action="reports.plan.saved",
            target=plan,
            before=before,
            after=_plan_snapshot(plan),
        )
    return plan


def _plan_snapshot(plan: DevelopmentPlan | None) -> dict:
    if plan is None:
        return {}
    return {
        "notes": plan.notes,
        "targets": [
            [t.dimension, t.key, t.target_count, str(t.target_share) if t.target_share is not None else None]
            for t in plan.targets.all()
        ],
    }
