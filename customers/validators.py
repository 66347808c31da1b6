"""Validators for Chinese identifiers: the unified social credit code and mobile numbers."""

import re
import unicodedata

import zhconv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V); the 18th is a check
# character computed from the first 17 with these weights, modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


# Invisible characters that change how text is shown or compared but not how it looks:
# bidirectional overrides (a name shown reversed: "公司\u202efdp.exe"), zero-width spaces and
# the byte-order mark (two "equal" names that the uniqueness and blacklist checks would miss).
# The zero-width joiner is kept: emoji sequences need it.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalize_text(value: str) -> str:
    """Full-width letters and digits to half-width (NFKC), invisible controls removed, spaces trimmed."""
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", value or "")).strip()


def normalize_credit_code(value: str) -> str:
    return re.sub(r"\s+", "", normalize_text(value)).upper()


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("The unified social credit code must have 18 characters (this one has %(n)d)."),
            code="credit_code_length",
            params={"n": len(code)},
        )
    if not _CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _(
                "The unified social credit code contains characters that are not allowed (I, O, Z, S, V or symbols)."
            ),
            code="credit_code_chars",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of the unified social credit code is wrong; please check the code."),
            code="credit_code_check",
        )


def normalize_mobile(value: str) -> str:
    """Full-width digits, spaces, dashes and a +86 / 0086 prefix removed."""
    v = re.sub(r"[\s\-()]", "", normalize_text(value))
    for prefix in ("+86", "0086"):
        if v.startswith(prefix):
            v = v[len(prefix) :]
    return v


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter a valid mainland China mobile number (11 digits starting with 13-19)."), code="mobile"
        )


# Default-ignorable code points (Unicode DerivedCoreProperties): shown as nothing, so a name
# with one of them looks like the name without it. Every format character (Cf) is removed too.
_DEFAULT_IGNORABLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def _strip_invisible(value: str) -> str:
    value = _DEFAULT_IGNORABLE_RE.sub("", value)
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def clean_company_name(value: str) -> str:
    """The name as displayed: as typed, less invisible characters, spaces trimmed and collapsed."""
    return re.sub(r"\s+", " ", _strip_invisible(value or "")).strip()


def normalize_company_name(value: str) -> str:
    """The matching key of a company name (issue 13.2): the one function admission (blacklist),
    name uniqueness, search and the import compare names with.

    NFKC (full width to half width), every default-ignorable and format (Cf) code point removed,
    traditional Chinese folded to simplified (zhconv: 電 → 电), case folded, punctuation, symbols
    and spaces removed. "恒力（苏州）電子 有限公司" and "恒力苏州电子有限公司" share one key.
    """
    # Invisible characters are removed before and after NFKC: U+3164 and U+FFA0 (Hangul
    # fillers) become U+1160 under NFKC, itself invisible.
    v = _strip_invisible(unicodedata.normalize("NFKC", clean_company_name(value)))
    v = zhconv.convert(v, "zh-hans").casefold()
    v = unicodedata.normalize("NFKC", v)
    return "".join(ch for ch in v if unicodedata.category(ch)[0] not in "PZSC")[:200]
