"""crm's own figures: the unread notifications (every role)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import Notification

from .registry import Tile, tiles


def unread_notifications(ctx) -> int:
    return Notification.objects.filter(recipient=ctx.user, read_at__isnull=True).count()


tiles.register(
    Tile(
        key="crm.unread",
        label=_("Unread notifications"),
        value=unread_notifications,
        url=lambda ctx: reverse("notifications") + "?unread=1",
        order=900,
    )
)
