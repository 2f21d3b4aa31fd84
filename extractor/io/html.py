"""HTML → text with an offset map into the HTML source.

Block elements end lines, table cells are separated by tabs and rows by newlines, an empty cell (or one
holding only ``&nbsp;``) becomes the blank marker ``—`` mapped to the cell's content in the source.
Scripts, styles and the document head are dropped, and so is page chrome: ``<nav>``, ``<aside>``,
``<footer>`` and elements whose class or id names a menu, breadcrumb, footer, sidebar or share bar. The
``<title>`` is kept as a hint for the metadata.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from extractor.offsets import OffsetMap, TextBuilder

BLANK_MARK = "—"
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "table",
        "tr",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "hr",
        "dl",
        "dt",
        "dd",
    ]
)
_SKIP = frozenset({"script", "style", "noscript", "head", "template", "svg", "iframe"})
# Page chrome around the report: HTML5 navigation landmarks, and elements whose class or id names them.
_CHROME_TAGS = frozenset({"nav", "aside", "footer"})
_CHROME_NAME = re.compile(
    r"(^|[-_\s])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|sidebar|share|copyright|topbar)($|[-_\s])", re.I
)
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"})


def is_chrome(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in _CHROME_TAGS:
        return True
    names = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
    return bool(names) and _CHROME_NAME.search(names) is not None


class _Renderer(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.out = TextBuilder(len(source))
        self.skip_depth = 0
        self.chrome: list[str] = []  # open elements since entering page chrome (its text is left out)
        self.in_title = False
        self.title: list[str] = []
        self.cell_depth = 0
        self.cells_in_row = 0
        self.cell_start = 0
        self.cell_has_text = False

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _tag_end(self) -> int:
        start = self._pos()
        end = self.source.find(">", start)
        return len(self.source) if end < 0 else end + 1

    def _newline(self) -> None:
        if self.out.last_char() not in ("", "\n"):
            self.out.insert("\n", self._pos())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID and (self.chrome or (not self.skip_depth and is_chrome(tag, attrs))):
            self.chrome.append(tag)
            return
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if tag == "title":
            self.in_title = True
        if self.skip_depth:
            return
        if tag in ("td", "th"):
            if self.cells_in_row:
                self.out.insert("\t", self._pos())
            self.cells_in_row += 1
            self.cell_depth += 1
            self.cell_start = self._tag_end()
            self.cell_has_text = False
        elif tag == "tr":
            self._newline()
            self.cells_in_row = 0
        elif tag in _BLOCK and not (self.cell_depth and tag in ("br", "p", "div")):
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.chrome:
            if tag in self.chrome:  # close up to the matching element (tolerates unclosed children)
                del self.chrome[len(self.chrome) - 1 - self.chrome[::-1].index(tag) :]
            return
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "title":
            self.in_title = False
        if self.skip_depth:
            return
        if tag in ("td", "th") and self.cell_depth:
            self.cell_depth -= 1
            if not self.cell_has_text:
                self.out.replace(BLANK_MARK, self.cell_start, self._pos())
        elif tag == "tr" or (tag in _BLOCK and not self.cell_depth):
            self._newline()

    def _text(self, text: str, start: int, end: int) -> None:
        if self.in_title:
            self.title.append(text)
        if self.skip_depth or self.chrome:
            return
        if text.strip():
            self.cell_has_text = True
        self.out.replace(text, start, end)

    def handle_data(self, data: str) -> None:
        start = self._pos()
        # Source whitespace (line breaks inside a paragraph) is not layout: fold it to spaces.
        folded = "".join(" " if ch in "\r\n\t\xa0" else ch for ch in data)
        self._text(folded, start, start + len(data))

    def handle_entityref(self, name: str) -> None:
        start = self._pos()
        end = start + len(name) + 2 if self.source.startswith(";", start + len(name) + 1) else start + len(name) + 1
        char = html.unescape(self.source[start:end])
        self._text(" " if char == "\xa0" else char, start, end)

    def handle_charref(self, name: str) -> None:
        start = self._pos()
        end = self.source.find(";", start)
        end = start + len(name) + 2 if end < 0 else end + 1
        char = html.unescape(self.source[start:end])
        self._text(" " if char == "\xa0" else char, start, end)


def render_html(source: str) -> tuple[str, OffsetMap, str | None]:
    """Return ``(text, offsets into source, title or None)``."""
    parser = _Renderer(source)
    parser.feed(source)
    parser.close()
    text, offsets = parser.out.build()
    title = "".join(parser.title).strip() or None
    return text, offsets, title
