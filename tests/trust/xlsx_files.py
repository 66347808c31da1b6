"""Workbooks built by hand (zip + XML), for files openpyxl would never write: a million rows in a
few seconds, entity tricks, an encrypted workbook."""

import io
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_OPEN = '<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_CLOSE = "</sheetData></worksheet>"


def _cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _row(n: int, values) -> str:
    cols = "ABCDEFGHIJ"
    return f'<row r="{n}">' + "".join(_cell(f"{cols[i]}{n}", v) for i, v in enumerate(values)) + "</row>"


def _package(zf) -> None:
    """The parts every workbook has besides its sheet."""
    zf.writestr("[Content_Types].xml", CONTENT_TYPES)
    zf.writestr("_rels/.rels", ROOT_RELS)
    zf.writestr("xl/workbook.xml", WORKBOOK)
    zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)


def workbook(rows, *, doctype: str = "", sheet_xml: str | None = None) -> bytes:
    """An xlsx whose first sheet holds `rows` (an iterable of lists of strings), streamed to the zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        _package(zf)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            if sheet_xml is not None:
                fh.write(sheet_xml.encode())
            else:
                fh.write(SHEET_OPEN.format(doctype=doctype).encode())
                buf = []
                for n, values in enumerate(rows, start=1):
                    buf.append(_row(n, values))
                    if len(buf) >= 5000:
                        fh.write("".join(buf).encode())
                        buf.clear()
                fh.write(("".join(buf) + SHEET_CLOSE).encode())
    return out.getvalue()


def million_rows(n: int = 1_000_000) -> bytes:
    """A header and `n` data rows (~32 MB of XML, ~5 MB zipped), written in about two seconds."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        _package(zf)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write((SHEET_OPEN.format(doctype="") + "<row>" + _cell("A1", "客户名称") + "</row>").encode())
            step = 50_000
            for start in range(0, n, step):
                fh.write(
                    "".join(
                        f"<row><c><v>{i}</v></c></row>" for i in range(start, min(n, start + step))
                    ).encode()
                )
            fh.write(SHEET_CLOSE.encode())
    return out.getvalue()


def sparse_sheet(last_row: int = 1_048_576) -> bytes:
    """Two rows, the second at the sheet's last row: a reader that fills the gap sees a million rows."""
    sheet = SHEET_OPEN.format(doctype="") + _row(1, ["客户名称"]) + _row(last_row, ["公司X"]) + SHEET_CLOSE
    return workbook([], sheet_xml=sheet)


def billion_laughs() -> bytes:
    doctype = (
        '<!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]>"
    )
    sheet = SHEET_OPEN.format(doctype=doctype) + _row(1, ["客户名称"]) + _row(2, ["&i;"]) + SHEET_CLOSE
    return workbook([], sheet_xml=sheet)


def external_entity(path: str = "/etc/passwd") -> bytes:
    doctype = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{path}">]>'
    sheet = SHEET_OPEN.format(doctype=doctype) + _row(1, ["客户名称"]) + _row(2, ["&xxe;"]) + SHEET_CLOSE
    return workbook([], sheet_xml=sheet)


def encrypted_workbook() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 compound file, not a zip."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptionInfo EncryptedPackage".encode("utf-16-le") * 20
    )
