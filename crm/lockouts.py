"""Log-in lockouts (django-axes), as the people involved meet them (issue 13 §6).

- The cool-off counts from the failure that locked the account: tries during a lockout are
  not recorded and do not extend it (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False),
  so a colleague sending one wrong password every 29 minutes cannot keep someone out.
- The locked-out person reads, in Chinese, until when (`lockout_response`, axes'
  AXES_LOCKOUT_CALLABLE), and is notified at once (`lockout_notify`, kind `security_lockout`),
  so a lock they did not cause is noticed.
- The administrator sees the current lockouts (crm.admin.LockoutAdmin, the proxy model
  crm.Lockout) and lifts one with a click (`lockout_lift`, audited).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def cool_off() -> timedelta:
    value = settings.AXES_COOLOFF_TIME
    return value if isinstance(value, timedelta) else timedelta(hours=float(value))


def lockouts_active(*, now: datetime | None = None):
    """The (username, address) pairs locked now: as many failures as the limit, within the cool-off."""
    from axes.models import AccessAttempt

    now = now or timezone.now()
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gt=now - cool_off()
    )


def lockout_until(*, username: str, ip_address: str | None) -> datetime | None:
    attempt = (
        lockouts_active().filter(username=username, ip_address=ip_address).order_by("-attempt_time").first()
    )
    return attempt.attempt_time + cool_off() if attempt else None


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page (429), in the site's layout, saying until when (local time)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = lockout_until(username=username, ip_address=getattr(request, "axes_ip_address", None))
    return render(
        request,
        "registration/locked_out.html",
        {
            "locked_until": timezone.localtime(until) if until else None,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,  # axes.conf sets its default (429)
    )


def lockout_notify(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Tell the person whose account was locked (immediately; once per lockout).

    axes sends `user_locked_out` on the failure that locks and on each try during the lock;
    the dedup key names the lock (its start), so the person gets one notification per lock.
    """
    from .models import User
    from .services import company_language, notification_send

    if not username:
        return
    user = User.objects.filter(username=username, is_active=True).first()
    attempt = (
        lockouts_active().filter(username=username, ip_address=ip_address).order_by("-attempt_time").first()
    )
    if user is None or attempt is None:
        return
    until = timezone.localtime(attempt.attempt_time + cool_off())
    with company_language():
        notification_send(
            recipients=[user],
            kind="security_lockout",
            title=_("Your account was locked after repeated failed log-ins"),
            body=_(
                "%(count)d wrong passwords were entered for your account from the address %(ip)s; log-in from "
                "there is locked until %(until)s. If it was not you, tell the administrator and change your "
                "password."
            )
            % {
                "count": attempt.failures_since_start,
                "ip": ip_address or "?",
                "until": date_format(until, "Y-m-d H:i"),
            },
            url=reverse("password_change"),
            dedup_key=f"security_lockout:{username}:{ip_address}:{attempt.attempt_time:%Y%m%d%H%M%S}",
        )


def lockout_lift(*, actor, attempt_id: int) -> str:
    """Lift a lockout: the username may try again from that address at once. Audited."""
    from axes.models import AccessAttempt

    from .models import User
    from .services import audit_record

    attempt = AccessAttempt.objects.get(pk=attempt_id)
    AccessAttempt.objects.filter(username=attempt.username, ip_address=attempt.ip_address).delete()
    audit_record(
        actor=actor,
        action="crm.lockout.lifted",
        target=User.objects.filter(username=attempt.username).first(),
        before={
            "username": attempt.username,
            "ip_address": attempt.ip_address,
            "failures": attempt.failures_since_start,
        },
    )
    return attempt.username
