"""The widgets of each role's 工作台 (crm/home.html), in the order shown, below its tiles and charts.

Who sees a widget is its app's predicate (`allowed`, from the app's permissions.py; a superuser
sees every widget). A widget's context gets the request and the page's DashboardContext (viewer,
one `now`, and the memo the tiles filled: a widget that shows an aggregate a tile computed reads
it from there).
"""

from django.utils.translation import gettext_lazy as _

from blacklist import panels as blacklist_panels
from blacklist import permissions as blacklist_permissions
from complaints import panels as complaints_panels
from crm.registry import Panel, panels_render
from engagement import panels as engagement_panels
from engagement import permissions as engagement_permissions
from reports import panels as reports_panels
from reports import permissions as reports_permissions
from sales import panels as sales_panels
from sales import permissions as sales_permissions
from visits import panels as visits_panels
from visits import permissions as visits_permissions

WIDGETS = [
    Panel(
        key="visits",
        title=_("My visits"),
        template="visits/_widget.html",
        context=visits_panels.salesperson_widget_context,
        allowed=visits_permissions.own_visits_widget_allowed,
    ),
    Panel(
        key="sales",
        title=_("Receivables of the department"),
        template="sales/_widget.html",
        context=sales_panels.dashboard_widget_context,
        allowed=sales_permissions.department_receivables_widget_allowed,
    ),
    Panel(
        key="complaints",
        title=_("My open complaints"),
        template="complaints/_widget.html",
        context=complaints_panels.dashboard_widget_context,
    ),
    Panel(
        key="engagement",
        title=_("Contact cadence compliance"),
        template="engagement/_compliance_widget.html",
        context=engagement_panels.compliance_widget_context,
        allowed=engagement_permissions.compliance_widget_allowed,
    ),
    Panel(
        key="blacklist",
        title=_("Blacklist summary"),
        template="blacklist/widget.html",
        context=blacklist_panels.dashboard_widget_context,
        allowed=blacklist_permissions.blacklist_report_view_allowed,
    ),
    Panel(
        key="reports",
        title=_("Periodic reports"),
        template="reports/_widget.html",
        context=reports_panels.dashboard_widget_context,
        allowed=reports_permissions.reports_widget_allowed,
    ),
]


def widgets(request, ctx) -> list[dict]:
    """settings.WORKBENCH_WIDGETS: the widgets the viewer's role sees; `ctx` is the DashboardContext."""
    return panels_render(WIDGETS, request, ctx)[0]
