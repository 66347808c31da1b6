"""Who gets what how: a person's choice per kind, else their role's default, else the kind's own.

Read set-based: one query for the people's rows and one for their roles' rows, whatever the
number of notifications (a job sends thousands at once).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from crm.models import User

from .kinds import DIGEST_KIND, IMMEDIATE, KINDS, default_delivery
from .models import NotificationPreference, RoleNotificationDefault


@dataclass(frozen=True)
class Choice:
    delivery: str
    email: bool
    wecom: bool
    dingtalk: bool


def kind_default(kind: str, user: User | None = None) -> Choice:
    """The kind's own default: e-mail on; 企业微信 / 钉钉 on when the person has an id there."""
    return Choice(
        delivery=default_delivery(kind),
        email=True,
        wecom=bool(user and user.wecom_userid),
        dingtalk=bool(user and user.dingtalk_userid),
    )


def _choice(row) -> Choice:
    return Choice(delivery=row.delivery, email=row.email, wecom=row.wecom, dingtalk=row.dingtalk)


def choices_for(
    pairs: Iterable[tuple[int, str]], *, users: dict[int, User] | None = None
) -> dict[tuple[int, str], Choice]:
    """The choice of each (user id, kind) pair: two queries (three without `users`)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    user_ids = {u for u, _k in pairs}
    kinds = {k for _u, k in pairs}
    if users is None:
        users = {
            u.pk: u
            for u in User.objects.filter(pk__in=user_ids)
            .select_related(None)
            .only("pk", "role", "wecom_userid", "dingtalk_userid")
        }
    own = {
        (p.user_id, p.kind): _choice(p)
        for p in NotificationPreference.objects.filter(user_id__in=user_ids, kind__in=kinds)
    }
    roles = {u.role for u in users.values()}
    by_role = {
        (r.role, r.kind): _choice(r)
        for r in RoleNotificationDefault.objects.filter(role__in=roles, kind__in=kinds)
    }
    out = {}
    for user_id, kind in pairs:
        user = users.get(user_id)
        out[(user_id, kind)] = (
            own.get((user_id, kind))
            or (user is not None and by_role.get((user.role, kind)))
            or kind_default(kind, user)
        )
    return out


def deliveries_for(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """Immediate or digest for each (user id, kind); a kind nobody changed costs no user query."""
    pairs = set(pairs)
    kinds = {k for _u, k in pairs}
    if not kinds:
        return {}
    user_ids = {u for u, _k in pairs}
    any_rows = (
        NotificationPreference.objects.filter(user_id__in=user_ids, kind__in=kinds).exists()
        or RoleNotificationDefault.objects.filter(kind__in=kinds).exists()
    )
    if not any_rows:
        return {p: default_delivery(p[1]) for p in pairs}
    # The digest itself is never put in a digest.
    return {p: IMMEDIATE if p[1] == DIGEST_KIND else c.delivery for p, c in choices_for(pairs).items()}


def preference_rows_for(user: User) -> list[dict]:
    """The 通知设置 page: every registered kind with the person's current choice."""
    choices = choices_for([(user.pk, k) for k in KINDS], users={user.pk: user})
    own = set(NotificationPreference.objects.filter(user=user).values_list("kind", flat=True))
    rows = []
    for code, kind in KINDS.items():
        c = choices[(user.pk, code)]
        rows.append({"kind": kind, "choice": c, "own": code in own, "digest": c.delivery != IMMEDIATE})
    return rows
