"""HTML e-mail bodies to plain text, with the standard library's html.parser.

Why not a library (html2text, BeautifulSoup): an HTML-only e-mail needs only readable lines for the
agent, and one thing a generic converter does not give: `<blockquote>` (where Gmail, Apple Mail and
Outlook on the web put the quoted history) turned into "> " lines, so the quote stripper removes it
exactly as in a plain-text reply. That is ~60 lines here, and one dependency fewer.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = {"script", "style", "head", "title", "template", "noscript"}
_BLOCK = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre",
          "blockquote", "section", "article", "header", "footer", "address", "dl", "dt", "dd"}
_PARAGRAPH = {"p", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "blockquote", "ul", "ol"}
_SPACE = re.compile(r"\s+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._words: list[str] = []
        self._skip = 0
        self._quote = 0  # blockquote depth
        self._line_quote = 0  # the depth where the current line started
        self._pre = 0

    def _break(self, blank: bool = False) -> None:
        """End the current line; `blank` also leaves an empty line (paragraphs, `<br><br>`)."""
        line = "".join(self._words)
        self._words = []
        line = line.rstrip() if self._pre else _SPACE.sub(" ", line).strip()
        if line:
            self.lines.append("> " * self._line_quote + line)
        elif blank and self.lines and self.lines[-1] != "":
            self.lines.append("")
        self._line_quote = self._quote

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self._break(blank=tag in _PARAGRAPH or (tag == "br" and not "".join(self._words).strip()))
            if tag == "blockquote":
                self._quote += 1
                self._line_quote = self._quote
            elif tag == "pre":
                self._pre += 1
            elif tag == "li":
                self._words.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self._break(blank=tag in _PARAGRAPH)
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
                self._line_quote = self._quote
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:  # keep its line breaks
            first, *rest = data.split("\n")
            self._words.append(first)
            for part in rest:
                self._break()
                self._words.append(part)
            return
        self._words.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._break()
    return "\n".join(parser.lines).strip()
