"""Reads of the customer archive, each scoped to what the user may see."""

from datetime import datetime

from django.db.models import F, Prefetch, Q, QuerySet, Subquery

from crm.db import InSubquery, SearchText, search_prefilter
from crm.models import Role, User
from crm.services import add_months

from .models import ArchivePolicy, Contact, Customer, CustomerStatus
from .pinyin import search_key
from .validators import normalize_company_name, normalize_credit_code, normalize_mobile

MOBILE_LENGTH = Contact._meta.get_field("mobile").max_length


def customer_list_for(user: User) -> QuerySet[Customer]:
    """Customers the user may see, with what list pages show, ready to filter and sort."""
    return Customer.objects.visible_to(user).select_related("owner", "department")


def customer_get_for(user: User, pk: int) -> Customer:
    """One customer the user may see; Customer.DoesNotExist (→ 404) otherwise."""
    return customer_list_for(user).get(pk=pk)


def customer_name_match(q: str, *, prefix: str = "") -> Q:
    """The customers whose name or short name matches `q`: as typed, by the matching key of the
    name (電 finds 电, invisible characters and punctuation ignored, issue 13.2), by the full
    pinyin or the initials of the name or short name (issue 17). `prefix` is the path to the
    customer from another model ("customer__")."""
    q = (q or "").strip()
    cond = Q(**{f"{prefix}name__icontains": q}) | Q(**{f"{prefix}short_name__icontains": q})
    key = normalize_company_name(q)
    if key:
        cond |= Q(**{f"{prefix}name_normalized__contains": key})
    letters = search_key(q)
    if letters and letters.isascii():
        cond |= Q(**{f"{prefix}pinyin_keys__contains": letters})
    return cond


def customer_search(qs: QuerySet[Customer], q: str, *, user: User | None = None) -> QuerySet[Customer]:
    """Search by name, short name (also their pinyin and initials), credit code, contact name or contact mobile.

    On PostgreSQL the search indexes narrow both parts first (crm.db.search_prefilter, issue
    21: trigram indexes over the text and over the text with its characters doubled, which
    serves terms of two characters; a btree for the credit code's prefix and a whole mobile);
    the exact condition then decides alone, the same on both databases. The contacts' customers
    are an array computed once (crm.db.InSubquery), so both parts are index scans.

    Without the index (SQLite, a one-character term) and with the `user` whose visible
    customers `qs` holds, the contact part reads only the contacts of those customers
    (through the contact's customer index) instead of all 300,000 contacts (bench finding 2);
    总经办 sees every customer, so nothing to narrow.
    """
    q = (q or "").strip()
    if not q:
        return qs
    code = normalize_credit_code(q)
    cond = customer_name_match(q)
    letters = search_key(q)
    customer_pre = search_prefilter(
        SearchText(), [q, normalize_company_name(q), letters if letters.isascii() else ""]
    )
    if len(code) >= 6:
        cond |= Q(credit_code__startswith=code)
        if customer_pre is not None:
            customer_pre |= Q(credit_code__startswith=code)
    contact_cond = Q(name__icontains=q)
    contact_pre = search_prefilter(F("name"), [q])
    mobile = normalize_mobile(q)
    if mobile.isdigit() and len(mobile) >= 4:
        # A whole number (the column holds 11 digits at most) is one btree lookup.
        by_mobile = Q(mobile=mobile) if len(mobile) >= MOBILE_LENGTH else Q(mobile__contains=mobile)
        contact_cond |= by_mobile
        if contact_pre is not None:
            contact_pre |= by_mobile
    contact_match = Contact.objects.filter(contact_cond)
    if contact_pre is not None:
        contact_match = contact_match.filter(contact_pre)
    elif user is not None and not user.sees_all_departments:
        contact_match = contact_match.filter(
            InSubquery(F("customer_id"), Subquery(qs.order_by().values("pk")))
        )
    by_contact = Q(InSubquery(F("pk"), Subquery(contact_match.order_by().values("customer_id"))))
    if customer_pre is not None:
        # Its own clause, so that PostgreSQL reads it from the indexes and does not compute the
        # search text again for every row.
        qs = qs.filter(customer_pre | by_contact)
    return qs.filter(cond | by_contact)


def customer_admission_conflict(
    *, name: str, credit_code: str = "", exclude_pk: int | None = None
) -> Customer | None:
    """The blacklisted customer that a new or re-activated archive matches, if any (domain §2 准入).

    Matches on the credit code, or failing that on the exact normalised name.
    """
    name_key, code = normalize_company_name(name), normalize_credit_code(credit_code)
    blocked = customers_blacklisted_matching(names=[name_key], codes=[code] if code else [])
    return admission_conflict_among(blocked, name_key=name_key, credit_code=code, exclude_pk=exclude_pk)


def customers_blacklisted_matching(*, names, codes) -> list[Customer]:
    """The blacklisted customers holding one of the normalised `names` or credit `codes`, most
    recently blacklisted first: what `admission_conflict_among` looks through (an import reads
    them once for all its rows)."""
    names, codes = list(names), list(codes)
    found = []
    for start in range(0, max(len(names), len(codes), 1), CHUNK):
        cond = Q(name_normalized__in=names[start : start + CHUNK]) | Q(
            credit_code__in=codes[start : start + CHUNK]
        )
        found.extend(Customer.objects.filter(is_blacklisted=True).filter(cond))
    unique = {c.pk: c for c in found}.values()
    return sorted(unique, key=lambda c: (c.blacklisted_until is not None, c.blacklisted_until), reverse=True)


def admission_conflict_among(
    blocked: list[Customer], *, name_key: str, credit_code: str, exclude_pk: int | None = None
) -> Customer | None:
    """The first of `blocked` with the same credit code or the same normalised name (the 准入 rule)."""
    for customer in blocked:
        if customer.pk != exclude_pk and (
            customer.name_normalized == name_key or (credit_code and customer.credit_code == credit_code)
        ):
            return customer
    return None


# Values per `IN (…)`: within SQLite's limit on a statement's parameters, two lists at a time.
CHUNK = 5000


def archive_confirmation_due(customer: Customer, *, now: datetime, policy: ArchivePolicy | None = None):
    """The date by which the owner must next confirm the archive (每半年反馈)."""
    policy = policy or ArchivePolicy.load()
    base = customer.last_confirmed_at or customer.created_at
    return add_months(base.date(), policy.update_interval_months) if base else None


def archives_unconfirmed(user: User, *, now: datetime) -> QuerySet[Customer]:
    """Visible, non-inactive customers not confirmed within the policy interval."""
    policy = ArchivePolicy.load()
    cutoff = add_months(now, -policy.update_interval_months)
    return (
        customer_list_for(user)
        .exclude(status=CustomerStatus.INACTIVE)
        .filter(Q(last_confirmed_at__lt=cutoff) | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff))
    )


def salespeople_for(user: User) -> QuerySet[User]:
    """Salespeople a user may assign as owner (their department; all for 总经办/admin)."""
    qs = User.objects.filter(role=Role.SALESPERSON, is_active=True).select_related("department")
    if user.sees_all_departments:
        return qs
    return qs.filter(department_id=user.department_id)


def customer_list_rows(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """The list page's rows: owner, department and the primary contact in constant queries."""
    primary = Prefetch(
        "contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"
    )
    return qs.select_related("owner", "department").prefetch_related(primary)


# The people a customer names besides its owner: read with the page's lists (customer_people),
# not joined to the customer's query, where each LEFT JOIN of crm_user cost ~1 ms of PostgreSQL
# planning (bench, issue 21).
CUSTOMER_PEOPLE = ("last_confirmed_by", "created_by", "account_manager")


def customer_detail_for(user: User, pk: int, *, related=()) -> Customer:
    """The customer page: one customer the user may see, with its owner, department, profile
    and the one-to-one relations its panels read (`related`: crm.registry.customer_page_related).
    """
    return customer_list_for(user).select_related("profile", *related).get(pk=pk)


def customer_people(customer: Customer) -> QuerySet[User]:
    """The users of CUSTOMER_PEOPLE, to be read with the page's other lists."""
    ids = {getattr(customer, f"{name}_id") for name in CUSTOMER_PEOPLE} - {None}
    return User.objects.filter(pk__in=ids)


def customer_people_attach(customer: Customer, people) -> None:
    """Cache the users read by `customer_people` on the customer: no query when shown."""
    by_id = {u.pk: u for u in people}
    for name in CUSTOMER_PEOPLE:
        Customer._meta.get_field(name).set_cached_value(customer, by_id.get(getattr(customer, f"{name}_id")))


class SlicePage:
    """A page of results without COUNT(*) over the table: one extra row tells if there is a next page.

    The list of 100,000 customers must stay fast; an exact total on every page load would
    scan the whole visible set.
    """

    MAX_PAGE = 1_000_000

    def __init__(self, qs, number, per_page: int = 25):
        try:
            number = max(1, int(number or 1))
        except (TypeError, ValueError):
            number = 1
        # A page far past any list (?page=999999999999999999999) is an empty page, not an
        # OFFSET the database cannot hold (a 500 on SQLite and PostgreSQL).
        number = min(number, self.MAX_PAGE)
        self.number = number
        start = (number - 1) * per_page
        rows = list(qs[start : start + per_page + 1])
        self._has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.start_index = start + 1 if self.object_list else 0

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


# --- Figures of the 工作台 (crm.dashboards; customers/dashboards.py) ---------------------------


def grade_counts(user: User) -> list[dict]:
    """Active customers the user may see, counted per department and grade (one query).

    Rows: department_id, department__name, grade ("" = not graded yet), n. The customer list
    filtered by status=active, grade (and department) shows exactly these customers.
    """
    from django.db.models import Count

    return list(
        customer_list_for(user)
        .filter(status=CustomerStatus.ACTIVE)
        .order_by()
        .values("department_id", "department__name", "grade")
        .annotate(n=Count("pk"))
        .order_by("department__name", "grade")
    )


def documents_expiring(user: User, *, today, days: int = 30) -> QuerySet:
    """Qualification documents of visible customers expiring between today and `days` days on."""
    from datetime import timedelta

    from .models import QualificationDocument

    return (
        QualificationDocument.objects.filter(
            customer__in=customer_list_for(user).values("pk"),
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .select_related("customer", "customer__owner")
        .order_by("expires_on", "pk")
    )


def import_batches_for(user: User) -> QuerySet:
    """Imports the user may see: their department's (总经办 and the administrator: all);
    a salesperson only their own."""
    from .models import ImportBatch

    qs = ImportBatch.objects.select_related("user", "department").order_by("-at", "-pk")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_departments:
        return qs
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.filter(user=user)
