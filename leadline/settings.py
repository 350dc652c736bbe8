"""Settings from LEADLINE_* environment variables and a .env file; defaults work on a fresh machine."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADLINE_", env_file=".env", extra="ignore")

    database_url: str = Field("sqlite:///./leadline.db", description="SQLAlchemy URL; postgresql://… for PostgreSQL")
    data_dir: Path = Field(Path("./.leadline"), description="where a generated data key is kept")
    data_key: str | None = Field(None, description="base64 of 32 random bytes; encrypts personal data")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    extractor: Literal["rules"] = "rules"  # a language-model backend is planned (separate issue)
    log_level: str = "INFO"
    demo_workspace: bool = Field(True, description="create a demo workspace when the database is empty")
    capture_rate_per_minute: int = Field(30, ge=1, description="public capture requests per client IP per minute")
    # One Slack app per deployment: its signing secret verifies Events API and interactivity requests
    # before anything else is read; each Slack team's bot token is in its channel configuration.
    slack_signing_secret: str | None = Field(None, description="the Slack app's signing secret")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (ends with /)")


@cache
def get_settings() -> Settings:
    return Settings()
