"""Intent, non-buyer signals and BANT evidence (PLACEHOLDER: being written)."""

from __future__ import annotations

from agent.extraction.base import IntentSignal, MessageContext, MessageExtraction


def extract_signals(text: str, context: MessageContext, mx: MessageExtraction) -> None:
    if "demo" in text.lower() or "pricing" in text.lower():
        mx.intent.append(IntentSignal(kind="demo", quote=""))
