"""Page pictures for the review page: a PDF page rendered by pypdfium2, or the image itself, as PNG at a width
a screen shows, with the scale from the boxes' units (PDF points, image pixels) to the picture's pixels."""

from __future__ import annotations

import io
from collections.abc import Iterable

from extractor.types import SourceDoc
from extractor.view import PagePicture

WIDTH = 900  # pixels across a page picture
MAX_PAGES = 12  # pictures per page at most (the pages that hold cells, in order)


def page_pictures(source: SourceDoc, data: bytes, pages: Iterable[int]) -> list[PagePicture]:
    """Pictures of ``pages`` (1-based) of a PDF or image ``source``; none for other formats. A page that cannot
    be rendered is left out (the page shows the text alone)."""
    wanted = sorted(set(pages))[:MAX_PAGES]
    if not wanted:
        return []
    if source.format == "pdf":
        return _pdf_pages(data, wanted)
    if source.format == "image" and 1 in wanted:
        return _image(data)
    return []


def _png(image) -> bytes:  # a PIL image
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _pdf_pages(data: bytes, pages: list[int]) -> list[PagePicture]:
    import pypdfium2 as pdfium

    out = []
    pdf = pdfium.PdfDocument(data)
    try:
        for number in pages:
            if not 1 <= number <= len(pdf):
                continue
            page = pdf[number - 1]
            scale = WIDTH / max(1.0, page.get_width())
            image = page.render(scale=scale).to_pil().convert("L")
            out.append(PagePicture(number, _png(image), image.width, image.height, scale))
    finally:
        pdf.close()
    return out


def _image(data: bytes) -> list[PagePicture]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        scale = min(1.0, WIDTH / max(1, img.width))
        shown = img.convert("L").resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    return [PagePicture(1, _png(shown), shown.width, shown.height, scale)]
