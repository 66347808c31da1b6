"""Import of people's 企业微信 / 钉钉 userids from a sheet (the administrator's admin import).

Columns by header: 用户名 (or username), 企业微信ID (or wecom_userid), 钉钉ID (or dingtalk_userid).
All rows are checked first: an unknown username or a row without a username stops the import
with every problem listed, and nothing is written.
"""

from django.db import transaction

from crm.models import User
from crm.services import audit_record

HEADERS = {
    "username": {"用户名", "username", "登录名"},
    "wecom_userid": {"企业微信ID", "企业微信id", "wecom_userid", "企业微信"},
    "dingtalk_userid": {"钉钉ID", "钉钉id", "dingtalk_userid", "钉钉"},
}


class ChannelIdImportError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def read_sheet(file) -> list[dict]:
    """The rows of the first sheet of an .xlsx file as dicts by field name."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(file, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:
        raise ChannelIdImportError(["无法读取文件：请上传 .xlsx 表格"]) from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    columns = {}
    for i, h in enumerate(header):
        for field, names in HEADERS.items():
            if h in names:
                columns[field] = i
    if "username" not in columns or len(columns) < 2:
        raise ChannelIdImportError(["表头需要“用户名”以及“企业微信ID”或“钉钉ID”列"])
    out = []
    for values in rows:
        row = {
            f: str(values[i]).strip() if i < len(values) and values[i] is not None else ""
            for f, i in columns.items()
        }
        if any(row.values()):
            out.append(row)
    return out


def user_channel_ids_import(*, actor: User, rows: list[dict]) -> int:
    """Set the WeCom / DingTalk userids of existing users; returns how many users changed.

    Raises ChannelIdImportError listing every bad row (1-based, after the header); then
    nothing is written. A column left out of the sheet is left unchanged.
    """
    problems = []
    names = [r.get("username", "") for r in rows]
    known = {u.username: u for u in User.objects.filter(username__in=[n for n in names if n])}
    for number, row in enumerate(rows, start=2):
        if not row.get("username"):
            problems.append(f"第 {number} 行：缺少用户名")
        elif row["username"] not in known:
            problems.append(f"第 {number} 行：用户 {row['username']} 不存在")
        for field in ("wecom_userid", "dingtalk_userid"):
            if len(row.get(field, "")) > 64:
                problems.append(f"第 {number} 行：{field} 超过 64 个字符")
    if problems:
        raise ChannelIdImportError(problems)
    changed = []
    with transaction.atomic():
        for row in rows:
            user = known[row["username"]]
            before = {"wecom_userid": user.wecom_userid, "dingtalk_userid": user.dingtalk_userid}
            for field in ("wecom_userid", "dingtalk_userid"):
                if field in row:
                    setattr(user, field, row[field])
            after = {"wecom_userid": user.wecom_userid, "dingtalk_userid": user.dingtalk_userid}
            if after != before:
                user.save(update_fields=["wecom_userid", "dingtalk_userid"])
                audit_record(
                    actor=actor,
                    action="crm.user.channel_ids_imported",
                    target=user,
                    before=before,
                    after=after,
                )
                changed.append(user.pk)
    return len(changed)
