"""A found contact value with where it sits in the message, shared by the contact rule modules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from agent.extraction.base import ContactField

Source = Literal["chat", "signature", "profile"]


@dataclass(slots=True)
class Found:
    field: ContactField
    value: str
    start: int  # span in the (quote-stripped) message text, used for corrections and ordering
    end: int
    source: Source = "chat"
    # Higher wins when one message offers several values for a field ("my name is" beats a sign-off).
    priority: int = 0
    correction: bool = False


def scan(
    pattern: re.Pattern[str], text: str, low: str, keys: tuple[str, ...], before: int = 12, after: int = 120
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, but only in short stretches around the keys found in `low` (the
    lowercased text): a regex scan costs ~30 ns a character, `str.find` far less, and most cue
    patterns begin right at (or `before` characters ahead of) one of their keywords."""
    spans: list[tuple[int, int]] = []
    for key in keys:
        i = low.find(key)
        while i >= 0:
            spans.append((max(0, i - before), min(len(text), i + len(key) + after)))
            i = low.find(key, i + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    for lo, hi in merged:
        yield from pattern.finditer(text, lo, hi)
