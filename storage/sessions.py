"""What code outside storage needs from SQLAlchemy, re-exported so that only storage imports it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError as Conflict  # a unique constraint lost a race
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Conflict", "Session", "sessionmaker"]
