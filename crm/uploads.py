"""Checking uploaded files before anything is stored (documents, evidence, photos, attachments).

The type is decided by the file's content (magic bytes), never by its name or the browser's
claim: an executable renamed .pdf, an SVG or HTML page with script, an empty file, an
oversized file or a zip bomb disguised as .docx/.xlsx is refused with a message in Chinese.
"""

import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Office Open XML files are zips; refuse ones that expand by more than this ratio or that have
# this many parts. The unpacked sizes (per part and in all) are settings: OFFICE_MAX_PART_BYTES,
# OFFICE_MAX_UNPACKED_BYTES.
ZIP_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 2000
# A relationship that points outside the file is only acceptable as a hyperlink: an attached
# template, an OLE object, a frame or an external workbook is fetched when the file is opened.
_HYPERLINK_REL = "/hyperlink"


@dataclass(frozen=True)
class FileKind:
    ext: str
    content_type: str


PDF = FileKind("pdf", "application/pdf")
JPEG = FileKind("jpg", "image/jpeg")
PNG = FileKind("png", "image/png")
WEBP = FileKind("webp", "image/webp")
GIF = FileKind("gif", "image/gif")
HEIC = FileKind("heic", "image/heic")
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

DOCUMENTS = (PDF, JPEG, PNG, WEBP, DOCX, XLSX)
IMAGES = (JPEG, PNG, WEBP, GIF, HEIC)


def _sniff(head: bytes) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"heif"):
        return HEIC
    if head.startswith(b"PK\x03\x04"):
        return DOCX  # refined by _check_zip
    return None


def _check_zip(f) -> FileKind:
    """An Office file's parts, checked from the zip's directory before anything parses them.

    The declared unpacked sizes are enough: Python's zipfile (which openpyxl reads through)
    never returns more than a part declares, it fails the CRC check instead. Macros
    (vbaProject.bin) and external references other than hyperlinks are refused.
    """
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_MEMBERS:
                raise ValidationError(
                    _("The file contains too many parts and was refused."), code="zip_members"
                )
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            largest = max((i.file_size for i in infos), default=0)
            if (
                largest > settings.OFFICE_MAX_PART_BYTES
                or total > settings.OFFICE_MAX_UNPACKED_BYTES
                or total / packed > ZIP_MAX_RATIO
            ):
                raise ValidationError(
                    _(
                        "The file expands to an abnormal size (more than %(mb)d MB, one part at most %(part)d MB) and was refused."
                    )
                    % {
                        "mb": settings.OFFICE_MAX_UNPACKED_BYTES // (1024 * 1024),
                        "part": settings.OFFICE_MAX_PART_BYTES // (1024 * 1024),
                    },
                    code="zip_bomb",
                )
            names = {i.filename for i in infos}
            if any(n.lower().rsplit("/", 1)[-1] in ("vbaproject.bin", "vbadata.xml") for n in names):
                raise ValidationError(_("The file contains macros and was refused."), code="macros")
            for name in names:
                if name.endswith(".rels") and _has_external_reference(zf.read(name)):
                    raise ValidationError(
                        _("The file refers to an external template or object and was refused."),
                        code="external_ref",
                    )
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The file is damaged and cannot be read."), code="corrupt") from exc
    finally:
        f.seek(0)
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    raise ValidationError(_("This type of file is not accepted."), code="file_type")


def _has_external_reference(rels: bytes) -> bool:
    """A relationship with TargetMode="External" that is not a hyperlink (attachedTemplate, oleObject, ...)."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(rels)
    except (ElementTree.ParseError, DefusedXmlException):
        return True  # a relationships part that does not parse is not trusted
    for rel in root:
        if (rel.get("TargetMode") or "").lower() == "external" and not (rel.get("Type") or "").endswith(
            _HYPERLINK_REL
        ):
            return True
    return False


def validate_upload(
    f, *, allowed: tuple[FileKind, ...] = DOCUMENTS, max_bytes: int | None = None
) -> FileKind:
    """Check an uploaded file; returns its real kind or raises ValidationError (in Chinese)."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    name = os.path.basename(getattr(f, "name", "") or "")
    if not name or name in (".", "..") or "/" in getattr(f, "name", "") or "\\" in getattr(f, "name", ""):
        raise ValidationError(_("The file name is not valid."), code="file_name")
    size = getattr(f, "size", None)
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)d MB).") % {"mb": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    f.seek(0)
    head = f.read(16)
    f.seek(0)
    kind = _sniff(head)
    if kind is DOCX:
        kind = _check_zip(f)
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("This type of file is not accepted. Allowed: %(types)s.")
            % {"types": ", ".join(k.ext.upper() for k in allowed)},
            code="file_type",
        )
    return kind


def upload_store(record, f, kind: FileKind) -> None:
    """Store a checked upload `f` in `record.file` (named by its real kind; the storage makes the
    name unique) and save the row; a row that fails to save leaves no orphan file behind."""
    record.file.save(kind.ext, f, save=False)
    name, storage = record.file.name, record.file.storage
    try:
        record.save()
    except Exception:
        storage.delete(name)
        raise


def safe_display_name(name: str) -> str:
    """The uploader's file name reduced to a harmless base name, for display and download."""
    base = os.path.basename((name or "").replace("\\", "/")).strip().lstrip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base[:150] or "file"


def file_response(fieldfile, *, name: str, content_type: str, inline: bool = False):
    """Serve a stored upload after the caller checked who may see it.

    Downloads are attachments (images may be shown inline), never sniffed, sandboxed if a
    browser renders them anyway, and not cached by shared caches. A file missing on disk is
    a 404, not a server error.
    """
    from django.http import FileResponse, Http404

    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=name or "file",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
