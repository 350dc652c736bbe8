"""An SMTP sink (aiosmtpd) on 127.0.0.1 that keeps every message it receives, parsed."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    messages: list[Received] = field(default_factory=list)
    _controller: Controller | None = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls handle_DATA by name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        with socket.socket() as s:  # aiosmtpd needs a concrete port
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._controller is not None
        self._controller.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        assert self._controller is not None
        return int(self._controller.port)

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)
