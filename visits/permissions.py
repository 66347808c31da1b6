"""Who may do what with visits (domain §5, roles of §1).

Named predicates: the services raise on them, the views and templates
({% allowed "visits.team_view_allowed" user as may_see_team %}) ask them, the permission matrix
checks them. Plans and reports themselves follow the customer: whoever may see a customer
(customers.selectors.customer_list_for) plans and reports its visits; a blacklisted customer
gets no new plan (visits.services).
"""

from crm.models import User
from crm.permissions import all_departments_view_allowed


def team_view_allowed(user: User) -> bool:
    """The department's visits (部门拜访, the team calendar): managers, 总经办, the administrator."""
    return user.is_manager or all_departments_view_allowed(user)


def own_visits_widget_allowed(user: User) -> bool:
    """The 工作台's 我的拜访 widget: the salesperson's own plans, steps and overdue customers."""
    return user.is_salesperson


def visits_export_allowed(user: User) -> bool:
    """The visit reports' Excel export: the archive keepers and managers, 总经办, the administrator."""
    return user.is_assistant or user.is_manager or all_departments_view_allowed(user)


def others_overdue_view_allowed(user: User) -> bool:
    """A salesperson's overdue list is of their own customers; everyone else's is of every
    customer they may see (a colleague's shared customer is its owner's to visit)."""
    return not user.is_salesperson


def customer_location_set_allowed(user: User) -> bool:
    """The office types a customer's coordinates: the sales assistant, the manager, the administrator."""
    return user.is_assistant or user.is_manager or user.is_administrator


def customer_location_confirm_allowed(user: User) -> bool:
    """A location proposed by a check-in is confirmed by the manager (or the administrator)."""
    return user.is_manager or user.is_administrator
