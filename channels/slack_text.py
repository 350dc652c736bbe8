"""Slack message markup to the plain text a person typed, so extraction sees `jane@acme.io`, not
`<mailto:jane@acme.io|jane@acme.io>`.

Slack wraps links, mentions and special commands in `<…>` (optionally `<target|label>`) and escapes
exactly three characters in the rest: `&amp;`, `&lt;`, `&gt;`. Formatting marks (`*bold*`, `_it_`)
are left alone: they are what the person typed and evidence quotes must match it verbatim.
"""

from __future__ import annotations

import re

from agent.types import MAX_MESSAGE_CHARS

_MARKUP = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BROADCASTS = {"here", "channel", "everyone"}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # &amp; last: "&amp;lt;" is "&lt;"


def _link(target: str, label: str | None, bot_user_id: str | None) -> str:
    if target[:1] == "@":  # <@U123> or <@U123|jane>
        if bot_user_id and target[1:] == bot_user_id:
            return ""  # addressing the bot is not part of what they said
        return f"@{label or target[1:]}"
    if target[:1] == "#":  # <#C123|general>
        return f"#{label or target[1:]}"
    if target[:1] == "!":  # <!here>, <!subteam^S1|@sales>, <!date^…|fallback>
        name = target[1:].split("^", 1)[0]
        if name in _BROADCASTS:
            return f"@{name}"
        return label or ""
    if target.startswith("mailto:"):
        return target.removeprefix("mailto:")  # the address itself, whatever the label says
    if target.startswith("tel:"):
        return label or target.removeprefix("tel:")
    if not label:
        return target
    # Auto-linked text keeps what was typed (`<http://acme.io|acme.io>` -> `acme.io`); a link the
    # person labelled keeps both, so neither the words nor the address are lost.
    return label if label in target else f"{label} ({target})"


def to_plain_text(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack mrkdwn as received -> plain text, NULs removed, cut to what the agent reads."""
    parts: list[str] = []
    end = 0
    for m in _MARKUP.finditer(text):  # each piece unescaped once: "&amp;lt;" stays "&lt;"
        parts.append(_unescape(text[end:m.start()]))
        parts.append(_link(_unescape(m[1]), _unescape(m[2]) if m[2] is not None else None, bot_user_id))
        end = m.end()
    parts.append(_unescape(text[end:]))
    plain = "".join(parts).replace("\x00", "").strip()
    # Slack allows 40,000 characters, the agent reads 4,000: the rest is cut, never refused (a refused
    # event would be retried by Slack and then lost).
    return plain[:MAX_MESSAGE_CHARS]


def escape(text: str) -> str:
    """Plain text -> Slack text: the three characters Slack reads as markup are escaped, so a reply
    that quotes `<!channel>` does not ping a whole channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
