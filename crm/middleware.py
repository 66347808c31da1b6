import time

from django.conf import settings
from django.contrib.auth import logout


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than SESSION_IDLE_TIMEOUT seconds."""

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
