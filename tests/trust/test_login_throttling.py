"""Login throttling (django-axes) keyed on username and IP; the refusal log of failures."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OFFICE_NAT = "203.0.113.7"


@pytest.fixture(autouse=True)
def _axes(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.5  # hours
    settings.LANGUAGE_CODE = "zh-hans"


def _attempt(username, password="wrong", ip=OFFICE_NAT, url_name="login"):
    client = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        return client.post(reverse(url_name), {"username": username, "password": password})


def _fail(times, username="sales1", **kw):
    return [_attempt(username, **kw).status_code for _ in range(times)]


def test_the_fifth_failure_locks_the_username_from_that_address_with_a_chinese_page(salesperson):
    codes = _fail(4)
    assert codes == [200] * 4, "the first failures show the form again"
    locked = _attempt("sales1")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多" in html
    # Even the right password is refused while locked.
    assert _attempt("sales1", "pw").status_code == 429


def test_a_colleague_behind_the_same_office_nat_is_not_locked(salesperson, other_salesperson):
    _fail(6)
    assert _attempt("sales1", "pw").status_code == 429
    ok = _attempt("sales2", "pw")
    assert ok.status_code == 302, "another username from the same IP logs in"


def test_the_same_user_from_another_address_is_not_locked(salesperson):
    _fail(6)
    assert _attempt("sales1", "pw", ip="198.51.100.20").status_code == 302


def test_the_lock_ends_after_the_cool_off_counted_from_the_lockout(salesperson):
    """Tries during the lock do not extend it (issue 13 §6): one every 29 minutes keeps nobody out."""
    with time_machine.travel(T0, tick=False) as traveller:
        _fail(5)
        assert _attempt("sales1", "pw").status_code == 429
        traveller.shift(dt.timedelta(minutes=29))
        assert _attempt("sales1").status_code == 429  # a wrong try during the lock...
        traveller.shift(dt.timedelta(minutes=2))
        assert _attempt("sales1", "pw").status_code == 302  # ...did not restart the 30 minutes


def test_the_locked_out_user_is_told_until_when_in_chinese(salesperson):
    with time_machine.travel(T0, tick=False):
        _fail(5)
        html = _attempt("sales1", "pw").content.decode()
    assert "锁定至 2026-03-02 17:30" in html  # 09:00 UTC + 30 minutes, in Shanghai time


def test_the_user_is_notified_of_the_lockout_once(salesperson):
    from crm.models import Notification

    _fail(5)
    _fail(3)  # tries during the lock: no second notification
    notes = Notification.objects.filter(recipient=salesperson, kind="security_lockout")
    assert notes.count() == 1
    assert "锁定" in notes.get().title and OFFICE_NAT in notes.get().body


def test_the_administrator_sees_the_lockout_in_chinese_and_lifts_it_with_a_click(salesperson, administrator):
    from crm.models import AuditLog

    _fail(5)
    admin_client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    admin_client.force_login(administrator)
    page = admin_client.get(reverse("admin:crm_lockout_changelist")).content.decode()
    attempt = AccessAttempt.objects.get(username="sales1")
    assert (
        "登录锁定" in page
        and "sales1" in page
        and "解除锁定" in page
        and f'name="lift" value="{attempt.pk}"' in page
    )
    response = admin_client.post(reverse("admin:crm_lockout_lift", args=[attempt.pk]))
    assert response.status_code == 302
    assert _attempt("sales1", "pw").status_code == 302
    assert AuditLog.objects.filter(action="crm.lockout.lifted", actor=administrator).count() == 1
    after = admin_client.get(reverse("admin:crm_lockout_changelist")).content.decode()
    assert "已解除 sales1 的登录锁定" in after and f'name="lift" value="{attempt.pk}"' not in after


def test_a_success_resets_the_count(salesperson):
    _fail(4)
    assert _attempt("sales1", "pw").status_code == 302
    assert _fail(4) == [200] * 4, "the counter started again after the success"


def test_the_admin_login_is_throttled_too(administrator):
    codes = [_attempt("admin1", url_name="admin:login").status_code for _ in range(5)]
    assert codes[:4] == [200] * 4 and codes[4] == 429
    assert _attempt("admin1", "pw", url_name="admin:login").status_code == 429
    # The public login shares the count: locking one door locks both.
    assert _attempt("admin1", "pw").status_code == 429


def test_failures_are_logged_with_username_and_address(salesperson):
    _fail(2)
    attempt = AccessAttempt.objects.get(username="sales1")
    assert attempt.ip_address == OFFICE_NAT and attempt.failures_since_start == 2
    assert AccessFailureLog.objects.filter(username="sales1", ip_address=OFFICE_NAT).count() == 2


def test_behind_the_proxy_the_forwarded_client_address_is_the_key(settings, salesperson, other_salesperson):
    settings.CRM_BEHIND_TLS_PROXY = True
    proxy = "10.0.0.2"

    def via_proxy(username, password, client_ip, forged=""):
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{forged}{client_ip}")
        return client.post(reverse("login"), {"username": username, "password": password})

    for _ in range(5):
        via_proxy("sales1", "wrong", "198.51.100.1")
    assert via_proxy("sales1", "pw", "198.51.100.1").status_code == 429
    # A forged first entry does not dodge the lock: only the proxy's own (last) entry counts.
    assert via_proxy("sales1", "pw", "198.51.100.1", forged="1.2.3.4, ").status_code == 429
    # Another client behind the same proxy is not affected.
    assert via_proxy("sales1", "pw", "198.51.100.99").status_code == 302
    assert AccessAttempt.objects.filter(ip_address="198.51.100.1").exists()


def test_the_lockout_page_is_translated_in_english_too(salesperson):
    _fail(5)
    client = Client(REMOTE_ADDR=OFFICE_NAT)
    with translation.override("en"):
        response = client.post(
            reverse("login"), {"username": "sales1", "password": "pw"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 429
