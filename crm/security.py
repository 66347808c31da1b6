"""Who is asking: the client address used by login throttling and the refusal log.

Behind the TLS reverse proxy (BEHIND_TLS_PROXY) every request arrives from the proxy's
address; the proxy appends the real client to X-Forwarded-For (`$proxy_add_x_forwarded_for`),
so the last entry is the one address a client cannot forge. Without the switch the header
is ignored: anyone could write it.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger("crm.security")


def client_ip(request) -> str | None:
    """The client's IP address (django-axes' AXES_CLIENT_IP_CALLABLE)."""
    address = request.META.get("REMOTE_ADDR") or None
    if settings.CRM_BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip() if forwarded else ""
        if last:
            address = last
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def permission_refusal_record(request, response) -> None:
    """Log a 403 (a permission refusal, a failed CSRF check) in the audit trail and the log."""
    from .models import User
    from .services import audit_record

    user = getattr(request, "user", None)
    # An API request's user may be an integration account (sales.IntegrationAccount), not a User.
    actor = user if isinstance(user, User) and user.is_authenticated else None
    ip = client_ip(request)
    path = request.get_full_path()[:300]
    logger.warning("403 %s %s user=%s ip=%s", request.method, path, getattr(actor, "username", "-"), ip)
    audit_record(
        actor=actor,
        action="security.permission_denied",
        after={"method": request.method, "path": path},
        ip_address=ip,
    )
