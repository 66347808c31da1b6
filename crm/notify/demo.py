"""Demo data of notifications (idempotent): the demo people's 企业微信 / 钉钉 ids, one person's
own digest time and choice, and a role default, so `make run` shows the 通知设置 page and the
admin screens filled. No group robot: the demo has no real webhook to post to."""

import datetime

from crm.models import Role, User

from .models import NotificationPreference, NotificationProfile, RoleNotificationDefault

IDS = {
    "manager_east": ("chenjing", "ding-chenjing"),
    "sales_east_1": ("zhangwei", "ding-zhangwei"),
    "sales_east_2": ("lina", ""),
    "manager_south": ("yangfan", ""),
}


def seed(*, now=None) -> str:
    people = {u.username: u for u in User.objects.filter(username__in=IDS)}
    for username, (wecom, ding) in IDS.items():
        user = people.get(username)
        if user and not (user.wecom_userid or user.dingtalk_userid):
            user.wecom_userid, user.dingtalk_userid = wecom, ding
            user.save(update_fields=["wecom_userid", "dingtalk_userid"])
    if "sales_east_1" in people:
        NotificationProfile.objects.get_or_create(
            user=people["sales_east_1"], defaults={"digest_time": datetime.time(8, 30)}
        )
        NotificationPreference.objects.get_or_create(
            user=people["sales_east_1"],
            kind="complaint_assigned",
            defaults={"delivery": "immediate", "email": True, "wecom": True},
        )
    RoleNotificationDefault.objects.get_or_create(
        role=Role.GM_OFFICE, kind="blacklist_reported", defaults={"delivery": "digest", "email": True}
    )
    return f"notifications: channel ids for {len(people)} demo users, one digest time, one role default"
