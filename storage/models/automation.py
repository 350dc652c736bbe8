"""Automation (issue 5): routing rules and scheduled job runs (migration 0005)."""

from __future__ import annotations
