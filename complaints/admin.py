"""Admin of complaints: tickets read-only (the workflow runs on the ticket page), the
managers' escalation as an action calling the same service, and the complaint policy."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.admin_base import ScopedModelAdmin
from customers.admin import CustomerNameSearchMixin

from . import services
from .models import ComplaintPolicy, Ticket, TicketEvent, TicketFeedback
from .selectors import ticket_list_for


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FeedbackInline(ReadOnlyInline):
    model = TicketFeedback
    fields = ("given_at", "method", "content", "given_by")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "kind", "actor", "text")
    readonly_fields = fields

    @admin.display(description=_("note"))
    def text(self, obj):
        """Worded in the reader's language from the event's codes (TicketEvent.text)."""
        return obj.text


@admin.register(Ticket)
class TicketAdmin(CustomerNameSearchMixin, ScopedModelAdmin):
    list_display = (
        "number",
        "customer",
        "complaint_type",
        "status",
        "deadline_at",
        "handler",
        "is_major",
        "claim_amount",
    )
    list_filter = ("status", "complaint_type", "is_major", "customer__department")
    search_fields = ("number", "customer__name")
    date_hierarchy = "received_at"
    list_select_related = ("customer", "handler")
    inlines = [FeedbackInline, EventInline]
    actions = ["escalate_selected"]

    def get_queryset(self, request):
        # The same visibility as the screens: a manager sees their department's tickets only.
        return ticket_list_for(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Escalate as major complaints to the GM office"), permissions=["change"])
    def escalate_selected(self, request, queryset):
        done = 0
        for ticket in queryset:
            try:
                services.ticket_escalate(
                    actor=request.user,
                    ticket_id=ticket.pk,
                    reason=gettext("Escalated by a manager's decision."),
                )
                done += 1
            except services.ComplaintError as exc:
                self.message_user(request, f"{ticket.number}: {exc}", messages.WARNING)
        if done:
            self.message_user(request, gettext("%(n)d complaints escalated.") % {"n": done}, messages.SUCCESS)


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(ScopedModelAdmin):
    list_display = (
        "__str__",
        "company_province",
        "in_province_hours",
        "out_of_province_hours",
        "escalation_threshold",
    )

    def has_add_permission(self, request):
        return not ComplaintPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
