"""Outbox fan-out (issue 5): subscriptions and the deliveries made to them (migration 0004)."""

from __future__ import annotations
