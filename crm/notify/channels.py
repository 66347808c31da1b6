"""The message channels behind one interface: `adapter.send(target=..., text=..., title=...)`.

- 企业微信 group robot: POST {webhook}?key=… {"msgtype": "markdown", "markdown": {"content"}};
  20 messages a minute per robot (errcode 45009 when exceeded).
- 企业微信 application message: GET /cgi-bin/gettoken?corpid&corpsecret → access_token
  (7200 s), POST /cgi-bin/message/send?access_token=… {"touser", "msgtype": "markdown",
  "agentid", "markdown"}; 42001 (expired) / 40014 (invalid) → fetch a new token, once.
- 钉钉 custom robot with 加签: POST {webhook}&timestamp=…&sign=…, where sign is
  urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))) and timestamp in ms;
  {"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atUserIds"}}; 310000 when the
  signature does not match; 20 messages a minute (130101 / 410100 when exceeded).
- 钉钉 work notification: GET /gettoken?appkey&appsecret → access_token, POST
  /topapi/message/corpconversation/asyncsend_v2?access_token=… {"agent_id", "userid_list",
  "msg": {"msgtype": "markdown", "markdown": {"title", "text"}}}; 42001 / 40014 / 88 → new token.

Errors are ChannelError: `retry` says whether the outbox should try again later (network,
5xx, rate limit, an expired token that a new one did not cure) or give up (bad signature,
unknown user, configuration).
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ChannelToken

TIMEOUT_SECONDS = 10
TOKEN_ERRORS = {40001, 40014, 42001, 88}
RATE_LIMIT_ERRORS = {45009, 45033, 130101, 410100, 90018}
BAD_SIGNATURE_ERRORS = {310000}


class ChannelError(Exception):
    def __init__(self, message: str, *, retry: bool = True, errcode: int | None = None):
        super().__init__(message)
        self.retry = retry
        self.errcode = errcode


def _http(url: str, payload: dict | None = None) -> dict:
    if not url.startswith(("https://", "http://")):
        raise ChannelError(f"not an http(s) URL: {url[:40]}", retry=False)
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(  # noqa: S310  http(s) only, checked above
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310  http(s) only
            return json.loads(resp.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code}", retry=exc.code >= 500 or exc.code == 429) from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise ChannelError(f"network: {exc}") from exc


def _check(answer: dict) -> dict:
    code = answer.get("errcode", 0)
    if code in (0, None):
        return answer
    message = f"errcode {code}: {answer.get('errmsg', '')}"
    if code in RATE_LIMIT_ERRORS:
        raise ChannelError(message, retry=True, errcode=code)
    if code in TOKEN_ERRORS:
        raise ChannelError(message, retry=True, errcode=code)
    raise ChannelError(message, retry=False, errcode=code)


class Adapter:
    """One way out. `send` returns nothing or raises ChannelError."""

    def send(self, *, target: str, title: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class TokenAdapter(Adapter):
    """An application API with an access token, kept in ChannelToken for every worker."""

    token_key = ""

    def fetch_token(self) -> tuple[str, int]:  # pragma: no cover - interface
        raise NotImplementedError

    def token(self, *, fresh: bool = False) -> str:
        now = timezone.now()
        if not fresh:
            row = ChannelToken.objects.filter(key=self.token_key, expires_at__gt=now).first()
            if row:
                return row.token
        token, expires_in = self.fetch_token()
        # Renewed five minutes early: a token about to expire fails the send after it.
        ChannelToken.objects.update_or_create(
            key=self.token_key,
            defaults={"token": token, "expires_at": now + timedelta(seconds=max(int(expires_in) - 300, 60))},
        )
        return token

    def call(self, path: str, payload: dict) -> dict:
        try:
            return _check(_http(self.url(path, self.token()), payload))
        except ChannelError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
        return _check(_http(self.url(path, self.token(fresh=True)), payload))

    def url(self, path: str, token: str) -> str:
        return f"{self.base}{path}?access_token={urllib.parse.quote(token)}"


class WeComApp(TokenAdapter):
    def __init__(self, *, corp_id: str, agent_id: str, secret: str, base: str):
        self.corp_id, self.agent_id, self.secret, self.base = corp_id, agent_id, secret, base.rstrip("/")
        self.token_key = f"wecom:{corp_id}:{agent_id}"

    def fetch_token(self):
        query = urllib.parse.urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        answer = _check(_http(f"{self.base}/cgi-bin/gettoken?{query}"))
        return answer["access_token"], answer.get("expires_in", 7200)

    def send(self, *, target, title, text):
        self.call(
            "/cgi-bin/message/send",
            {
                "touser": target,
                "msgtype": "markdown",
                "agentid": int(self.agent_id),
                "markdown": {"content": text},
            },
        )


class DingTalkWork(TokenAdapter):
    def __init__(self, *, app_key: str, app_secret: str, agent_id: str, base: str):
        self.app_key, self.app_secret, self.agent_id, self.base = (
            app_key,
            app_secret,
            agent_id,
            base.rstrip("/"),
        )
        self.token_key = f"dingtalk:{app_key}"

    def fetch_token(self):
        query = urllib.parse.urlencode({"appkey": self.app_key, "appsecret": self.app_secret})
        answer = _check(_http(f"{self.base}/gettoken?{query}"))
        return answer["access_token"], answer.get("expires_in", 7200)

    def send(self, *, target, title, text):
        self.call(
            "/topapi/message/corpconversation/asyncsend_v2",
            {
                "agent_id": int(self.agent_id),
                "userid_list": target,
                "msg": {"msgtype": "markdown", "markdown": {"title": title, "text": text}},
            },
        )


class WeComRobot(Adapter):
    """`target`: the WeCom userids to @, comma-separated (may be empty)."""

    def __init__(self, *, webhook_url: str):
        self.webhook_url = webhook_url

    def send(self, *, target, title, text):
        mentions = "".join(f"<@{u}>" for u in target.split(",") if u)
        _check(
            _http(
                self.webhook_url,
                {"msgtype": "markdown", "markdown": {"content": f"{text}\n{mentions}".strip()}},
            )
        )


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret")))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class DingTalkRobot(Adapter):
    """`target`: the DingTalk userids to @, comma-separated (may be empty)."""

    def __init__(self, *, webhook_url: str, secret: str = ""):
        self.webhook_url, self.secret = webhook_url, secret

    def signed_url(self) -> str:
        if not self.secret:
            return self.webhook_url
        ts = int(time.time() * 1000)
        sep = "&" if "?" in self.webhook_url else "?"
        return f"{self.webhook_url}{sep}timestamp={ts}&sign={dingtalk_sign(self.secret, ts)}"

    def send(self, *, target, title, text):
        users = [u for u in target.split(",") if u]
        body = text + ("\n\n" + " ".join(f"@{u}" for u in users) if users else "")
        try:
            _check(
                _http(
                    self.signed_url(),
                    {
                        "msgtype": "markdown",
                        "markdown": {"title": title, "text": body},
                        "at": {"atUserIds": users},
                    },
                )
            )
        except ChannelError as exc:
            if exc.errcode in BAD_SIGNATURE_ERRORS:
                raise ChannelError(
                    f"钉钉机器人签名不匹配（检查加签密钥）: {exc}", retry=False, errcode=exc.errcode
                ) from exc
            raise


def wecom_app() -> WeComApp | None:
    """The WeCom application of settings (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET), if set."""
    if not (settings.WECOM_CORP_ID and settings.WECOM_AGENT_ID and settings.WECOM_SECRET):
        return None
    return WeComApp(
        corp_id=settings.WECOM_CORP_ID,
        agent_id=settings.WECOM_AGENT_ID,
        secret=settings.WECOM_SECRET,
        base=settings.WECOM_API_BASE,
    )


def dingtalk_work() -> DingTalkWork | None:
    """The DingTalk application of settings (DINGTALK_APP_KEY, _APP_SECRET, _AGENT_ID), if set."""
    if not (settings.DINGTALK_APP_KEY and settings.DINGTALK_APP_SECRET and settings.DINGTALK_AGENT_ID):
        return None
    return DingTalkWork(
        app_key=settings.DINGTALK_APP_KEY,
        app_secret=settings.DINGTALK_APP_SECRET,
        agent_id=settings.DINGTALK_AGENT_ID,
        base=settings.DINGTALK_API_BASE,
    )


def robot_adapter(robot) -> Adapter:
    if robot.provider == "wecom":
        return WeComRobot(webhook_url=robot.webhook_url)
    return DingTalkRobot(webhook_url=robot.webhook_url, secret=robot.secret)
