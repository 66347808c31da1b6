"""The permission matrix: every URL of the project × anonymous and each of the five roles → the
expected status, and for object URLs another department's and another salesperson's ids → 404.

The URL conf is enumerated (crm/tests/trust/urlconf.py): a URL without an entry in MATRIX
fails the test with its name, so a new screen cannot ship without deciding who may open it.
The Django admin is checked per registered model (ADMIN_MATRIX) the same way.
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from .urlconf import Route, admin_routes, app_routes
from .world import build

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "salesperson", "assistant", "manager", "gm_office", "admin")

# Which record each URL parameter names, by URL (default: by parameter name below).
PARAMS = {
    "notification_read": {"pk": "notification"},
    "customers:import_job": {"pk": "import_job"},
    "customers:import_job_progress": {"pk": "import_job"},
    "notification_open": {"pk": "notification"},
    "grading:evaluation": {"pk": "evaluation"},
    "grading:proposal_withdraw": {"pk": "proposal"},
    "grading:incident_evidence": {"pk": "incident"},
    "visits:plan_detail": {"pk": "plan"},
    "visits:plan_confirm": {"pk": "plan"},
    "visits:plan_cancel": {"pk": "plan"},
    "visits:report_detail": {"pk": "report"},
    "visits:attachment": {"pk": "visit_attachment"},
    "visits:next_step_done": {"pk": "step"},
    "blacklist:entry_detail": {"pk": "entry"},
    "blacklist:entry_submit": {"pk": "entry"},
    "blacklist:entry_approve": {"pk": "entry"},
    "blacklist:entry_reject": {"pk": "entry"},
    "blacklist:readmission_create": {"pk": "expired_entry"},
    "blacklist:evidence_download": {"pk": "evidence"},
    "blacklist:readmission_approve": {"pk": "readmission"},
    "blacklist:readmission_reject": {"pk": "readmission"},
    "sales:agreement_detail": {"pk": "agreement"},
    "sales:agreement_submit": {"pk": "agreement"},
    "sales:attachment": {"pk": "agreement_attachment"},
    "sales:import_confirm": {"pk": "erp_import"},
    "sales:unmatched_resolve": {"pk": "unmatched"},
    "engagement:meeting_detail": {"pk": "meeting"},
    "surveys:round_detail": {"pk": "survey_round"},
    "reports:detail": {"pk": "periodic_report"},
    "reports:approve": {"pk": "periodic_report"},
    "reports:return": {"pk": "periodic_report"},
    "reports:print": {"pk": "periodic_report"},
    "reports:pdf": {"pk": "periodic_report"},
    "reports:plan_customers": {"pk": "plan_target"},
    "reports:evaluation_print": {"pk": "evaluation"},
    "reports:evaluation_pdf": {"pk": "evaluation"},
    "reports:visit_report_print": {"pk": "report"},
    "reports:visit_report_pdf": {"pk": "report"},
    "reports:ticket_print": {"pk": "ticket"},
    "reports:ticket_pdf": {"pk": "ticket"},
    "reports:statement_pdf": {"pk": "customer"},
    "surveys:answer": {"token": "survey_token"},
}
BY_APP = {"customers": "customer", "grading": "customer", "complaints": "ticket", "sales": "customer"}
BY_NAME = {
    "contact_id": "contact",
    "year": "year",
    "document_id": "document",
    "attachment_id": "ticket_attachment",
    "customer_pk": "customer",
    "customer_id": "customer",
    "token": "feed_token",
}


def url_for(route: Route, ids: dict, **fixed) -> str:
    values = {}
    for param in route.params:
        if param in fixed:
            values[param] = fixed[param]
            continue
        key = PARAMS.get(route.name, {}).get(param) or BY_NAME.get(param) or BY_APP[route.name.split(":")[0]]
        values[param] = ids[key]
    return route.path(**values)


@pytest.fixture
def users(salesperson, assistant, manager, gm_office, administrator):
    return {
        "salesperson": salesperson,
        "assistant": assistant,
        "manager": manager,
        "gm_office": gm_office,
        "admin": administrator,
    }


@pytest.fixture
def world(
    salesperson, other_salesperson, south_salesperson, manager, south_manager, gm_office, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return {
        "own": build(salesperson, manager, gm_office, tag="本人"),
        "colleague": build(other_salesperson, manager, gm_office, tag="同事"),
        "south": build(south_salesperson, south_manager, gm_office, tag="华南"),
    }


def R(anonymous, salesperson, assistant, manager, gm_office, admin):  # noqa: N802  a row of the matrix
    return dict(zip(ROLES, (anonymous, salesperson, assistant, manager, gm_office, admin), strict=True))


OK = "ok"  # allowed: the POST is not refused (its effect is tested by the app's own tests)
NO = "no"  # refused: 403, or 404 when the object is checked before the role
ALL = R(302, 200, 200, 200, 200, 200)
POST_ALL = R(302, OK, OK, OK, OK, OK)

# URL name → {"get": statuses by role} for pages, {"post": ...} for actions (GET answers 405),
# "scope": how object ids are checked: "owner" (a salesperson sees own customers, everyone
# their department, 总经办 and the administrator all), "recipient" (one's own notification).
# "query": the query string the page needs ("{customer}" is the record's id).
MATRIX = {
    "home": {"get": ALL},
    "favicon": {"get": R(301, 301, 301, 301, 301, 301)},
    # The installable app: the manifest and the service worker hold no data, for everyone.
    "manifest": {"get": R(200, 200, 200, 200, 200, 200)},
    "service_worker": {"get": R(200, 200, 200, 200, 200, 200)},
    "login": {"get": R(200, 302, 302, 302, 302, 302)},
    "logout": {"post": POST_ALL, "anonymous_get": 405},
    "set_language": {"post": R(OK, OK, OK, OK, OK, OK), "anonymous_get": 302, "get_any": 302},
    "password_change": {"get": ALL},
    "password_change_done": {"get": ALL},
    "notifications": {"get": ALL},
    "notifications_read_all": {"post": POST_ALL},
    "notification_read": {"post": POST_ALL, "scope": "recipient"},
    # the world's notification is the salesperson's own: it opens (302 to its target); anyone else's id is 404
    "notification_open": {"get": R(302, 302, 404, 404, 404, 404), "scope": "recipient"},
    "notification_settings": {"get": ALL},
    # --- customers ---
    "customers:list": {"get": ALL},
    "customers:create": {"get": R(302, 200, 200, 200, 403, 200)},
    "customers:import": {"get": R(302, 403, 200, 200, 403, 200)},
    "customers:import_confirm": {"post": R(302, 403, OK, OK, 403, OK)},
    # An import's page is its importer's alone (the manager's, in the world); others' answer 404.
    "customers:import_job": {"get": R(302, 403, 404, 200, 403, 404)},
    "customers:import_job_progress": {"get": R(302, 403, 404, 200, 403, 404)},
    "customers:export": {"get": R(302, 403, 200, 200, 200, 200)},
    "customers:detail": {"get": ALL, "scope": "owner"},
    "customers:edit": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:status": {"post": R(302, OK, OK, OK, 403, OK), "scope": "owner"},
    "customers:confirm": {"post": R(302, OK, OK, OK, 403, OK), "scope": "owner"},
    "customers:reassign": {"get": R(302, 403, 403, 200, 200, 200), "scope": "owner"},
    "customers:profile_edit": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:contact_add": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:contact_edit": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:contact_delete": {"post": R(302, OK, OK, OK, 403, OK), "scope": "owner"},
    "customers:figure_add": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:figure_edit": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:document_upload": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "customers:document_download": {"get": ALL, "scope": "owner"},
    "customers:document_delete": {"post": R(302, OK, OK, OK, 403, OK), "scope": "owner"},
    # --- grading ---
    "grading:review": {"get": R(302, 403, 200, 200, 200, 200)},
    "grading:round_start": {"post": R(302, 403, 403, OK, OK, OK)},
    "grading:evaluate": {"get": R(302, 200, 403, 200, 200, 403), "scope": "owner"},
    "grading:propose": {"get": R(302, 200, 403, 200, 200, 403), "scope": "owner"},
    "grading:incident_add": {"get": R(302, 200, 200, 200, 200, 403), "scope": "owner"},
    "grading:provisional": {"post": R(302, OK, OK, OK, OK, NO), "scope": "owner"},
    "grading:evaluation": {"get": ALL, "scope": "owner"},
    "grading:proposal_withdraw": {"post": R(302, OK, NO, OK, NO, NO), "scope": "owner"},
    "grading:incident_evidence": {"get": ALL, "scope": "owner"},
    # --- visits ---
    "visits:mine": {"get": ALL},
    "visits:team": {"get": R(302, 403, 403, 200, 200, 200)},
    "visits:export": {"get": R(302, 403, 200, 200, 200, 200)},
    "visits:pick_customer": {"get": ALL},
    "visits:plan_create": {"get": ALL, "scope": "owner", "query": "?customer={customer}"},
    "visits:plan_detail": {"get": ALL, "scope": "owner"},
    "visits:plan_confirm": {"post": POST_ALL, "scope": "owner"},
    "visits:plan_cancel": {"post": POST_ALL, "scope": "owner"},
    "visits:report_create": {"get": ALL, "scope": "owner", "query": "?customer={customer}"},
    "visits:report_detail": {"get": ALL, "scope": "owner"},
    "visits:attachment": {"get": ALL, "scope": "owner"},
    "visits:next_step_done": {"post": POST_ALL, "scope": "owner"},
    "visits:calendar": {"get": ALL},
    "visits:plans_upcoming": {"get": ALL},
    "visits:feed_settings": {"get": ALL},
    # The secret iCal address needs no login (phone calendars); an unknown or revoked token is a 404.
    "visits:feed": {"get": R(404, 404, 404, 404, 404, 404)},
    "visits:nearby": {"get": ALL},
    "visits:location_set": {"get": R(302, 403, 200, 200, 403, 200), "scope": "owner"},
    "visits:location_confirm": {"post": R(302, NO, NO, OK, NO, OK), "scope": "owner"},
    # --- complaints ---
    "complaints:list": {"get": ALL},
    "complaints:create": {"get": ALL},
    "complaints:export": {"get": R(302, NO, 200, 200, 200, 200)},
    "complaints:measures": {"get": ALL},
    "complaints:detail": {"get": ALL, "scope": "owner"},
    # assign and escalate: the customer's manager or 总经办 (the administrator too); a refused POST
    # is the ticket page again with the service's message (complaints/permissions.py).
    "complaints:assign": {"post": R(302, NO, NO, OK, OK, OK), "scope": "owner"},
    "complaints:resolve": {"post": POST_ALL, "scope": "owner"},
    "complaints:return_visit": {"post": POST_ALL, "scope": "owner"},
    "complaints:close": {"post": POST_ALL, "scope": "owner"},
    "complaints:escalate": {"post": R(302, NO, NO, OK, OK, OK), "scope": "owner"},
    "complaints:feedback": {"post": POST_ALL, "scope": "owner"},
    "complaints:attachment_add": {"post": POST_ALL, "scope": "owner"},
    "complaints:attachment": {"get": ALL, "scope": "owner"},
    # --- blacklist ---
    "blacklist:report": {"get": R(302, 403, 403, 200, 200, 200)},
    "blacklist:report_export": {"get": R(302, 403, 403, 200, 200, 200)},
    "blacklist:report_print": {"get": R(302, 403, 403, 200, 200, 200)},
    "blacklist:entry_create": {"get": R(302, 200, 403, 200, 403, 403), "scope": "owner"},
    "blacklist:entry_detail": {"get": ALL, "scope": "owner"},
    "blacklist:entry_submit": {"post": R(302, NO, NO, OK, NO, NO), "scope": "owner"},
    "blacklist:entry_approve": {"post": R(302, NO, NO, NO, OK, NO), "scope": "owner"},
    "blacklist:entry_reject": {"post": R(302, NO, NO, NO, OK, NO), "scope": "owner"},
    "blacklist:readmission_create": {"get": R(302, 200, 200, 200, 403, 200), "scope": "owner"},
    "blacklist:evidence_download": {"get": ALL, "scope": "owner"},
    "blacklist:readmission_approve": {"post": R(302, NO, NO, OK, OK, NO), "scope": "owner"},
    "blacklist:readmission_reject": {"post": R(302, NO, NO, OK, OK, NO), "scope": "owner"},
    # --- sales (§13) ---
    "sales:agreement_create": {"get": R(302, 200, 200, 200, 403, 403), "scope": "owner"},
    "sales:agreement_detail": {"get": ALL, "scope": "owner"},
    "sales:agreement_submit": {"post": R(302, OK, OK, OK, 403, 403), "scope": "owner"},
    "sales:attachment": {"get": ALL, "scope": "owner"},
    "sales:statement": {"get": ALL, "scope": "owner"},
    "sales:statement_export": {"get": ALL, "scope": "owner"},
    "sales:import": {"get": R(302, 403, 200, 200, 403, 200)},
    "sales:import_confirm": {"post": R(302, 403, OK, OK, 403, OK)},
    "sales:unmatched": {"get": R(302, 403, 200, 200, 403, 200)},
    "sales:unmatched_resolve": {"post": R(302, 403, OK, OK, 403, OK)},
    # The ERP's API: integration tokens only (a browser session is not a token): 401 for people.
    "api:schema": {"get": R(200, 200, 200, 200, 200, 200)},
    "api:deliveries": {"get": R(401, 401, 401, 401, 401, 401)},
    "api:receivables": {"get": R(401, 401, 401, 401, 401, 401)},
    "api:payments": {"get": R(401, 401, 401, 401, 401, 401)},
    # --- engagement (key accounts, contact log, cadence, customer care) ---
    "engagement:contact_create": {
        "get": R(302, 200, 403, 200, 200, 403),
        "scope": "owner",
        "query": "?customer={customer}",
    },
    "engagement:cadence": {"get": R(302, 200, 403, 200, 200, 200)},
    "engagement:key_accounts_unassigned": {"get": R(302, 403, 403, 200, 200, 200)},
    "engagement:tier_set": {"post": R(302, NO, NO, OK, NO, NO), "scope": "owner"},
    "engagement:account_manager_set": {"post": R(302, NO, NO, OK, NO, NO), "scope": "owner"},
    "engagement:greetings": {"get": R(302, 200, 403, 200, 403, 403)},
    "engagement:greeting_sent": {"post": R(302, OK, NO, OK, NO, NO)},
    "engagement:meetings": {"get": R(302, 403, 200, 200, 200, 200)},
    "engagement:meeting_detail": {"get": R(302, 403, 200, 200, 200, 200)},
    # --- surveys (§10): managers open rounds; whoever talks to the customer records; the link is public ---
    "surveys:rounds": {"get": R(302, 403, 200, 200, 200, 200)},
    "surveys:round_detail": {"get": R(302, 403, 200, 200, 200, 200), "scope": "owner"},
    "surveys:record": {"get": R(302, 200, 200, 200, 403, 403), "scope": "owner"},
    "surveys:answer": {"get": R(200, 200, 200, 200, 200, 200)},
    # --- reports (§11, §12): the department's managers submit, 总经办 reviews ---
    "reports:list": {"get": R(302, 403, 200, 200, 200, 200)},
    "reports:detail": {"get": R(302, 403, 200, 200, 200, 200), "scope": "owner"},
    "reports:approve": {"post": R(302, NO, NO, NO, OK, NO), "scope": "owner"},
    "reports:return": {"post": R(302, NO, NO, NO, OK, NO), "scope": "owner"},
    "reports:print": {"get": R(302, 403, 200, 200, 200, 200), "scope": "owner"},
    "reports:pdf": {"get": R(302, 403, 200, 200, 200, 200), "scope": "owner"},
    "reports:plan": {"get": R(302, 403, 200, 200, 200, 200)},
    "reports:plan_edit": {"get": R(302, 403, 403, 200, 403, 403)},
    "reports:plan_customers": {"get": R(302, 403, 200, 200, 200, 200), "scope": "owner"},
    "reports:evaluation_print": {"get": ALL, "scope": "owner"},
    "reports:evaluation_pdf": {"get": ALL, "scope": "owner"},
    "reports:visit_report_print": {"get": ALL, "scope": "owner"},
    "reports:visit_report_pdf": {"get": ALL, "scope": "owner"},
    "reports:ticket_print": {"get": ALL, "scope": "owner"},
    "reports:ticket_pdf": {"get": ALL, "scope": "owner"},
    "reports:blacklist_pdf": {"get": R(302, 403, 403, 200, 200, 200)},
    "reports:statement_pdf": {"get": ALL, "scope": "owner"},
    # --- the 工作台's figures: who sees each is declared by the figure itself (checked below) ---
    "dashboard_list": {"registry": "drill_lists"},
    "dashboard_chart_export": {"registry": "charts"},
}

REFUSED = (403, 404)

# --- The predicates behind the matrix (each app's permissions.py) -------------------------------
# URL name → the predicate that decides it, the world's record it is asked about (None: the role
# alone) and, for an action, form data with which the action succeeds when it is allowed. The
# test below asks the predicate and the URL the same question for every role: a GET answers 200
# exactly when the predicate says yes; a POST writes a business audit entry exactly when it does.
TODAY = "{today}"
PREDICATES = {
    "customers:import": ("customers.import_allowed", None, None),
    "customers:export": ("customers.export_allowed", None, None),
    "visits:team": ("visits.team_view_allowed", None, None),
    "visits:export": ("visits.visits_export_allowed", None, None),
    "visits:location_set": ("visits.customer_location_set_allowed", None, None),
    "visits:location_confirm": ("visits.customer_location_confirm_allowed", None, {}),
    "complaints:export": ("complaints.tickets_export_allowed", None, None),
    "complaints:assign": (
        "complaints.ticket_assign_allowed",
        "ticket",
        {"assign-department": "{department}", "assign-handler": "{owner}", "assign-time_limit_at": TODAY},
    ),
    "complaints:escalate": ("complaints.ticket_escalate_allowed", "ticket", {"escalate-reason": "索赔升级"}),
    "blacklist:report": ("blacklist.blacklist_report_view_allowed", None, None),
    "blacklist:report_export": ("blacklist.blacklist_report_view_allowed", None, None),
    "blacklist:report_print": ("blacklist.blacklist_report_view_allowed", None, None),
    "reports:blacklist_pdf": ("blacklist.blacklist_report_view_allowed", None, None),
    "blacklist:entry_create": ("blacklist.blacklist_entry_report_allowed", "customer", None),
    "blacklist:entry_submit": (
        "blacklist.blacklist_entry_submit_allowed",
        "proposal_entry",
        {"comment": "属实", "loss_amount": "1"},
    ),
    "blacklist:entry_approve": ("blacklist.blacklist_entry_approve_allowed", "entry", {"comment": "核实"}),
    "blacklist:entry_reject": ("blacklist.blacklist_entry_reject_allowed", "entry", {"comment": "不成立"}),
    "blacklist:readmission_create": (
        "blacklist.blacklist_readmission_request_allowed",
        "expired_entry",
        None,
    ),
    "blacklist:readmission_approve": (
        "blacklist.blacklist_readmission_approve_allowed",
        "readmission",
        {"comment": "同意"},
    ),
    "blacklist:readmission_reject": (
        "blacklist.blacklist_readmission_reject_allowed",
        "readmission",
        {"comment": "仍有欠款"},
    ),
    "sales:import": ("sales.erp_import_allowed", None, None),
    "sales:unmatched": ("sales.unmatched_queue_allowed", None, None),
    "engagement:cadence": ("engagement.cadence_view_allowed", None, None),
    "engagement:key_accounts_unassigned": ("engagement.unassigned_key_accounts_view_allowed", None, None),
    "engagement:greetings": ("engagement.greetings_view_allowed", None, None),
    "engagement:meetings": ("engagement.meeting_view_allowed", None, None),
    "surveys:rounds": ("surveys.rounds_view_allowed", None, None),
    "reports:list": ("reports.reports_view_allowed", None, None),
    "reports:plan": ("reports.plans_view_allowed", None, None),
}
# The world's records the predicates are asked about, by key.
RECORDS = {
    "customer": "customers.Customer",
    "ticket": "complaints.Ticket",
    "entry": "blacklist.BlacklistEntry",
    "proposal_entry": "blacklist.BlacklistEntry",
    "expired_entry": "blacklist.BlacklistEntry",
    "readmission": "blacklist.ReadmissionRequest",
}


def _business_actions() -> int:
    """Every business action writes an audit entry; refusals write only security ones."""
    from crm.models import AuditLog

    return AuditLog.objects.exclude(action__startswith="security.").count()


def _client(users, role):
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _url(route, entry, ids):
    return url_for(route, ids) + entry.get("query", "").format(**ids)


def test_every_url_has_an_entry_in_the_matrix():
    names = {r.name for r in app_routes()}
    missing = sorted(n for n in names if n not in MATRIX)
    assert not missing, "URLs without an entry in MATRIX (decide who may open them): " + ", ".join(missing)
    stale = sorted(set(MATRIX) - names)
    assert not stale, "MATRIX entries for URLs that no longer exist: " + ", ".join(stale)


def _matches(expected, status):
    if expected == OK:
        return status not in (*REFUSED, 405, 500)
    if expected == NO:
        return status in REFUSED
    return status == expected


def test_each_url_answers_each_role_as_the_matrix_says(users, world):
    """GET pages; POST actions only where the role is refused (a refused POST changes nothing)."""
    wrong = []
    for route in app_routes():
        entry = MATRIX.get(route.name)
        if entry is None or "registry" in entry:
            continue
        url = _url(route, entry, world["own"])
        for role in ROLES:
            client = _client(users, role)
            if "get" in entry:
                status = client.get(url).status_code
                if not _matches(entry["get"][role], status):
                    wrong.append(f"GET {route.name} as {role}: {status}, expected {entry['get'][role]}")
            else:
                status = client.get(url).status_code
                expected_get = entry.get("get_any") or (
                    302
                    if role == "anonymous" and "anonymous_get" not in entry
                    else entry.get("anonymous_get", 405)
                )
                if status != expected_get:
                    wrong.append(f"GET {route.name} as {role}: {status}, expected {expected_get}")
                if entry["post"][role] in (OK,):
                    continue
                actions_before = _business_actions()
                status = client.post(url, {}).status_code
                # A refusal is a 403/404, or the page again with an error message and no business action.
                if not (
                    _matches(entry["post"][role], status)
                    or (status == 302 and _business_actions() == actions_before)
                ):
                    wrong.append(f"POST {route.name} as {role}: {status}, expected {entry['post'][role]}")
    assert not wrong, "\n".join(wrong)


def test_allowed_actions_are_not_refused(users, world):
    """The OK cells: an allowed role's POST (empty, so mostly a form error) is not refused.
    Each POST runs in a savepoint rolled back afterwards, so every role meets the same records."""
    from django.db import transaction

    wrong = []
    for route in app_routes():
        entry = MATRIX.get(route.name) or {}
        if "post" not in entry:
            continue
        url = _url(route, entry, world["own"])
        for role in ROLES:
            if entry["post"][role] != OK or role == "anonymous":
                continue
            with transaction.atomic():
                status = _client(users, role).post(url, {}).status_code
                transaction.set_rollback(True)
            if status in (*REFUSED, 405):
                wrong.append(f"POST {route.name} as {role}: {status}, expected it allowed")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("other", ["south", "colleague"])
def test_object_urls_with_other_peoples_ids_are_404(other, users, world):
    """Another department's ids: 404 for every role of the east department. Another
    salesperson's ids: 404 for the salesperson (their department's assistant and manager see them)."""
    wrong = []
    roles = ("salesperson", "assistant", "manager") if other == "south" else ("salesperson",)
    for route in app_routes():
        entry = MATRIX.get(route.name) or {}
        if entry.get("scope") != "owner":
            continue
        url = _url(route, entry, world[other])
        method = "get" if "get" in entry else "post"
        for role in roles:
            own = entry[method][role]
            status = getattr(_client(users, role), method)(url, {} if method == "post" else None).status_code
            allowed = own in (200, OK)
            if (allowed and status != 404) or (not allowed and status not in REFUSED):
                wrong.append(f"{method.upper()} {route.name} with a {other} id as {role}: {status}")
    assert not wrong, "\n".join(wrong)


def test_nobody_marks_someone_elses_notification_read(users, world):
    from crm.models import Notification

    for role in ("salesperson", "assistant", "manager", "gm_office", "admin"):
        _client(users, role).post(reverse("notification_read", args=[world["south"]["notification"]]))
    assert Notification.objects.get(pk=world["south"]["notification"]).read_at is None


def test_the_dashboard_figures_answer_only_the_roles_they_declare(users):
    try:
        from crm.dashboards import registry
    except ImportError:
        pytest.skip("no dashboard figures")
    registry.autodiscover()
    wrong = []
    for url_name, reg in (
        ("dashboard_list", registry.drill_lists),
        ("dashboard_chart_export", registry.charts),
    ):
        for key, item in reg._items.items():
            url = reverse(url_name, args=[key])
            for role in ROLES:
                status = _client(users, role).get(url).status_code
                expected = 302 if role == "anonymous" else (200 if role in item.roles else 404)
                # A chart with nothing to show (e.g. no review round yet) has no export: 404.
                if url_name == "dashboard_chart_export" and expected == 200 and status == 404:
                    continue
                if status != expected:
                    wrong.append(f"{url} as {role}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)
    assert (
        _client(users, "salesperson").get(reverse("dashboard_list", args=["no-such-list"])).status_code == 404
    )


# --- The admin, per registered model: the changelist status by role --------------------------
# (Non-staff are sent to the admin's login page: 302. The policy singletons redirect to their
# one row: 302 for everyone staff.)
A = R  # same columns
ADMIN_MATRIX = {
    "auth.group": A(302, 302, 403, 403, 403, 200),
    "axes.accessattempt": A(302, 302, 403, 403, 403, 200),
    "axes.accessfailurelog": A(302, 302, 403, 403, 403, 200),
    "axes.accesslog": A(302, 302, 403, 403, 403, 200),
    "blacklist.blacklistentry": A(302, 302, 403, 200, 200, 200),
    "blacklist.blacklistpolicy": A(302, 302, 403, 403, 403, 200),
    "blacklist.readmissionrequest": A(302, 302, 403, 200, 200, 200),
    "complaints.complaintpolicy": A(302, 302, 403, 403, 403, 200),
    "complaints.ticket": A(302, 302, 200, 200, 200, 200),
    "crm.auditlog": A(302, 302, 403, 403, 200, 200),
    "crm.departmentrobot": A(302, 302, 403, 403, 403, 200),
    "crm.notificationdelivery": A(302, 302, 403, 403, 403, 200),
    "crm.rolenotificationdefault": A(302, 302, 403, 403, 403, 200),
    "crm.department": A(302, 302, 403, 200, 200, 200),
    "crm.jobstate": A(302, 302, 403, 403, 403, 200),
    "crm.lockout": A(302, 302, 403, 403, 403, 200),
    "crm.notification": A(302, 302, 403, 403, 403, 200),
    "crm.user": A(302, 302, 403, 200, 200, 200),
    "customers.accesslog": A(302, 302, 403, 200, 200, 200),
    "customers.archivepolicy": A(302, 302, 302, 302, 302, 302),
    "customers.contact": A(302, 302, 200, 200, 200, 200),
    "customers.customer": A(302, 302, 200, 200, 200, 200),
    "customers.importbatch": A(302, 302, 200, 200, 403, 200),
    "customers.qualificationdocument": A(302, 302, 200, 200, 200, 200),
    "customers.yearlyfigure": A(302, 302, 200, 200, 200, 200),
    "engagement.cadencerule": A(302, 302, 403, 403, 403, 200),
    "engagement.contactrecord": A(302, 302, 200, 200, 200, 200),
    "engagement.customermeeting": A(302, 302, 200, 200, 200, 200),
    "engagement.engagementpolicy": A(302, 302, 302, 302, 302, 302),
    "engagement.festival": A(302, 302, 403, 403, 403, 200),
    "engagement.festivaldate": A(302, 302, 403, 403, 403, 200),
    "engagement.tierchange": A(302, 302, 200, 200, 200, 200),
    "engagement.tierproposal": A(302, 302, 200, 200, 200, 200),
    "grading.demotioncase": A(302, 302, 200, 200, 200, 200),
    "grading.evaluation": A(302, 302, 200, 200, 200, 200),
    "grading.gradechange": A(302, 302, 200, 200, 200, 200),
    "grading.gradeproposal": A(302, 302, 200, 200, 200, 200),
    "grading.gradingpolicy": A(302, 302, 302, 302, 302, 302),
    "grading.incident": A(302, 302, 200, 200, 200, 200),
    "grading.reviewround": A(302, 302, 200, 200, 200, 200),
    "visits.visitplan": A(302, 302, 200, 200, 200, 200),
    "visits.visitpolicy": A(302, 302, 403, 200, 200, 200),
    "visits.visitreport": A(302, 302, 200, 200, 200, 200),
    "sales.agreement": A(302, 302, 200, 200, 200, 200),
    "sales.delivery": A(302, 302, 200, 200, 200, 200),
    "sales.receivable": A(302, 302, 200, 200, 200, 200),
    "sales.payment": A(302, 302, 200, 200, 200, 200),
    "sales.unmatchedrecord": A(302, 302, 200, 200, 200, 200),
    "sales.erpmapping": A(302, 302, 403, 403, 403, 200),
    "sales.integrationaccount": A(302, 302, 403, 403, 403, 200),
    "sales.salespolicy": A(302, 302, 302, 302, 302, 302),
    "surveys.surveypolicy": A(302, 302, 403, 403, 403, 200),
    "surveys.surveyquestion": A(302, 302, 403, 403, 403, 200),
    "reports.reportkind": A(302, 302, 403, 403, 403, 200),
    "reports.developmentplan": A(302, 302, 200, 200, 200, 200),
    "reports.report": A(302, 302, 200, 200, 200, 200),
}
# Admin change pages of another department's records: the east staff are told it does not exist.
ADMIN_SCOPED = {
    "customers.customer": "customer",
    "customers.contact": "contact",
    "customers.qualificationdocument": "document",
    "grading.evaluation": "evaluation",
    "grading.gradeproposal": "proposal",
    "grading.incident": "incident",
    "visits.visitplan": "plan",
    "visits.visitreport": "report",
    "complaints.ticket": "ticket",
    "blacklist.blacklistentry": "entry",
    "blacklist.readmissionrequest": "readmission",
    "sales.agreement": "agreement",
    "engagement.tierproposal": "tier_proposal",
    "engagement.customermeeting": "meeting",
}


def test_every_admin_model_has_an_entry():
    registered = {m._meta.label_lower for m in admin.site._registry}
    missing = sorted(registered - set(ADMIN_MATRIX))
    assert not missing, "admin models without an entry in ADMIN_MATRIX: " + ", ".join(missing)
    assert not sorted(set(ADMIN_MATRIX) - registered), "stale ADMIN_MATRIX entries"
    assert len(admin_routes()) > 50


def test_each_admin_changelist_answers_each_role_as_the_matrix_says(users):
    wrong = []
    for label, row in ADMIN_MATRIX.items():
        app_label, model_name = label.split(".")
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
        for role in ROLES:
            status = _client(users, role).get(url).status_code
            if status != row[role]:
                wrong.append(f"{label} changelist as {role}: {status}, expected {row[role]}")
    assert not wrong, "\n".join(wrong)


def test_admin_change_pages_of_another_department_are_not_shown(users, world):
    wrong = []
    for label, key in ADMIN_SCOPED.items():
        app_label, model_name = label.split(".")
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[world["south"][key]])
        for role in ("assistant", "manager"):
            response = _client(users, role).get(url)
            if response.status_code not in (302, 403, 404):
                wrong.append(f"{label} #{world['south'][key]} as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


# --- The predicates answer as the URLs do ------------------------------------------------------


def _ask(dotted: str, user, key, ids):
    """The predicate as templates reach it ({% allowed %}'s resolver), about the world's record."""
    from django.apps import apps

    from crm.templatetags.crm_tags import _predicate

    args = [apps.get_model(RECORDS[key]).objects.get(pk=ids[key])] if key else []
    return bool(_predicate(dotted)(user, *args))


def _answer(client, url: str, data) -> bool:
    """GET: the page opens. POST: the action happened (a business audit entry), rolled back after."""
    from django.db import transaction

    if data is None:
        return client.get(url).status_code == 200
    with transaction.atomic():
        before = _business_actions()
        client.post(url, data)
        happened = _business_actions() > before
        transaction.set_rollback(True)
    return happened


def _check_predicates(rows: dict, users, ids) -> list[str]:
    import datetime as dt

    from django.utils import timezone

    from customers.models import Customer

    customer = Customer.objects.get(pk=ids["customer"])
    fill = {
        "today": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "date": timezone.localdate().isoformat(),
        "department": customer.department_id,
        "owner": customer.owner_id,
    }
    routes = {r.name: r for r in app_routes()}
    wrong = []
    for name, (dotted, key, data) in rows.items():
        route = routes[name]
        fixed = {"pk": ids[key]} if key and "pk" in route.params else {}
        url = url_for(route, ids, **fixed) + MATRIX[name].get("query", "").format(**ids)
        form = None if data is None else {f: str(v).format(**fill) for f, v in data.items()}
        for role in ROLES[1:]:
            said = _ask(dotted, users[role], key, ids)
            did = _answer(_client(users, role), url, form)
            if said != did:
                wrong.append(
                    f"{name} as {role}: {dotted} says {said}, the URL {'allows' if did else 'refuses'}"
                )
    return wrong


def test_every_predicate_answers_as_its_url_does(users, world):
    from visits.models import CustomerLocation, LocationSource

    # A check-in's proposed location, for the manager to confirm.
    CustomerLocation.objects.create(
        customer_id=world["own"]["customer"],
        latitude=31.23,
        longitude=121.47,
        source=LocationSource.CHECKIN,
        set_by=users["salesperson"],
    )
    wrong = _check_predicates(PREDICATES, users, world["own"])
    assert not wrong, "\n".join(wrong)


def test_the_ticket_workflow_predicates_answer_as_the_urls_do(users, world, manager):
    """Resolve, return visit and close need a ticket further on: the world's ticket is moved on by
    the services, and at each step the predicate and the URL are asked for every role."""
    from complaints import services as complaint_services
    from complaints.models import Ticket
    from crm.models import Department

    ids = world["own"]
    ticket = Ticket.objects.select_related("customer").get(pk=ids["ticket"])
    complaint_services.ticket_assign(
        actor=manager,
        ticket_id=ticket.pk,
        department=Department.objects.get(pk=ticket.customer.department_id),
        handler=ticket.customer.owner,
        time_limit_at=ticket.deadline_at,
    )
    wrong = _check_predicates(
        {
            "complaints:resolve": (
                "complaints.ticket_resolve_allowed",
                "ticket",
                {"resolve-root_cause": "包装不足", "resolve-corrective_action": "加固包装"},
            )
        },
        users,
        ids,
    )
    complaint_services.ticket_resolve(
        actor=manager, ticket_id=ticket.pk, root_cause="包装不足", corrective_action="加固包装"
    )
    wrong += _check_predicates(
        {
            "complaints:return_visit": (
                "complaints.ticket_return_visit_allowed",
                "ticket",
                {
                    "rv-mode": "phone",
                    "rv-visited_on": "{date}",
                    "rv-satisfaction": 5,
                    "rv-confirmation": "满意",
                },
            )
        },
        users,
        ids,
    )
    complaint_services.ticket_return_visit_record(
        actor=manager, ticket_id=ticket.pk, satisfaction=5, confirmation="满意"
    )
    wrong += _check_predicates(
        {"complaints:close": ("complaints.ticket_close_allowed", "ticket", {"close-note": "结案"})},
        users,
        ids,
    )
    assert not wrong, "\n".join(wrong)


def test_the_admin_link_is_shown_to_whom_the_admin_opens(users):
    """crm.admin_site_allowed (the header's admin link) answers as the admin site does."""
    from crm.permissions import admin_site_allowed

    answers = {}
    for role in ROLES[1:]:
        status = _client(users, role).get(reverse("admin:index")).status_code
        answers[role] = (admin_site_allowed(users[role]), status == 200)
    assert all(said == opened for said, opened in answers.values()), answers
    assert answers["salesperson"] == (False, False) and answers["manager"] == (True, True)


def test_every_predicate_is_asked_by_the_code():
    """No dead predicates: every function of every app's permissions.py is called (or asked through
    {% allowed %}) somewhere outside permissions.py and the tests."""
    import inspect
    import re
    from importlib import import_module
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR)
    folders = [Path(c.path) for c in apps.get_app_configs() if Path(c.path).is_relative_to(root)]
    sources = [
        p
        for p in [*(f for d in folders for f in d.rglob("*.py")), *(root / "templates").rglob("*.html")]
        if p.name != "permissions.py" and "migrations" not in p.parts
    ]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    # A predicate that only other predicates of its file ask (the steps behind approval_refusal).
    own = {
        p.parent.name: p.read_text(encoding="utf-8")
        for d in folders
        for p in d.rglob("permissions.py")
        if "migrations" not in p.parts
    }
    dead = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.permissions")
        except ModuleNotFoundError:
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            public = fn.__module__ == module.__name__ and not name.startswith("_")
            asked_inside = len(re.findall(rf"\b{name}\(", own.get(config.label, ""))) > 1
            if public and not asked_inside and not re.search(rf"\b{name}\b", text):
                dead.append(f"{module.__name__}.{name}")
    assert not dead, "predicates nobody asks: " + ", ".join(dead)
