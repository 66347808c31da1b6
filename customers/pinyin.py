"""Pinyin search keys of a customer (issue 17: 拼音搜索).

A salesperson on a phone types "hlgf" or "hengli" rather than 恒力股份: every list, picker and
admin autocomplete also matches the full pinyin (no tones) and the initials of the name and
the short name. The keys are stored (kept by the services, filled by a migration) so a search
is one `LIKE` on an indexed column, the same on SQLite and PostgreSQL.
"""

import re

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from .validators import clean_company_name, normalize_company_name

_NOT_KEY = re.compile(r"[^0-9a-z]+")
PINYIN_MAX = 255
KEYS_MAX = 1000


_NOT_HAN = "\x00"  # marks a run that pypinyin returned as written (latin letters, digits)
_SEGMENTS_REMEMBERED = 50_000


def _not_han(run: str) -> str:
    return _NOT_HAN + run


class _RememberingConverter(UltimateConverter):
    """pypinyin's converter (as `lazy_pinyin` makes it), remembering the syllables of each word
    the text is cut into: company names share most of theirs (有限公司, 科技, 实业, the cities),
    so an import of 10,000 names converts each word once (bench, issue 15)."""

    def __init__(self):
        super().__init__()
        self._seen = {}

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        key = (words, style, heteronym, errors, strict)
        syllables = self._seen.get(key)
        if syllables is None:
            if len(self._seen) >= _SEGMENTS_REMEMBERED:
                self._seen.clear()
            syllables = self._seen[key] = super().convert(words, style, heteronym, errors, strict, **kwargs)
        return [list(s) for s in syllables]  # the caller's lists, never the remembered ones


_pinyin = Pinyin(_RememberingConverter())


def _syllables(text: str) -> list[tuple[str, bool]]:
    """(syllable, is_han) of a text, in one pypinyin pass: a Han character gives its pinyin (no
    tones), a non-Han run comes back whole, split into words so that "ABC电子" gives "abcdz"."""
    parts = _pinyin.lazy_pinyin(text, style=Style.NORMAL, errors=_not_han)
    return [(_NOT_KEY.sub("", part.lower()), not part.startswith(_NOT_HAN)) for part in parts]


def _full_and_initials(text: str) -> tuple[str, str]:
    """重庆长安 → ("chongqingchangan", "cqca"): the initials are the first letter of each Han
    syllable (pypinyin's FIRST_LETTER style), non-Han runs kept whole."""
    syllables = _syllables(clean_company_name(text))
    full = "".join(s for s, _han in syllables)
    initials = "".join((s[:1] if han else s) for s, han in syllables)
    return full, initials


def pinyin_full(text: str) -> str:
    """重庆长安 → "chongqingchangan" (pypinyin picks the reading of known phrases)."""
    return _full_and_initials(text)[0]


def pinyin_initials(text: str) -> str:
    """重庆长安 → "cqca"; latin and digits are kept whole."""
    return _full_and_initials(text)[1]


def customer_pinyin(name: str, short_name: str) -> tuple[str, str]:
    """(sort key, search keys): the name's full pinyin, and the full pinyin and initials of the
    name and the short name separated by spaces, so a match never straddles two of them."""
    name_full, name_initials = _full_and_initials(name)
    short_full, short_initials = _full_and_initials(short_name) if short_name else ("", "")
    parts = [name_full, name_initials, short_full, short_initials]
    return name_full[:PINYIN_MAX], " ".join(p for p in parts if p)[:KEYS_MAX]


def search_key(q: str) -> str:
    """What a typed query is compared with: lower case letters and digits ("Heng Li" → "hengli")."""
    return _NOT_KEY.sub("", clean_company_name(q).lower())


def set_customer_keys(customer) -> None:
    """Fill the stored keys of an (unsaved) customer from its name and short name."""
    customer.name = clean_company_name(customer.name)
    customer.name_normalized = normalize_company_name(customer.name)
    customer.name_pinyin, customer.pinyin_keys = customer_pinyin(customer.name, customer.short_name or "")
