#!/usr/bin/env python
"""Fill translations into locale/zh_Hans/LC_MESSAGES/django.po and compile the .mo.

Reads lines `English msgid<TAB>中文 msgstr` from stdin (or files given as arguments); empty
and '#' lines are skipped. Existing translations are overwritten, fuzzy flags removed.
`--missing` prints the msgids still untranslated. Needs only polib (a dev dependency).
"""

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main(argv):
    po = polib.pofile(str(PO), wrapwidth=0)
    if "--missing" in argv:
        for e in po:
            if not e.obsolete and (not e.translated() or "fuzzy" in e.flags):
                print(e.msgid.replace("\n", "\\n"))
        return 0
    text = "".join(Path(a).read_text() for a in argv) if argv else sys.stdin.read()
    wanted = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        src, dst = line.split("\t", 1)
        wanted[src.replace("\\n", "\n")] = dst.replace("\\n", "\n")
    n = 0
    for e in po:
        if e.msgid in wanted:
            if e.msgid_plural:
                e.msgstr_plural = {0: wanted[e.msgid]}
            else:
                e.msgstr = wanted[e.msgid]
            if "fuzzy" in e.flags:
                e.flags.remove("fuzzy")
            e.previous_msgid = None
            n += 1
    po.save(str(PO))
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    print(f"{n} translations filled; {len([e for e in po if not e.translated() and not e.obsolete])} missing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
