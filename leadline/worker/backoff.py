"""Retry timing: exponential backoff with jitter, so failed deliveries do not retry in lockstep."""

from __future__ import annotations

import random
from collections.abc import Callable


def delay(attempt: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Seconds before attempt `attempt + 1`: base·2^(attempt-1), capped, then "equal jitter" (a random
    point in its upper half) so a retry is never much sooner than planned yet retries spread out."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + rng() * ceiling / 2
