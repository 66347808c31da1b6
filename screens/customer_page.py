"""The customer page's sections after the archive (customers/detail.html), in the order shown.

Each panel names what it shows as querysets (`reads`); the page reads them all, with its own
lists, in one statement (crm.db.read_together), then builds each panel's context from its rows
(tests/customers/test_page_queries.py pins the page's queries); a context of None hides the
panel from that viewer.
"""

from django.utils.translation import gettext_lazy as _

from blacklist import panels as blacklist_panels
from complaints import panels as complaints_panels
from crm.registry import Panel, panels_render
from engagement import panels as engagement_panels
from grading import panels as grading_panels
from sales import panels as sales_panels
from surveys import panels as surveys_panels
from visits import panels as visits_panels

PANELS = [
    Panel(
        key="keyaccount",
        title=_("Key account"),
        template="engagement/_keyaccount_panel.html",
        context=engagement_panels.customer_keyaccount_context,
        reads=engagement_panels.customer_keyaccount_reads,
    ),
    Panel(
        key="grading",
        title=_("Grading"),
        template="grading/_customer_panel.html",
        context=grading_panels.customer_grading_context,
        reads=grading_panels.customer_grading_reads,
    ),
    Panel(
        key="contacts",
        title=_("Contact log"),
        template="engagement/_timeline_panel.html",
        context=engagement_panels.customer_timeline_context,
        reads=engagement_panels.customer_timeline_reads,
    ),
    Panel(
        key="sales",
        title=_("Agreements and receivables"),
        template="sales/_customer_panel.html",
        context=sales_panels.customer_sales_context,
        reads=sales_panels.customer_sales_reads,
    ),
    Panel(
        key="visits",
        title=_("Visits"),
        template="visits/_customer_panel.html",
        context=visits_panels.customer_visits_context,
        reads=visits_panels.customer_visits_reads,
        customer_related=("location",),
    ),
    Panel(
        key="complaints",
        title=_("Complaints"),
        template="complaints/_customer_panel.html",
        context=complaints_panels.customer_panel_context,
        reads=complaints_panels.customer_panel_reads,
    ),
    Panel(
        key="surveys",
        title=_("Satisfaction"),
        template="surveys/_customer_panel.html",
        context=surveys_panels.customer_panel_context,
        reads=surveys_panels.customer_panel_reads,
    ),
    Panel(
        key="blacklist",
        title=_("Blacklist"),
        template="blacklist/panel.html",
        context=blacklist_panels.customer_panel_context,
        reads=blacklist_panels.customer_panel_reads,
    ),
]


def related() -> list[str]:
    """settings.CUSTOMER_PAGE_RELATED: what the customer query joins for the panels."""
    return sorted({name for panel in PANELS for name in panel.customer_related})


def panels(request, customer, *, also: dict | None = None) -> tuple[list[dict], dict]:
    """settings.CUSTOMER_PAGE_PANELS: the sections the viewer sees on `customer`'s page, and the
    rows of the page's own querysets (`also`), read with the panels' in one statement."""
    return panels_render(PANELS, request, customer, also=also)
