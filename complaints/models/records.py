"""What hangs off a ticket: the progress feedback log, the timeline, the attachments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds, datetime_bounds_q
from crm.models import StoredFile

from .tickets import Channel, Ticket


class FeedbackMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    ONSITE = "onsite", _("On site")
    OTHER = "other", _("Other")


class TicketFeedback(models.Model):
    """One progress feedback to the customer (进度反馈): when, how, what."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="feedbacks"
    )
    given_at = models.DateTimeField(_("when"), validators=[TypedDateBounds()])
    method = models.CharField(_("how"), max_length=20, choices=FeedbackMethod.choices)
    content = models.TextField(_("what was said"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=datetime_bounds_q("given_at"), name="complaints_ticketfeedback_given_at_bounds"
            ),
        ]
        verbose_name = _("progress feedback")
        verbose_name_plural = _("progress feedback")
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["ticket", "given_at"], name="complaint_feedback_idx")]

    def __str__(self):
        return f"{self.ticket} {self.given_at:%Y-%m-%d}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")
    RETURN_VISITED = "return_visited", _("Return visit recorded")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated to the GM office")
    OVERDUE = "overdue", _("Deadline passed: escalated to the manager")
    FEEDBACK = "feedback", _("Progress feedback")
    ATTACHMENT = "attachment", _("Attachment added")


class TicketEvent(models.Model):
    """The ticket's timeline, as shown on its page (the audit trail keeps the full record)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What a person typed (a reason, a confirmation, what the customer was told), kept as typed.
    note = models.TextField(_("note"), blank=True)
    # The language-neutral facts of the event (a channel code, a score, a time limit...):
    # `text` puts them into words in the reader's language, never the writer's.
    params = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        constraints = [
            # The job writes one overdue event per ticket, however often it runs.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(kind="overdue"),
                name="complaints_ticketevent_one_overdue",
            )
        ]

    def __str__(self):
        return f"{self.ticket} {self.kind}"

    @property
    def text(self) -> str:
        """The event's line on the timeline, in the active language (rows written before
        `params` existed have their words in `note` and show them as they are)."""
        p = self.params or {}
        if self.kind == EventKind.RECEIVED and p.get("channel"):
            return _choice_label(Channel, p["channel"])
        if self.kind == EventKind.ASSIGNED and p.get("limit"):
            return gettext("%(department)s · %(handler)s · time limit %(limit)s") % {
                "department": p.get("department", ""),
                "handler": p.get("handler", ""),
                "limit": p["limit"],
            }
        if self.kind == EventKind.RETURN_VISITED and "score" in p:
            return gettext("Satisfaction %(score)d/5: %(text)s") % {"score": p["score"], "text": self.note}
        if self.kind == EventKind.FEEDBACK and p.get("method"):
            return f"{_choice_label(FeedbackMethod, p['method'])}: {self.note}"
        if self.kind == EventKind.ESCALATED and "threshold" in p:
            return gettext("Claim of %(amount)s yuan reaches the threshold of %(threshold)s yuan.") % {
                "amount": p.get("amount", ""),
                "threshold": p["threshold"],
            }
        return self.note


def _choice_label(choices, value: str) -> str:
    """The label of a stored choice value; an unknown value (a choice since removed) as it is."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def attachment_upload_to(instance, filename):
    import uuid

    return f"complaints/{instance.ticket_id}/{uuid.uuid4().hex}"


class TicketAttachment(StoredFile):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name
