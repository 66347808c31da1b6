"""One-time submission keys (issue 13.4): a double tap or a retried POST creates nothing twice.

Every form that creates something carries a hidden `submission_key` (a UUID made when the
form is rendered, `{% submission_key_field %}`); so does every offline draft the phone sends
later (static/js/offline.js). `SubmissionOnceMiddleware` runs the view of such a POST inside
one transaction that first inserts the key: the unique constraint decides which of two
identical POSTs wins (the second one waits for the first to commit, then fails the insert),
and the loser answers with the winner's result, a redirect to what it created. A POST that did
not succeed (the form came back with errors) does not keep its key, so it can be sent again.
A POST without a key behaves as before (the API and old clients).
"""

import uuid
from datetime import datetime, timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SubmissionKey

FIELD = "submission_key"
KEEP_DAYS = 30


class _NotDone(Exception):
    """The view answered without a redirect: roll the key back with whatever it wrote."""

    def __init__(self, response):
        self.response = response


def submission_key_parse(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw or "").strip())
    except ValueError:
        return None


def submission_run_once(*, request, key: uuid.UUID, view, args, kwargs) -> HttpResponse:
    """Run `view` once for `key`: its redirect is remembered; a repeat gets the same redirect."""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = SubmissionKey.objects.create(
                        key=key, user=request.user, path=request.path[:300], result_url=""
                    )
            except IntegrityError:
                record = None  # another POST with this key committed first (or is committing)
            if record is not None:
                response = view(request, *args, **kwargs)
                if not isinstance(response, HttpResponseRedirect) or not response.get("Location"):
                    raise _NotDone(response)
                record.result_url = response["Location"][:500]
                record.save(update_fields=["result_url"])
                return response
    except _NotDone as not_done:
        return not_done.response
    return submission_repeat_response(request=request, key=key)


def submission_repeat_response(*, request, key: uuid.UUID) -> HttpResponse:
    """The answer to a key already used: the first result, or a refusal if it is someone else's."""
    first = SubmissionKey.objects.filter(key=key).first()
    if first is None or first.user_id != request.user.pk or not first.result_url:
        return HttpResponse(
            _("This form was already sent."), status=409, content_type="text/plain; charset=utf-8"
        )
    messages.info(request, _("This form had already been sent: here is what it created."))
    response = HttpResponseRedirect(first.result_url)
    response["X-Submission-Repeat"] = "1"
    return response


def submission_keys_purge(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """The `submission-keys-purge` job: forget keys older than KEEP_DAYS (a draft is sent long before)."""
    now = now or timezone.now()
    deleted, _detail = SubmissionKey.objects.filter(created_at__lt=now - timedelta(days=KEEP_DAYS)).delete()
    return {"deleted": deleted}


class SubmissionOnceMiddleware:
    """Runs a logged-in POST that carries a submission key through `submission_run_once`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        key = submission_key_parse(request.POST.get(FIELD))
        if key is None:
            return None
        return submission_run_once(request=request, key=key, view=view, args=args, kwargs=kwargs)
