"""How a transport reports a failed send to the worker."""

from __future__ import annotations


class DeliveryError(Exception):
    """`retryable=False` dead-letters at once (bad configuration: another try cannot succeed);
    `retry_after` (seconds) is the receiver's own wish (429/503 Retry-After)."""

    def __init__(self, message: str, *, retryable: bool = True, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.retryable, self.retry_after, self.status = retryable, retry_after, status


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as delta seconds (the HTTP-date form is rare from APIs and treated as absent)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
