"""The 企业微信 / 钉钉 channels against a local fake of their APIs: success, a bad signature,
an expired token, the rate limit, a 5xx; deliveries retried with backoff and failures kept."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from crm import services
from crm.notify import outbox
from crm.notify.channels import ChannelError, DingTalkRobot, dingtalk_sign
from crm.notify.models import ChannelToken, DepartmentRobot, NotificationDelivery, NotificationPreference

from .fake_channels import DING_SECRET, FakeChannels

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake():
    server = FakeChannels()
    yield server
    server.close()


@pytest.fixture
def apps_configured(settings, fake):
    settings.WECOM_CORP_ID, settings.WECOM_AGENT_ID, settings.WECOM_SECRET = "corp", "1000002", "s"
    settings.WECOM_API_BASE = fake.base
    settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID = "k", "s", "123"
    settings.DINGTALK_API_BASE = fake.base
    settings.SITE_URL = "http://crm.example.cn:8105"


def _notify(user, title="投诉处理超时：华东机械", url="/complaints/7/"):
    services.notification_send(
        recipients=[user], kind="complaint_overdue", title=title, body="请尽快处理", url=url
    )
    services.notification_outbox_drain(now=NOW)


def test_dingtalk_sign_matches_the_documented_recipe():
    # timestamp + "\n" + secret, HMAC-SHA256 with the secret, base64, then url-encoded
    sign = dingtalk_sign("SECabc", 1700000000000)
    assert "%" in sign or sign.isalnum()
    import base64
    import hashlib
    import hmac
    import urllib.parse

    raw = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert urllib.parse.unquote_plus(sign) == base64.b64encode(raw).decode()


def test_wecom_app_message_goes_to_the_person_with_a_link_from_site_url(apps_configured, fake, salesperson):
    salesperson.wecom_userid = "zhangwei"
    salesperson.save()
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
        assert outbox.channel_deliveries_send(now=NOW) == {"sent": 1}
    sent = fake.sent("/cgi-bin/message/send")
    assert len(sent) == 1 and sent[0]["touser"] == "zhangwei" and sent[0]["agentid"] == 1000002
    assert "http://crm.example.cn:8105/complaints/7/" in sent[0]["markdown"]["content"]
    assert "投诉处理超时" in sent[0]["markdown"]["content"]


def test_an_expired_token_is_refreshed_once_and_the_message_sent(apps_configured, fake, salesperson):
    salesperson.wecom_userid = "zhangwei"
    salesperson.save()
    ChannelToken.objects.create(
        key="wecom:corp:1000002", token="stale", expires_at=NOW + dt.timedelta(hours=1)
    )
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
        assert outbox.channel_deliveries_send(now=NOW) == {"sent": 1}
        # the cached token is reused for the next message: no second gettoken
        _notify(salesperson, title="第二条")
        outbox.channel_deliveries_send(now=NOW)
    assert fake.tokens_issued == 1
    assert [r["status"] for r in fake.requests if r["path"] == "/cgi-bin/message/send"] == [
        "expired",
        "ok",
        "ok",
    ]


def test_dingtalk_work_notification_with_cached_token(apps_configured, fake, salesperson):
    salesperson.dingtalk_userid = "ding-zw"
    salesperson.save()
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
        assert outbox.channel_deliveries_send(now=NOW) == {"sent": 1}
    body = fake.sent("/topapi/message/corpconversation/asyncsend_v2")[0]
    assert body["userid_list"] == "ding-zw" and body["agent_id"] == 123
    assert body["msg"]["msgtype"] == "markdown" and "请尽快处理" in body["msg"]["markdown"]["text"]


def test_a_5xx_is_retried_with_backoff_and_gives_up_visibly(apps_configured, fake, salesperson):
    salesperson.wecom_userid = "zhangwei"
    salesperson.save()
    fake.fail("/cgi-bin/message/send", *["5xx"] * 10)
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
    now = NOW
    for attempt in range(1, outbox.DELIVERY_MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            outbox.channel_deliveries_send(now=now)
        d = NotificationDelivery.objects.get()
        assert d.attempts == attempt and "HTTP 502" in d.last_error
        if attempt < outbox.DELIVERY_MAX_ATTEMPTS:
            assert d.status == "pending" and d.next_attempt_at == now + outbox.backoff(attempt)
            # not due yet: nothing is tried before the backoff
            assert outbox.channel_deliveries_send(now=now) == {}
            now = d.next_attempt_at
    assert d.status == "failed" and d.next_attempt_at is None


def test_one_failing_delivery_does_not_hold_up_the_others(
    apps_configured, fake, salesperson, other_salesperson
):
    salesperson.wecom_userid, other_salesperson.dingtalk_userid = "zhangwei", "ding-ln"
    salesperson.save()
    other_salesperson.save()
    fake.fail("/cgi-bin/message/send", "5xx")
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
        _notify(other_salesperson)
        assert outbox.channel_deliveries_send(now=NOW) == {"pending": 1, "sent": 1}


def test_dingtalk_robot_signs_and_a_bad_secret_fails_without_retry(fake, salesperson, east, settings):
    settings.SITE_URL = "http://127.0.0.1:8105"
    NotificationPreference.objects.create(user=salesperson, kind="complaint_overdue", dingtalk=True)
    robot = DepartmentRobot.objects.create(
        department=east,
        provider="dingtalk",
        webhook_url=f"{fake.base}/robot/send?access_token=r",
        secret=DING_SECRET,
    )
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
        assert outbox.channel_deliveries_send(now=NOW) == {"sent": 1}
        robot.secret = "SECwrong"
        robot.save()
        _notify(salesperson, title="另一条")
        assert outbox.channel_deliveries_send(now=NOW) == {"failed": 1}
    failed = NotificationDelivery.objects.get(status="failed")
    assert "签名不匹配" in failed.last_error and failed.attempts == 1


def test_robot_batches_many_notifications_into_few_messages_within_20_a_minute(fake, east, settings):
    from tests.factories import UserFactory

    people = [UserFactory(username=f"s{i}", department=east, wecom_userid=f"wx{i}") for i in range(30)]
    DepartmentRobot.objects.create(
        department=east, provider="wecom", webhook_url=f"{fake.base}/cgi-bin/webhook/send?key=robot-key"
    )
    with time_machine.travel(NOW, tick=False):
        for i in range(60):
            services.notification_send(
                recipients=[people[i % 30]],
                kind="complaint_overdue",
                title=f"投诉处理超时：客户{i:02d}",
                body="处理时限已过，请尽快处理。" * 3,
                url=f"/complaints/{i}/",
            )
        services.notification_outbox_drain(now=NOW)
        summary = outbox.channel_deliveries_send(now=NOW)
    posts = fake.sent("/cgi-bin/webhook/send")
    assert summary == {"sent": 60}
    assert 1 < len(posts) <= 20, "gathered into a few markdown messages"
    assert all(len(p["markdown"]["content"].encode()) <= 4096 for p in posts)
    assert "<@wx0>" in posts[0]["markdown"]["content"]


def test_robot_rate_limit_waits_for_the_next_minute(fake, salesperson, east):
    NotificationPreference.objects.create(user=salesperson, kind="complaint_overdue", wecom=True)
    DepartmentRobot.objects.create(
        department=east, provider="wecom", webhook_url=f"{fake.base}/cgi-bin/webhook/send?key=robot-key"
    )
    fake.fail("/cgi-bin/webhook/send", "rate")
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
        assert outbox.channel_deliveries_send(now=NOW) == {"pending": 1}
    d = NotificationDelivery.objects.get()
    assert "45009" in d.last_error and d.next_attempt_at > NOW
    later = d.next_attempt_at
    with time_machine.travel(later, tick=False):
        assert outbox.channel_deliveries_send(now=later) == {"sent": 1}


def test_no_channel_id_and_no_robot_queues_nothing(apps_configured, salesperson):
    NotificationPreference.objects.create(
        user=salesperson, kind="complaint_overdue", wecom=True, dingtalk=True
    )
    with time_machine.travel(NOW, tick=False):
        _notify(salesperson)
    assert not NotificationDelivery.objects.exists()


def test_robot_adapter_refuses_a_non_http_url():
    with pytest.raises(ChannelError) as exc:
        DingTalkRobot(webhook_url="file:///etc/passwd").send(target="", title="t", text="x")
    assert exc.value.retry is False


def test_email_links_use_site_url(settings, salesperson, django_capture_on_commit_callbacks):
    from django.core import mail

    settings.SITE_URL = "http://10.0.0.5:8123"
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(
            recipients=[salesperson], kind="complaint_overdue", title="超时", url="/complaints/3/"
        )
    assert "http://10.0.0.5:8123/complaints/3/" in mail.outbox[0].body
    assert timezone.now()
