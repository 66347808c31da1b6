"""The one scope check every admin page of an object passes (issue 13 §1).

Django's change, delete and history views ask `get_queryset(request)`, but django-simple-history's
history list falls back to the history table when the object is out of reach, its version page
(and revert) never asks, and a custom view asks only if its author remembered. So the check is
made once, around every URL a ModelAdmin generates: a URL naming an object (`object_id`, or the
first positional argument of the history-version pattern) answers 404 unless
`get_object(request, object_id)` (which reads `get_queryset(request)`) finds it.

Every ModelAdmin of the project uses `ObjectScopeMixin` (first among its bases);
tests/trust/test_admin_scope.py checks that every registered admin does.
"""

import functools

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.urls import URLPattern
from simple_history.admin import SimpleHistoryAdmin

from .permissions import department_rows

# The names Django's, django-simple-history's, auth's (`<id>/password/`) and our own admin URLs
# give the object's key.
OBJECT_KWARGS = ("object_id", "id", "pk")


class ObjectScopeMixin:
    """Every object URL of this admin (generated or custom, history included) is scoped."""

    @property
    def urls(self):
        return [self._scoped_pattern(p) for p in self.get_urls()]

    def _scoped_pattern(self, pattern):
        if not isinstance(pattern, URLPattern):
            return pattern
        view = pattern.callback

        @functools.wraps(view)
        def scoped(request, *args, **kwargs):
            object_id = next((kwargs[k] for k in OBJECT_KWARGS if k in kwargs), args[0] if args else None)
            # Not logged in / not staff: the admin's own view sends them to its login page.
            if (
                object_id is not None
                and self.admin_site.has_permission(request)
                and self.get_object(request, unquote(str(object_id))) is None
            ):
                raise Http404
            return view(request, *args, **kwargs)

        return URLPattern(pattern.pattern, scoped, pattern.default_args, pattern.name)


class ScopedModelAdmin(ObjectScopeMixin, admin.ModelAdmin):
    """The project's ModelAdmin: every object URL scoped by get_queryset."""


class ScopedHistoryAdmin(ObjectScopeMixin, SimpleHistoryAdmin):
    """The same, for models with django-simple-history's history and version pages."""


class ReadOnlyAdmin(ScopedModelAdmin):
    """Records kept by the system (audit, access log, imports, the ledger, histories): viewed,
    never added, changed or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DepartmentReadOnlyAdmin(ReadOnlyAdmin):
    """ReadOnlyAdmin of a department's records: `department_path` leads to the department."""

    department_path = "customer__department_id"

    def get_queryset(self, request):
        return department_rows(super().get_queryset(request), request.user, self.department_path)
