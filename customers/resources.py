"""Excel exports of the archive through django-import-export: customers, contacts, yearly figures.

Exports only: imports go through customers.imports (staged rows, the form's services), which
django-import-export's per-row hooks only got in the way of (issue 15). The columns, with how
each cell is written, are customers.columns, shared with the import; every column here
is read-only. Every resource is bound to the exporting user.
"""

from import_export import fields, resources, widgets

from .columns import CONTACT_COLUMNS, CUSTOMER_COLUMNS, FIGURE_COLUMNS, Column
from .models import Contact, Customer, YearlyFigure


class ColumnWidget(widgets.Widget):
    def __init__(self, column: Column):
        super().__init__()
        self.column = column

    def render(self, value, obj=None, **kwargs):
        return self.column.render(value)


def _fields(columns) -> dict:
    return {
        f"col_{i}": fields.Field(
            attribute=c.attribute, column_name=c.header, widget=ColumnWidget(c), readonly=True
        )
        for i, c in enumerate(columns)
    }


class ArchiveResource(resources.ModelResource):
    """An export bound to a user; its columns are the import's (customers.columns)."""

    kind = ""
    columns: tuple[Column, ...] = ()

    def __init__(self, *, user=None, **kwargs):
        self.user = user
        super().__init__(**kwargs)
        # Only the columns of the shared list, in its order.
        self.fields = _fields(self.columns)

    def get_export_order(self):
        return tuple(self.fields)


class CustomerResource(ArchiveResource):
    kind = "customers"
    columns = CUSTOMER_COLUMNS

    class Meta:
        model = Customer
        fields = ()


class ContactResource(ArchiveResource):
    kind = "contacts"
    columns = CONTACT_COLUMNS

    class Meta:
        model = Contact
        fields = ()


class YearlyFigureResource(ArchiveResource):
    kind = "figures"
    columns = FIGURE_COLUMNS

    class Meta:
        model = YearlyFigure
        fields = ()


RESOURCES = {r.kind: r for r in (CustomerResource, ContactResource, YearlyFigureResource)}
