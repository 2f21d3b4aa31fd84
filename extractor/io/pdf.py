"""PDF text layer → text (pdfplumber; one page after another, pages separated by a form feed line).

The joined page text is the report's original text: output spans point into it.
"""

from __future__ import annotations

import io
import logging

from extractor.errors import InputError

log = logging.getLogger(__name__)
PAGE_BREAK = "\n\f\n"


def pdf_text(data: bytes) -> str:
    """Raises ``InputError`` for a corrupt or encrypted PDF, or one with no text layer."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except PDFPasswordIncorrect as exc:
        raise InputError("encrypted PDF (password required)") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"corrupt or truncated PDF: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # pdfminer raises many private exception types on damaged files
        if "pdfminer" in type(exc).__module__ or "pdfplumber" in type(exc).__module__:
            raise InputError(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
        raise
    text = PAGE_BREAK.join(pages)
    if not text.strip():
        raise InputError(f"PDF has no text layer ({len(pages)} pages); it needs OCR")
    return text
