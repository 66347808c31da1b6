"""A local fake of the 企业微信 and 钉钉 APIs, on a free loopback port (no test reaches the internet).

It speaks the requests and answers the adapters use: gettoken, message/send, webhook/send,
robot/send (checking the 加签 signature), asyncsend_v2. `fail` queues answers per path
("rate", "expired", "5xx") to play back before the normal answer.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DING_SECRET = "SECtest-secret"


class FakeChannels:
    def __init__(self):
        self.requests: list[dict] = []
        self.failures: dict[str, list[str]] = {}
        self.tokens_issued = 0
        self.valid_token = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                fake.handle(self, None)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                fake.handle(self, json.loads(self.rfile.read(length) or b"{}"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, path: str, *modes: str):
        self.failures.setdefault(path, []).extend(modes)

    def sent(self, path: str) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"] == path and r["status"] == "ok"]

    def _answer(self, handler, code: int, payload: dict):
        data = json.dumps(payload).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler, body):
        url = urllib.parse.urlsplit(handler.path)
        path, query = url.path, dict(urllib.parse.parse_qsl(url.query))
        record = {"path": path, "query": query, "body": body, "status": "ok"}
        self.requests.append(record)
        mode = self.failures.get(path, []).pop(0) if self.failures.get(path) else None
        if mode == "5xx":
            record["status"] = "5xx"
            return self._answer(handler, 502, {"errmsg": "bad gateway"})
        if path in ("/cgi-bin/gettoken", "/gettoken"):
            self.tokens_issued += 1
            self.valid_token = f"token-{self.tokens_issued}"
            return self._answer(
                handler,
                200,
                {"errcode": 0, "errmsg": "ok", "access_token": self.valid_token, "expires_in": 7200},
            )
        if mode == "rate":
            record["status"] = "rate"
            code = 45009 if path.startswith("/cgi-bin") else 130101
            return self._answer(handler, 200, {"errcode": code, "errmsg": "api freq out of limit"})
        if path in ("/cgi-bin/message/send", "/topapi/message/corpconversation/asyncsend_v2"):
            if mode == "expired" or query.get("access_token") != self.valid_token:
                record["status"] = "expired"
                return self._answer(handler, 200, {"errcode": 42001, "errmsg": "access_token expired"})
            return self._answer(handler, 200, {"errcode": 0, "errmsg": "ok", "task_id": 1})
        if path == "/robot/send":
            ts = query.get("timestamp", "")
            digest = hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
            expected = base64.b64encode(digest).decode()
            fresh = ts.isdigit() and abs(int(ts) - time.time() * 1000) < 3600 * 1000
            if query.get("sign") != expected or not fresh:
                record["status"] = "bad-sign"
                return self._answer(handler, 200, {"errcode": 310000, "errmsg": "sign not match"})
            return self._answer(handler, 200, {"errcode": 0, "errmsg": "ok"})
        if path == "/cgi-bin/webhook/send":
            if query.get("key") != "robot-key":
                record["status"] = "bad-key"
                return self._answer(handler, 200, {"errcode": 93000, "errmsg": "invalid webhook url"})
            return self._answer(handler, 200, {"errcode": 0, "errmsg": "ok"})
        record["status"] = "404"
        return self._answer(handler, 404, {"errmsg": "not found"})
