"""A small HTTP client for the smoke test: a cookie session, CSRF, and HTML forms filled as a
browser would submit them (hidden fields, checked radios, selected options), standard library
only."""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser


class SmokeFailure(Exception):
    pass


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # every choice offered per field name, for selects that a test fills with "the first one"
    options: dict[str, list[str]] = field(default_factory=dict)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields} | set(self.options)

    def values(self, **overrides) -> list[tuple[str, str]]:
        """The submitted pairs with `overrides` replacing a field's values (a list for many)."""
        out = [(k, v) for k, v in self.fields if k not in overrides]
        for name, value in overrides.items():
            for v in value if isinstance(value, list) else [value]:
                out.append((name, str(v)))
        return out


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                form.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
            form.options.setdefault(name, [])
        elif tag == "option" and self._select:
            self._option = a.get("value")
            self._text = ""
            if "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "option" and self._select:
            value = self._option if self._option is not None else self._text.strip()
            self.forms[-1].options[self._select].append(value)
            self._option = None
        elif tag == "select" and self._select:
            values = self.forms[-1].options[self._select]
            chosen = self._select_value if self._select_value is not None else (values[0] if values else None)
            if chosen is not None:
                self.forms[-1].fields.append((self._select, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    url: str
    headers: dict
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def form_with(self, field_name: str) -> Form:
        parser = FormParser()
        parser.feed(self.text)
        for form in parser.forms:
            if field_name in form.names():
                return form
        raise SmokeFailure(f"{self.url}: no form with a field {field_name!r}")


class Session:
    """One browser: cookies kept, redirects reported (not followed), the CSRF token sent back."""

    def __init__(self, base_url: str, *, timeout: float = 20):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.cookies if c.name == name), None)

    def request(self, method: str, path: str, data: list[tuple[str, str]] | None = None) -> Response:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            req.add_header("Referer", url)
            token = self.cookie("csrftoken")
            if token is not None:
                req.add_header("X-CSRFToken", token.value)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                return Response(
                    resp.status,
                    url,
                    {k.lower(): v for k, v in resp.headers.items()},
                    resp.read().decode("utf-8", "replace"),
                )
        except urllib.error.HTTPError as exc:
            return Response(
                exc.code,
                url,
                {k.lower(): v for k, v in exc.headers.items()},
                exc.read().decode("utf-8", "replace"),
            )

    def get(self, path: str, *, expect: int = 200) -> Response:
        resp = self.request("GET", path)
        if expect is not None and resp.status != expect:
            raise SmokeFailure(f"GET {path}: HTTP {resp.status}, expected {expect} {resp.location}")
        return resp

    def submit(self, page: Response, form: Form, *, expect_redirect: bool = True, **overrides) -> Response:
        """POST a form of `page` as a browser would; a redisplayed form (errors) fails the test."""
        action = urllib.parse.urljoin(page.url, form.action or page.url)
        resp = self.request("POST", action, form.values(**overrides))
        if expect_redirect and resp.status != 302:
            raise SmokeFailure(
                f"POST {action}: HTTP {resp.status}, expected a redirect; {form_errors(resp.text)}"
            )
        return resp

    def login(self, username: str, password: str) -> None:
        page = self.get("/login/")
        form = page.form_with("username")
        if self.cookie("csrftoken") is None:
            raise SmokeFailure("the login page set no csrftoken cookie")
        resp = self.submit(page, form, username=username, password=password)
        if "/login/" in resp.location:
            raise SmokeFailure(f"login as {username} failed")
        session = self.cookie("sessionid")
        if session is None:
            raise SmokeFailure(f"login as {username}: no session cookie")


def form_errors(html: str) -> str:
    """The text of Bootstrap/Django error blocks, to say why a form was redisplayed."""

    class Errors(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth = 0
            self.out: list[str] = []

        def handle_starttag(self, tag, attrs):
            cls = dict(attrs).get("class") or ""
            if self.depth or any(c in cls for c in ("errorlist", "invalid-feedback", "alert-danger")):
                self.depth += 1

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth and data.strip():
                self.out.append(data.strip())

    parser = Errors()
    parser.feed(html)
    return "; ".join(parser.out)[:600] or "(no error message found on the page)"
