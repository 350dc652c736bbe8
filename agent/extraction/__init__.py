"""Extraction backends (rule-based by default; a language model when configured)."""

from agent.extraction.base import (
    ContactCandidate,
    ContactFields,
    Evidence,
    Extraction,
    ExtractionBackend,
    IntentSignal,
    MessageContext,
    MessageExtraction,
    Signal,
)
from agent.extraction.combine import combine, extract_checked

__all__ = [
    "ContactCandidate",
    "ContactFields",
    "Evidence",
    "Extraction",
    "ExtractionBackend",
    "IntentSignal",
    "MessageContext",
    "MessageExtraction",
    "Signal",
    "combine",
    "extract_checked",
]
