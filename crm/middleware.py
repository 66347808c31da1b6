"""Session idle timeout, the log of permission refusals, and query strings that cannot be valid."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import DatabaseError
from django.urls import Resolver404, resolve

from .security import permission_refusal_record

logger = logging.getLogger("crm.security")


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than SESSION_IDLE_TIMEOUT seconds.

    logout() flushes the session: it is deleted on the server, not only forgotten by the
    browser, so a stolen cookie of an idle session is worthless.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif last is None or now - last > 60:
                # Written at most once a minute, so a busy page does not rewrite the session.
                request.session["last_seen"] = now
        return self.get_response(request)


class PermissionRefusalLogMiddleware:
    """Every 403 (a role refused, a failed CSRF check) is written to the audit trail (issue 10)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            try:
                permission_refusal_record(request, response)
            except DatabaseError:
                # The refusal stands even if it cannot be recorded (e.g. inside a broken transaction).
                logger.exception("could not record a 403 in the audit trail")
        return response


def _in_namespace(request, namespace: str) -> bool:
    try:
        return resolve(request.path_info).namespace == namespace
    except Resolver404:
        return False


class BadQueryStringMiddleware:
    """A NUL byte in the query string is answered 400 before any view sees it (issue 13 §7).

    PostgreSQL refuses NUL in a text parameter, so `?q=%00` on a search or `?state=%00` on an
    admin filter was a 500 on that database. No field of the CRM can hold one, so the request
    is refused as a whole, with the site's Chinese 400 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            if _in_namespace(request, "api"):
                # The ERP's API answers in its own stable JSON shape, never an HTML page.
                from django.http import JsonResponse
                from django.utils.translation import gettext as _

                message = _("The query string holds a character that is not allowed.")
                return JsonResponse(
                    {"error": {"code": "bad_request", "message": message, "fields": {}}}, status=400
                )
            from django.views.defaults import bad_request

            return bad_request(request, exception=None)
        return self.get_response(request)
