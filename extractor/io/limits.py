"""Work caps checked on the bytes before a parser sees them: a small file must not become gigabytes in memory.

A ZIP package (DOCX) states each member's inflated size, and Python's ``zipfile`` never inflates a member past
it, so checking the directory bounds what parsing can allocate. Images are capped by pixels before decoding.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from extractor.errors import InputError


@dataclass(frozen=True)
class ZipLimits:
    """``max_inflated``: bytes of all members together; ``max_xml``: bytes of the XML parts (what an XML parser
    builds trees of); ``max_ratio``: inflated/compressed of one member larger than ``ratio_floor`` bytes."""

    max_inflated: int = 200 * 1024 * 1024
    max_xml: int = 40 * 1024 * 1024
    max_ratio: float = 200.0
    ratio_floor: int = 4 * 1024 * 1024
    max_members: int = 5000


ZIP_LIMITS = ZipLimits()


def check_zip(data: bytes, limits: ZipLimits = ZIP_LIMITS, what: str = "ZIP package") -> None:
    """Raise ``InputError`` when the package would inflate past ``limits`` (a decompression bomb), or when its
    central directory cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"corrupt or truncated {what}: {exc}") from exc
    if len(members) > limits.max_members:
        raise InputError(f"ZIP package has {len(members)} members (limit {limits.max_members})")
    total = sum(m.file_size for m in members)
    xml = sum(m.file_size for m in members if m.filename.endswith((".xml", ".rels")))
    if total > limits.max_inflated:
        raise InputError(f"ZIP package inflates to {total:,} bytes (limit {limits.max_inflated:,}): refused as a bomb")
    if xml > limits.max_xml:
        raise InputError(f"ZIP package holds {xml:,} bytes of XML (limit {limits.max_xml:,}): refused as a bomb")
    for m in members:
        if m.file_size > limits.ratio_floor and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise InputError(
                f"ZIP member {m.filename} inflates {ratio:,.0f}× ({m.file_size:,} bytes): refused as a bomb"
            )
