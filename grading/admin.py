"""The managers' approval screens (§3): pending proposals, approve/reject with a comment.

Everything is read-only here; decisions go through grading.services (the same rules as
everywhere). Each list is scoped to the user's department (总经办 and the administrator see
all), and a proposal outside it is a 404, not a redirect.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import ScopedModelAdmin
from customers.admin import CustomerNameSearchMixin, customer_name_html

from .models import (
    DemotionCase,
    Evaluation,
    GradeChange,
    GradeProposal,
    GradingPolicy,
    Incident,
    IncidentType,
    Indicator,
    ProposalState,
    ReviewRound,
)
from .selectors import proposals_awaiting, scope_by_department
from .services import GradingError, approval_refusal, proposal_approve, proposal_reject
from .services.proposals import DEMOTION_GRADES
from .services.rules import is_demotion_from_a


class ScopedAdmin(ScopedModelAdmin):
    """Read-only, department-scoped; a row outside the scope is a 404."""

    customer_path = "customer"

    def get_queryset(self, request):
        return scope_by_department(super().get_queryset(request), request.user, self.customer_path)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShowFilter(admin.SimpleListFilter):
    """Defaults to what this user may approve now (manager: own department's first step; 总经办: A promotions)."""

    title = gettext_lazy("show")
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [("mine", _("Awaiting my approval")), ("open", _("All open")), ("all", _("All"))]

    def value(self):
        return super().value() or "mine"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return proposals_awaiting(request.user, queryset)
        if self.value() == "open":
            return queryset.filter(state__in=[ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM])
        return queryset


@admin.register(GradeProposal)
class GradeProposalAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = (
        "customer_name",
        "department",
        "grade_change",
        "short_reason",
        "score",
        "age",
        "state",
        "proposer",
    )
    list_filter = (ShowFilter, "state", "round")
    list_select_related = ("customer", "customer__department", "evaluation", "proposed_by")
    search_fields = ("customer__name", "customer__short_name")
    actions = ("approve_selected", "reject_selected")
    change_form_template = "grading/admin/gradeproposal_change_form.html"
    fields = (
        "customer",
        "grade_change",
        "kind",
        "reason_shown",
        "proposer",
        "created_at",
        "state",
        "decided_at",
        "withdrawn_reason",
        "evidence",
        "incident_display",
        "steps",
        "history",
    )
    readonly_fields = fields
    list_per_page = 50
    # No second COUNT(*) over all proposals of the scope for "(N total)" (bench finding 9).
    show_full_result_count = False

    class Media:
        css = {"all": ("css/admin_customer_name.css",)}

    @admin.display(description=gettext_lazy("customer"), ordering="customer__name")
    def customer_name(self, obj):
        return customer_name_html(obj.customer)

    @admin.display(description=gettext_lazy("department"))
    def department(self, obj):
        return obj.customer.department

    @admin.display(description=gettext_lazy("change"))
    def grade_change(self, obj):
        suffix = _(" (provisional)") if obj.from_provisional else ""
        return f"{obj.from_grade or '—'}{suffix} → {obj.to_grade}"

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj):
        text = obj.reason_text
        return text if len(text) <= 40 else text[:39] + "…"

    @admin.display(description=gettext_lazy("reason"))
    def reason_shown(self, obj):
        return obj.reason_text

    @admin.display(description=gettext_lazy("score"))
    def score(self, obj):
        ev = obj.evaluation
        if ev is None or ev.weighted_score is None:
            return "—"  # no score: a grade letter here would read as one
        return f"{ev.weighted_score} · {ev.suggested_grade}"

    @admin.display(description=gettext_lazy("age (days)"), ordering="created_at")
    def age(self, obj):
        return (timezone.now() - obj.created_at).days

    @admin.display(description=gettext_lazy("proposed by"))
    def proposer(self, obj):
        return obj.proposed_by.display_name if obj.proposed_by else _("System")

    @admin.display(description=gettext_lazy("evidence"))
    def evidence(self, obj):
        ev = obj.evaluation
        if ev is None:
            return "—"
        rows = [
            (_("Period"), ev.period_year),
            (_("Business volume (yuan)"), f"{ev.business_volume:,.2f}"),
            (_("Receivables (yuan)"), f"{ev.receivables:,.2f}"),
            (_("Overdue payments"), ev.overdue_payment_count),
            (_("Overdue pickups"), ev.overdue_pickup_count),
            (_("Weighted score"), ev.weighted_score or "—"),
            (_("Suggested grade"), ev.suggested_grade),
            (_("Evaluated by"), ev.evaluated_by or _("System")),
        ]
        return format_html(
            '<table class="grading-evidence">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("incident"))
    def incident_display(self, obj):
        if obj.incident is None:
            return "—"
        return f"{obj.incident} — {obj.incident.description}"

    @admin.display(description=gettext_lazy("approval steps"))
    def steps(self, obj):
        rows = [
            (
                a.get_step_display(),
                a.approver,
                _("Approved") if a.approved else _("Rejected"),
                timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M"),
                a.comment,
            )
            for a in obj.approvals.select_related("approver")
        ]
        if not rows:
            return "—"
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("grade history"))
    def history(self, obj):
        rows = [
            (
                timezone.localtime(c.changed_at).strftime("%Y-%m-%d"),
                f"{c.from_grade or '—'} → {c.to_grade}",
                c.reason_text,
                c.proposed_by or _("System"),
                c.approvers or "—",
            )
            for c in GradeChange.objects.filter(customer_id=obj.customer_id).select_related("proposed_by")[
                :20
            ]
        ]
        if not rows:
            return "—"
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    # --- Decisions: bulk actions with a confirmation page, and the change page's form ---------

    def has_approve_permission(self, request):
        return request.user.has_perm("grading.approve_gradeproposal")

    def _decide(self, request, queryset: QuerySet, *, approve: bool):
        if "apply" not in request.POST:
            return TemplateResponse(
                request,
                "grading/admin/decide.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "proposals": queryset,
                    "approve": approve,
                    "action": request.POST.get("action"),
                    "title": _("Approve grade changes") if approve else _("Reject grade changes"),
                },
            )
        comment = request.POST.get("comment", "")
        done, errors = 0, []
        for proposal in queryset:
            try:
                if approve:
                    proposal_approve(proposal_id=proposal.pk, approver=request.user, comment=comment)
                else:
                    proposal_reject(proposal_id=proposal.pk, approver=request.user, comment=comment)
                done += 1
            except GradingError as exc:
                errors.append(f"{proposal.customer.display_name}: {exc}")
        if done:
            msg = _("%(count)d proposals approved.") if approve else _("%(count)d proposals rejected.")
            self.message_user(request, msg % {"count": done}, messages.SUCCESS)
        for error in errors:
            self.message_user(request, error, messages.ERROR)
        return None

    @admin.action(description=gettext_lazy("Approve the selected proposals"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("Reject the selected proposals"), permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, approve=False)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="grading_gradeproposal_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        """The change page's approve/reject form posts here (one proposal, with a comment)."""
        if request.method != "POST" or not self.has_approve_permission(request):
            raise Http404
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        approve = request.POST.get("decision") == "approve"
        try:
            if approve:
                proposal_approve(
                    proposal_id=object_id,
                    approver=request.user,
                    comment=request.POST.get("comment", ""),
                    to_grade=request.POST.get("to_grade") or None,
                )
                self.message_user(request, _("Proposal approved."), messages.SUCCESS)
            else:
                proposal_reject(
                    proposal_id=object_id, approver=request.user, comment=request.POST.get("comment", "")
                )
                self.message_user(request, _("Proposal rejected."), messages.SUCCESS)
        except GradingError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:grading_gradeproposal_change", args=[object_id]))
        return HttpResponseRedirect(reverse("admin:grading_gradeproposal_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_queryset(request).filter(pk=object_id).select_related("customer").first()
        if proposal is None:
            raise Http404
        refusal = approval_refusal(request.user, proposal) if self.has_approve_permission(request) else _("—")
        extra = {
            "can_decide": refusal is None,
            "refusal": refusal if proposal.is_open else None,
            # §3: an A customer is demoted to B or C, the approver's choice.
            "demotion_grades": DEMOTION_GRADES
            if is_demotion_from_a(proposal.from_grade, proposal.to_grade)
            else (),
            "proposed_grade": proposal.to_grade,
            "decide_url": reverse("admin:grading_gradeproposal_decide", args=[proposal.pk]),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)


@admin.register(Evaluation)
class EvaluationAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = (
        "customer",
        "kind",
        "period_year",
        "business_volume",
        "weighted_score",
        "grade_before",
        "suggested_grade",
        "evaluated_by",
        "created_at",
    )
    list_filter = ("kind", "suggested_grade", "round")
    list_select_related = ("customer", "evaluated_by")
    search_fields = ("customer__name",)


@admin.register(Incident)
class IncidentAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = ("customer", "incident_type", "occurred_on", "is_serious", "recorded_by")
    list_filter = ("incident_type", "is_serious")
    list_select_related = ("customer", "recorded_by")
    search_fields = ("customer__name", "description")
    exclude = ("evidence",)  # downloaded through grading:incident_evidence, which checks visibility


@admin.register(DemotionCase)
class DemotionCaseAdmin(ScopedAdmin):
    list_display = ("customer", "opened_at", "deadline", "resolved_at", "escalated_at")
    list_select_related = ("customer",)


@admin.register(GradeChange)
class GradeChangeAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = (
        "customer",
        "from_grade",
        "to_grade",
        "provisional",
        "why",
        "proposed_by",
        "approvers",
        "changed_at",
    )
    list_select_related = ("customer", "proposed_by")
    search_fields = ("customer__name",)

    @admin.display(description=gettext_lazy("why"))
    def why(self, obj):
        return obj.reason_text


@admin.register(ReviewRound)
class ReviewRoundAdmin(ScopedAdmin):
    list_display = ("year", "kind", "period_year", "opened_at", "opened_by", "closes_on", "closed_at")
    list_filter = ("kind",)
    customer_path = None


class IndicatorForm(forms.ModelForm):
    incident_types = forms.MultipleChoiceField(
        label=gettext_lazy("incidents that lower it"),
        choices=IncidentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Indicator
        fields = ("order", "key", "name", "weight", "scoring", "incident_types", "deduction", "a_min_score")
        widgets = {
            "order": forms.NumberInput(attrs={"style": "width: 4em"}),
            "weight": forms.NumberInput(attrs={"style": "width: 5em"}),
            "deduction": forms.NumberInput(attrs={"style": "width: 5em"}),
            "a_min_score": forms.NumberInput(attrs={"style": "width: 5em"}),
        }


class IndicatorFormSet(forms.BaseInlineFormSet):
    """The weights of the policy's indicators add up to 100 (§3), checked over the whole set."""

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(_("The evaluation sheet needs at least one indicator."))
        total = sum(f.cleaned_data.get("weight") or 0 for f in kept)
        if total != 100:
            raise ValidationError(
                _("The indicator weights must add up to 100 (now %(total)d).") % {"total": total}
            )


class IndicatorInline(admin.StackedInline):
    # Stacked: the incident-type checkboxes squeezed a table column to one character at 1280 px.
    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    extra = 0
    fields = (("order", "key", "name", "weight"), ("scoring", "deduction", "a_min_score"), "incident_types")

    def get_queryset(self, request):
        GradingPolicy.load().indicator_list()  # the five defaults exist before the first edit
        return super().get_queryset(request)


@admin.register(GradingPolicy)
class GradingPolicyAdmin(ScopedModelAdmin):
    """The administrator edits the numbers of §3 and the indicators of the evaluation sheet;
    evaluations keep the values they used."""

    inlines = [IndicatorInline]

    def has_add_permission(self, request):
        return not GradingPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = GradingPolicy.load()
        return HttpResponseRedirect(reverse("admin:grading_gradingpolicy_change", args=[policy.pk]))
