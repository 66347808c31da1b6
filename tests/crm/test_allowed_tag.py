"""The one template tag for who may do what: {% allowed "<app>.<name>_allowed" user obj as var %}."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template, TemplateSyntaxError

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load crm_tags %}" + source).render(Context(context))


def test_it_answers_as_the_predicate_does(salesperson, manager, gm_office):
    source = '{% allowed "blacklist.blacklist_report_view_allowed" user as may %}{{ may }}'
    assert render(source, user=salesperson) == "False"
    assert render(source, user=manager) == "True"
    assert render(source, user=gm_office) == "True"


def test_it_passes_the_record_on(salesperson, other_salesperson, manager):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(owner=salesperson)
    source = '{% allowed "blacklist.blacklist_entry_report_allowed" user customer as may %}{{ may }}'
    assert render(source, user=salesperson, customer=customer) == "True"
    assert render(source, user=other_salesperson, customer=customer) == "False"
    assert render(source, user=manager, customer=customer) == "True"


def test_an_anonymous_user_is_never_allowed():
    source = '{% allowed "crm.all_departments_view_allowed" user as may %}{{ may }}'
    assert render(source, user=AnonymousUser()) == "False"


@pytest.mark.parametrize(
    "name",
    [
        "complaints.ticket_number_next",  # not a predicate
        "complaints.services.ticket_assign_allowed",  # not the app's permissions module
        "complaints._customer_manager",  # a private helper
        "nosuchapp.ticket_assign_allowed",  # not an installed app
        "complaints.ticket_teleport_allowed",  # no such predicate
        "ticket_assign_allowed",  # no app
    ],
)
def test_anything_else_is_refused_loudly(name, manager):
    with pytest.raises(TemplateSyntaxError):
        render(f'{{% allowed "{name}" user as may %}}{{{{ may }}}}', user=manager)
