"""The project's URL conf enumerated, for tests that must cover every URL (a new one included)."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str | None  # "customers:detail"; None for unnamed admin patterns
    pattern: str  # "customers/<int:pk>/"
    params: tuple[str, ...]  # keyword arguments of the pattern

    def path(self, **values) -> str:
        """The URL with each parameter replaced by `values[name]` (default 1)."""
        out = self.pattern
        for key in self.params:
            default = "00000000-0000-0000-0000-000000000001" if f"<uuid:{key}>" in out else 1
            out = re.sub(r"<(?:\w+:)?" + key + ">", str(values.get(key, default)), out)
        out = out.replace("(?P<url>.*)$", "nowhere/").lstrip("^")
        return "/" + out


def _walk(resolver, prefix="", namespace=None):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = p.name and (f"{namespace}:{p.name}" if namespace else p.name)
            pattern = prefix + str(p.pattern)
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern)) + tuple(
                re.findall(r"\(\?P<(\w+)>", pattern)
            )
            yield Route(name=name, pattern=pattern, params=params)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def app_routes() -> list[Route]:
    """Every route outside the Django admin (the admin is checked per model)."""
    return [r for r in all_routes() if not r.pattern.startswith("admin/")]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.pattern.startswith("admin/")]
