"""Inbound e-mail, parsed and normalised (pure: no I/O). Used by the SMTP server and the webhooks.

`parse_bytes` reads a whole MIME message (SMTP, SendGrid raw mode); `parse_fields` reads a header
block plus text/HTML bodies (SendGrid parsed mode, Mailgun routes). Both give one `ParsedEmail`:
sender, recipients, thread ids, the visitor's text (text/plain preferred, HTML converted, quoted
history stripped, signature block kept for contact extraction) and why it came from a robot.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.parser import Parser
from email.utils import getaddresses, parseaddr

from agent.types import MAX_MESSAGE_CHARS
from channels.email_html import html_to_text

MAX_ID_CHARS = 500  # InboundMessage.provider_message_id / thread_id
MAX_REFERENCES = 20
_MSGID = re.compile(r"<[^<>\s]+>")
_ROBOT_SENDERS = ("mailer-daemon", "postmaster")

# Where a quoted history starts (en/es/pt, plus fr/de as they are cheap):
# "On Mon, 23 Nov 2026 at 10:02, Ana <ana@x.com> wrote:" (Gmail may wrap it onto two lines).
_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:on|el|em|le|am)\b[^\n]{0,200}?(?:\n[^\n]{0,120}?)?"
    r"(?:wrote|escribió|escreveu|a écrit|schrieb)[ \t]*:[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Outlook: "-----Original Message-----" or a "From: … / Sent: …" header block (top-posted, no ">").
_OUTLOOK = re.compile(
    r"^[ \t]*(?:-{2,}[ \t]*(?:original message|mensaje original|mensagem original|message d'origine)[ \t]*-{2,}"
    r"|(?:from|de|von)[ \t]*:[^\n]*\n(?:[^\n]*\n){0,2}?[ \t]*(?:sent|date|enviado|enviada|gesendet|envoyé)\b[^\n]*:)",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATOR = re.compile(r"^[ \t]*(?:_{8,}|-{8,})[ \t]*$")
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|res|sv|antw|r)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedEmail:
    from_address: str  # lower case; "" when there is none
    from_name: str | None
    reply_to: str | None
    recipients: list[str]  # the envelope's when known (SMTP RCPT, provider envelope), else To + Cc
    subject: str
    message_id: str  # "<…>"; a content hash when the message has none, so a redelivery dedupes
    in_reply_to: str | None
    references: list[str] = field(default_factory=list)
    text: str = ""  # what the visitor wrote (see visitor_text)
    robot: str | None = None  # why it must never be answered (RFC 3834), None for a person
    # A bounce (failed delivery report): the Message-IDs of the undelivered messages it returns.
    bounced_ids: list[str] = field(default_factory=list)

    @property
    def is_robot(self) -> bool:
        return self.robot is not None

    @property
    def reply_address(self) -> str:
        return self.reply_to or self.from_address

    @property
    def thread_candidates(self) -> list[str]:
        """Ids of earlier messages of the thread, nearest first."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        return list(dict.fromkeys(ids))

    @property
    def thread_root(self) -> str:
        """The thread's first message: what a new conversation is keyed by when no earlier message is known."""
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id

    @property
    def reply_chain(self) -> list[str]:
        """The References of a reply to this message (RFC 5322 3.6.4), trimmed but keeping the root."""
        chain = [*self.references, self.message_id] if self.references else \
            [*([self.in_reply_to] if self.in_reply_to else []), self.message_id]
        chain = list(dict.fromkeys(chain))
        return chain if len(chain) <= MAX_REFERENCES else [chain[0], *chain[-(MAX_REFERENCES - 1):]]


# -- entry points -----------------------------------------------------------------------------------
def parse_bytes(raw: bytes, *, envelope_from: str | None = None,
                envelope_to: list[str] | None = None) -> ParsedEmail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    text, html = _bodies(msg)
    parsed = _normalise(msg, text, html, envelope_from=envelope_from, envelope_to=envelope_to,
                        is_report=msg.get_content_type() == "multipart/report", fallback_id=raw)
    failed = _failed_delivery_ids(msg)
    return replace(parsed, bounced_ids=failed) if failed and parsed.is_robot else parsed


def parse_fields(headers: str, *, text: str | None, html: str | None, envelope_from: str | None = None,
                 envelope_to: list[str] | None = None, defaults: dict[str, str] | None = None) -> ParsedEmail:
    """A header block ("Name: value" lines) and bodies a provider already decoded. `defaults` fill
    headers the block lacks (providers also send from/to/subject as separate fields)."""
    msg = Parser(policy=email.policy.default).parsestr(headers.strip("\r\n") + "\n\n", headersonly=True)
    assert isinstance(msg, EmailMessage)
    for name, value in (defaults or {}).items():
        if value and name not in msg:
            msg[name] = _one_line(value)
    fallback = "\x1f".join([str(msg.get("from", "")), str(msg.get("subject", "")), text or "", html or ""])
    return _normalise(msg, text, html, envelope_from=envelope_from, envelope_to=envelope_to,
                      is_report="multipart/report" in str(msg.get("content-type", "")).lower(),
                      fallback_id=fallback.encode("utf-8", "replace"))


def header_block(pairs: list[tuple[str, str]] | list[list[str]]) -> str:
    """Mailgun's `message-headers` (a JSON list of [name, value]) as a header block."""
    return "".join(f"{name}: {_one_line(value)}\n" for name, value in pairs if name and ":" not in name)


# -- normalising ------------------------------------------------------------------------------------
def _normalise(msg: EmailMessage, text: str | None, html: str | None, *, envelope_from: str | None,
               envelope_to: list[str] | None, is_report: bool, fallback_id: bytes) -> ParsedEmail:
    from_name, from_address = parseaddr(_header(msg, "from"))
    reply_to = parseaddr(_header(msg, "reply-to"))[1].lower() or None
    recipients = [a for a in (envelope_to or []) if a]
    if not recipients:
        recipients = [addr for _, addr in getaddresses([_header(msg, "to"), _header(msg, "cc")]) if addr]
    message_ids = _ids(_header(msg, "message-id"))
    message_id = message_ids[0] if message_ids else \
        f"<{hashlib.sha256(fallback_id).hexdigest()[:40]}@no-message-id.invalid>"
    in_reply_to = next(iter(_ids(_header(msg, "in-reply-to"))), None)
    references = _ids(_header(msg, "references"))
    body = text if text and text.strip() else (html_to_text(html) if html else "")
    return ParsedEmail(
        from_address=from_address.strip().lower(),
        from_name=from_name.strip() or None,
        reply_to=reply_to if reply_to and "@" in reply_to else None,
        recipients=list(dict.fromkeys(r.strip().lower() for r in recipients)),
        subject=_header(msg, "subject").strip(),
        message_id=_fit_id(message_id),
        in_reply_to=_fit_id(in_reply_to) if in_reply_to else None,
        references=[_fit_id(r) for r in references if r != message_id],
        text=strip_quoted(body),
        robot=robot_reason(msg, from_address, envelope_from, is_report),
    )


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # a header the policy cannot parse: read it raw
        value = next((v for k, v in msg.raw_items() if k.lower() == name), None)
    return _one_line(str(value)) if value is not None else ""


def _one_line(value: str) -> str:
    return re.sub(r"[\r\n]+[ \t]*", " ", value).strip()


def _ids(value: str) -> list[str]:
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():  # a bare id without angle brackets
        found = [f"<{value.strip().strip('<>')}>"]
    return list(dict.fromkeys(found))


def _fit_id(message_id: str) -> str:
    if len(message_id) <= MAX_ID_CHARS:
        return message_id
    return f"<{hashlib.sha256(message_id.encode()).hexdigest()}@long-message-id.invalid>"


def _bodies(msg: EmailMessage) -> tuple[str | None, str | None]:
    """The text/plain and text/html bodies (attachments skipped), charsets decoded."""
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return (_part_text(plain) if plain is not None else None,
            _part_text(html) if html is not None else None)


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError):  # unknown charset, broken encoding
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def _failed_delivery_ids(msg: EmailMessage) -> list[str]:
    """A delivery status report (RFC 3464) with `Action: failed`: the returned message's ids."""
    failed, ids = False, []
    for part in msg.walk():
        kind = part.get_content_type()
        try:
            if kind == "message/delivery-status":
                failed |= any(str(f.get("action", "")).strip().lower() == "failed" for f in part.get_payload())
            elif kind in ("message/rfc822", "text/rfc822-headers"):
                inner = part.get_content()
                if isinstance(inner, str):
                    inner = Parser(policy=email.policy.default).parsestr(inner, headersonly=True)
                ids += _ids(_header(inner, "message-id"))
        except (TypeError, ValueError, LookupError, AttributeError):  # a malformed report part
            continue
    return ids if failed else []


# -- robots (RFC 3834) --------------------------------------------------------------------------------
def robot_reason(msg: EmailMessage, from_address: str, envelope_from: str | None, is_report: bool) -> str | None:
    """Why a message came from a machine and must never be answered (two robots would loop)."""
    auto = _header(msg, "auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "precedence").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id"):
        if name in msg:
            return f"{name} header"
    if is_report:
        return "delivery or read report (multipart/report)"
    return_path = _header(msg, "return-path")
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "empty envelope sender (a bounce)"
    if "return-path" in msg and return_path.strip() in ("", "<>"):
        return "empty Return-Path (a bounce)"
    local = from_address.split("@")[0].lower()
    if local in _ROBOT_SENDERS:
        return f"sender {local}@"
    if envelope_from and envelope_from.split("@")[0].strip("<").lower() in _ROBOT_SENDERS:
        return "envelope sender is a mailer daemon"
    return None


# -- the visitor's text -----------------------------------------------------------------------------
def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted history removed (">" lines, "On … wrote:" attributions,
    Outlook's original-message headers and everything under them); the signature block stays for
    contact extraction. A message that is only history is kept whole rather than emptied."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    kept = text
    outlook = _OUTLOOK.search(kept)
    if outlook is not None:
        kept = kept[:outlook.start()]
    attribution = _ATTRIBUTION.search(kept)
    if attribution is not None:
        after = kept[attribution.end():].lstrip("\n")
        if after.startswith(">") or not after.strip():  # the quote follows: answers below it are kept
            kept = kept[:attribution.start()] + "\n" + after
        else:  # history without ">" (converted HTML, some clients): everything below is history
            kept = kept[:attribution.start()]
    lines = [line for line in kept.split("\n") if not line.lstrip().startswith(">")]
    while lines and (not lines[-1].strip() or _SEPARATOR.match(lines[-1])):
        lines.pop()
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
    return result if result else text.strip()


def visitor_text(parsed: ParsedEmail, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """What the agent reads: the subject of a thread's first message (often the whole request: "Pricing
    for 40 seats") and the stripped body, cut to the agent's limit keeping the head and the tail (the
    signature block), never refused."""
    subject = _REPLY_PREFIX.sub("", parsed.subject).replace("\x00", "").strip()
    body = parsed.text.strip()
    first = parsed.in_reply_to is None and not parsed.references
    if first and subject and subject.lower() not in body.lower():
        body = f"{subject}\n\n{body}" if body else subject
    elif not body:
        body = subject
    if len(body) <= limit:
        return body
    marker = "\n[…]\n"
    tail = min(800, limit // 4)
    head = limit - tail - len(marker)
    cut = body.rfind("\n", 0, head)
    head_text = body[:cut if cut > head // 2 else head].rstrip()
    return head_text + marker + body[-tail:].lstrip()
