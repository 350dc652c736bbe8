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
    # Server processes of `leadline serve`. Python runs one core's worth of work per process; each
    # process runs its own outbox worker (claims keep them apart). Widget streams are woken at once
    # only by replies written in their own process; others reach the page at its next heartbeat.
    web_workers: int = Field(1, ge=1, le=64, description="server processes of `leadline serve`")
    # At most the engine's connection pool (5 + 10 overflow): a thread more would only wait for a connection.
    turn_threads: int | None = Field(None, ge=1, le=15, description="threads running widget agent turns per "
                                     "process; default 1 on SQLite, 4 on PostgreSQL")
    extractor: Literal["rules"] = "rules"  # a language-model backend is planned (separate issue)
    log_level: str = "INFO"
    demo_workspace: bool = Field(True, description="create a demo workspace when the database is empty")
    capture_rate_per_minute: int = Field(30, ge=1, description="public capture requests per client IP per minute")
    # One Slack app per deployment: its signing secret verifies Events API and interactivity requests
    # before anything else is read; each Slack team's bot token is in its channel configuration.
    slack_signing_secret: str | None = Field(None, description="the Slack app's signing secret")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (ends with /)")
    # One Meta app per deployment, like Slack: the app secret signs every WhatsApp delivery and must be
    # known before the body is read (the phone number inside it is not trustworthy until verified);
    # the verify token answers the subscription handshake, which names no phone number. Each number's
    # access token is in its channel configuration.
    whatsapp_app_secret: str | None = Field(None, description="the Meta app secret (X-Hub-Signature-256)")
    whatsapp_verify_token: str | None = Field(None, description="the token of the webhook subscription handshake")
    whatsapp_graph_url: str = Field("https://graph.facebook.com/v21.0", description="Graph API base URL")
    # Outbound e-mail (notifications, nurture mail, e-mail channel replies); unset host = no e-mail.
    smtp_host: str | None = Field(None, description="SMTP server for outbound e-mail")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    smtp_from: str = Field("Leadline <leadline@localhost>", description="From address of outbound e-mail")
    smtp_timeout_seconds: float = Field(10.0, gt=0)
    # Inbound e-mail channel: the built-in SMTP server (`leadline smtp`) and the size limit it and the
    # SendGrid/Mailgun webhooks enforce (552 / 413 above it).
    smtp_listen_host: str = Field("127.0.0.1", description="address `leadline smtp` listens on")
    smtp_listen_port: int = Field(2525, ge=1, le=65535, description="port `leadline smtp` listens on")
    email_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest inbound e-mail accepted")
    public_url: str = Field("http://127.0.0.1:8000", description="base URL of links in alerts and e-mails")
    # Outbox worker (in-process under `leadline serve`, or `leadline worker` processes).
    worker_in_process: bool = Field(True, description="run the outbox worker inside `leadline serve`")
    worker_lease_seconds: float = Field(60.0, gt=0, description="a claimed event returns after this long")
    worker_batch_size: int = Field(100, ge=1, le=1000)
    worker_concurrency: int = Field(16, ge=1, le=128, description="deliveries sent in parallel per worker")
    worker_poll_seconds: float = Field(1.0, gt=0, description="idle polling interval")
    worker_gather_seconds: float = Field(0.05, ge=0, le=5, description="after a wake-up in a busy spell, wait "
                                         "this long for more events before claiming")
    worker_max_attempts: int = Field(10, ge=1, description="attempts before an event is dead-lettered")
    worker_retry_base_seconds: float = Field(10.0, gt=0, description="first retry delay (doubles, jittered)")
    worker_retry_max_seconds: float = Field(3600.0, gt=0)
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    webhook_retry_hours: float = Field(24.0, gt=0, description="how long a failing webhook is retried")


@cache
def get_settings() -> Settings:
    return Settings()
