"""Pinyin search keys of a customer (issue 17: 拼音搜索).

A salesperson on a phone types "hlgf" or "hengli" rather than 恒力股份: every list, picker and
admin autocomplete also matches the full pinyin (no tones) and the initials of the name and
the short name. The keys are stored (kept by the services, filled by a migration) so a search
is one `LIKE` on an indexed column, the same on SQLite and PostgreSQL.
"""

import re

from pypinyin import Style, lazy_pinyin

from .validators import clean_company_name, normalize_company_name

_NOT_KEY = re.compile(r"[^0-9a-z]+")
PINYIN_MAX = 255
KEYS_MAX = 1000


def _syllables(text: str, style) -> list[str]:
    # Non-Han runs (latin letters, digits) come back whole; they are split into words so that
    # "ABC电子" gives the initials "abcdz".
    return [_NOT_KEY.sub("", part.lower()) for part in lazy_pinyin(text, style=style, errors="default")]


def pinyin_full(text: str) -> str:
    """重庆长安 → "chongqingchangan" (pypinyin picks the reading of known phrases)."""
    return "".join(_syllables(clean_company_name(text), Style.NORMAL))


def pinyin_initials(text: str) -> str:
    """重庆长安 → "cqca"; latin and digits are kept whole."""
    return "".join(_syllables(clean_company_name(text), Style.FIRST_LETTER))


def customer_pinyin(name: str, short_name: str) -> tuple[str, str]:
    """(sort key, search keys): the name's full pinyin, and the full pinyin and initials of the
    name and the short name separated by spaces, so a match never straddles two of them."""
    parts = [pinyin_full(name), pinyin_initials(name), pinyin_full(short_name), pinyin_initials(short_name)]
    return pinyin_full(name)[:PINYIN_MAX], " ".join(p for p in parts if p)[:KEYS_MAX]


def search_key(q: str) -> str:
    """What a typed query is compared with: lower case letters and digits ("Heng Li" → "hengli")."""
    return _NOT_KEY.sub("", clean_company_name(q).lower())


def set_customer_keys(customer) -> None:
    """Fill the stored keys of an (unsaved) customer from its name and short name."""
    customer.name = clean_company_name(customer.name)
    customer.name_normalized = normalize_company_name(customer.name)
    customer.name_pinyin, customer.pinyin_keys = customer_pinyin(customer.name, customer.short_name or "")
