"""What each shared screen shows, in one place: the one package that may import every app.

- customer_page.py: the sections of the customer page, in order.
- workbench.py: the widgets of each role's 工作台, in order (its tiles and charts come from the
  apps' `dashboards` modules, crm/dashboards).

`crm` and `customers` never import this package: their views reach it through the dotted paths
in settings (CUSTOMER_PAGE_PANELS, WORKBENCH_WIDGETS).
"""
