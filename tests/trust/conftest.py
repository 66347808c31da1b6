"""Shared set-up of the trust tests: a private media folder, files good and bad."""

import io
import zipfile

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _keep_the_language():
    """Requests sent with Accept-Language: en switch this thread's language; put it back."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a fresh folder; returns it so tests can assert nothing was left there."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def zip_bomb(marker: str) -> bytes:
    """~50 KB on disk, 50 MB unpacked: an Office file that expands 1000 times."""
    return zip_bytes(
        {marker: b"<x/>", "[Content_Types].xml": b"<Types/>", "bomb.xml": b"\x00" * (50 * 1024 * 1024)}
    )
