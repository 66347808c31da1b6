"""The one approval screen of the admin (issue 15): grade changes (§3), tiers (§9), agreements (§13).

Each is decided in steps by people who work in the admin: a queue of what awaits them, bulk
approve/reject through a page that asks for the comment, a decision form on the change page, the
comments and the history of decisions. The mechanics are here once; an admin declares what
differs: `decision_apply` (its services: they lock the row, so of two people deciding at once the
second reads "already decided"), `decision_refusal` (its permission predicate), its texts and the
columns of the comment page.

Use it before the scoped admin class: `class XAdmin(DecisionAdminMixin, ScopedModelAdmin)`; the
decide URL `<id>/decide/` is then scoped like every other object URL (crm/admin_base.py).
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class DecisionTexts:
    """What the screens say about this kind of record (lazy strings; `%(count)d` in the counts)."""

    approve_action: str  # the bulk actions' names in the changelist
    reject_action: str
    approve_title: str  # the comment page's title
    reject_title: str
    approve_intro: str  # the line above its table
    reject_intro: str
    approved_count: str
    rejected_count: str
    approved_one: str  # after a decision from the change page
    rejected_one: str
    reject_help: str = gettext_lazy("Say why: the proposer reads it.")


def decision_history_table(rows) -> str:
    """The history of decisions on a change page (steps, or the grade or tier changes): a table of
    rows of cells, or "—" when there is none."""
    rows = list(rows)
    if not rows:
        return "—"
    cells = (format_html_join("", "<td>{}</td>", ((cell,) for cell in row)) for row in rows)
    return format_html("<table>{}</table>", format_html_join("", "<tr>{}</tr>", ((c,) for c in cells)))


class DecisionShowFilter(admin.SimpleListFilter):
    """Defaults to what this user may decide now (`decision_queue` of the admin), or all open, or all."""

    title = gettext_lazy("show")
    parameter_name = "show"

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)

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
            return self.model_admin.decision_queue(request.user, queryset)
        if self.value() == "open":
            return queryset.filter(state__in=self.model_admin.decision_open_states)
        return queryset


class DecisionAdminMixin:
    """Bulk and single approve/reject through the app's services; see the module's docstring.

    The model has `customer` and `state`, `is_open`, and the permission `approve_<model>`.
    """

    decision_texts: DecisionTexts
    decision_error: type[Exception] = Exception  # the services' domain error, shown as a message
    decision_open_states: tuple[str, ...] = ()  # the "All open" choice of DecisionShowFilter
    decision_columns: tuple[str, ...] = ()  # the headers of the comment page's table
    change_form_template = "crm/admin/decision_change_form.html"
    actions = ("approve_selected", "reject_selected")

    # --- What each admin declares ----------------------------------------------------------

    def decision_apply(self, request, object_id: int, *, approve: bool, comment: str, now: datetime) -> None:
        """Call the app's approve or reject service; its domain error is `decision_error`."""
        raise NotImplementedError(f"{type(self).__name__} declares decision_apply")

    def decision_refusal(self, user, obj) -> str | None:
        """Why `user` may not decide `obj` now (the app's permission predicate), None on their turn."""
        raise NotImplementedError(f"{type(self).__name__} declares decision_refusal")

    def decision_row(self, obj) -> list:
        """One row of the comment page's table, under `decision_columns` (text, or safe HTML)."""
        return [str(obj)]

    def decision_name(self, obj) -> str:
        """How an error of the bulk action names the record."""
        return obj.customer.display_name

    def decision_queue(self, user, queryset: QuerySet) -> QuerySet:
        """The records whose next step is this user's (DecisionShowFilter's default)."""
        return queryset.none()

    # --- The mechanics -----------------------------------------------------------------------

    def has_approve_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.approve_{opts.model_name}")

    def _decide_url_name(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_decide"

    def get_action(self, action):
        # The two actions are this mixin's; their names in the menu are the admin's texts.
        found = super().get_action(action)
        if found is not None and action in ("approve_selected", "reject_selected"):
            texts = self.decision_texts
            found = (
                *found[:2],
                texts.approve_action if action == "approve_selected" else texts.reject_action,
            )
        return found

    @admin.action(permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._decide_selected(request, queryset, approve=True)

    @admin.action(permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._decide_selected(request, queryset, approve=False)

    def _decide_selected(self, request, queryset: QuerySet, *, approve: bool):
        """The first post shows the comment page; its submit (`apply`) decides each record."""
        texts = self.decision_texts
        if "apply" not in request.POST:
            return TemplateResponse(
                request,
                "crm/admin/decide.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "columns": self.decision_columns,
                    "rows": [(obj.pk, self.decision_row(obj)) for obj in queryset],
                    "approve": approve,
                    "action": request.POST.get("action"),
                    "title": texts.approve_title if approve else texts.reject_title,
                    "intro": texts.approve_intro if approve else texts.reject_intro,
                    "reject_help": texts.reject_help,
                },
            )
        comment, now = request.POST.get("comment", ""), timezone.now()
        done, errors = 0, []
        for obj in queryset:
            try:
                self.decision_apply(request, obj.pk, approve=approve, comment=comment, now=now)
                done += 1
            except self.decision_error as exc:
                errors.append(f"{self.decision_name(obj)}: {exc}")
        if done:
            msg = texts.approved_count if approve else texts.rejected_count
            self.message_user(request, msg % {"count": done}, messages.SUCCESS)
        for error in errors:
            self.message_user(request, error, messages.ERROR)
        return None

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name=self._decide_url_name(),
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        """The change page's approve/reject form posts here (one record, with a comment)."""
        if request.method != "POST" or not self.has_approve_permission(request):
            raise Http404
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        opts, texts = self.model._meta, self.decision_texts
        approve = request.POST.get("decision") == "approve"
        try:
            self.decision_apply(
                request,
                object_id,
                approve=approve,
                comment=request.POST.get("comment", ""),
                now=timezone.now(),
            )
        except self.decision_error as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )
        self.message_user(request, texts.approved_one if approve else texts.rejected_one, messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def decision_context(self, request, obj) -> dict:
        """The change page's form: shown when it is this user's turn, else why not (while open)."""
        refusal = self.decision_refusal(request.user, obj) if self.has_approve_permission(request) else "—"
        return {
            "can_decide": refusal is None,
            "refusal": refusal if obj.is_open else None,
            "decide_url": reverse(f"admin:{self._decide_url_name()}", args=[obj.pk]),
            "decide_form_id": f"{self.model._meta.app_label}-decide",
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_queryset(request).filter(pk=object_id).select_related("customer").first()
        if obj is None:
            raise Http404
        extra = {**self.decision_context(request, obj), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)
