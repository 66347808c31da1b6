"""Who may do what with surveys (domain §10)."""

from crm.models import User


def round_open_allowed(user: User) -> bool:
    """The department's manager opens its rounds (总经办 and the administrator may for any)."""
    return user.is_manager or user.sees_all_departments


def response_record_allowed(user: User) -> bool:
    """Whoever may see the customer and talks to it records its answer (visit or call)."""
    return user.is_salesperson or user.is_manager or user.is_assistant


def return_visit_answer_allowed(user: User) -> bool:
    """A return visit's satisfaction is recorded by whoever writes the 回访 report: also 总经办,
    whose vice-president in charge makes return visits to strategic customers (§9)."""
    return response_record_allowed(user) or user.sees_all_departments


def rounds_view_allowed(user: User) -> bool:
    return user.is_manager or user.is_assistant or user.sees_all_departments
