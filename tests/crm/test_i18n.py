"""The compiled catalogue must say exactly what the .po says (a fresh machine has no gettext)."""

from pathlib import Path

import polib
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_po_and_mo_agree():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    po_entries = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po.translated_entries()
        if not e.obsolete
    }
    mo_entries = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo if e.msgid
    }
    assert po_entries == mo_entries, "locale/zh_Hans: run `make messages` and commit the .mo"


def test_no_fuzzy_or_untranslated_strings():
    po = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not fuzzy, f"fuzzy translations: {fuzzy[:10]}"
    assert not missing, f"untranslated strings: {missing[:10]}"


def test_chinese_is_the_default_language(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Customers") == "客户"
