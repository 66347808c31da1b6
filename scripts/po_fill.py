"""Fill translations into locale/zh_Hans/LC_MESSAGES/django.po and compile the .mo (no gettext needed).

Usage: .venv/bin/python scripts/po_fill.py FILE.json   (a {"English msgid": "中文"} object)
       .venv/bin/python scripts/po_fill.py --list       (print what is untranslated or fuzzy)
Run `make messages` first so the new msgids are in the .po. Entries given here lose their fuzzy flag.
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main(argv: list[str]) -> int:
    po = polib.pofile(str(PO))
    if argv[1:] == ["--list"]:
        for e in po:
            if not e.obsolete and (not e.translated() or "fuzzy" in e.flags):
                print(json.dumps(e.msgid, ensure_ascii=False), "->", json.dumps(e.msgstr, ensure_ascii=False))
        return 0
    table = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    for e in po:
        if e.msgid in table:
            value = table[e.msgid]
            if e.msgid_plural:
                e.msgstr_plural = {0: value}
            else:
                e.msgstr = value
            if "fuzzy" in e.flags:
                e.flags.remove("fuzzy")
            e.previous_msgid = None
            e.previous_msgid_plural = None
            e.previous_msgctxt = None
    po.save(str(PO))
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
