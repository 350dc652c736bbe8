"""FastAPI application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from channels.email_webhooks import router as email_router
from channels.slack_events import router as slack_events_router
from channels.whatsapp import router as whatsapp_router
from channels.widget import router as widget_router
from leadline.api import api_router, install_problem_handlers
from leadline.calendly import router as calendly_router
from leadline.notify.slack_interactions import router as slack_interactions_router
from leadline.runtime import Runtime, build_runtime
from leadline.settings import Settings, get_settings
from storage.db import ping


def served_app() -> FastAPI:
    """The app of one `leadline serve --workers N` process: the parent process has migrated already."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings, migrate_db=False)
    gc.freeze()  # as `leadline serve` does: full collections no longer walk what is loaded by now
    return app


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, *,
               worker: bool | None = None, migrate_db: bool = True) -> FastAPI:
    """`worker`: run the outbox worker in-process (default: when the app builds its own runtime and
    LEADLINE_WORKER_IN_PROCESS is on; tests that pass a runtime drain the outbox themselves)."""
    settings = settings or get_settings()
    if worker is None:
        worker = runtime is None and settings.worker_in_process

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from leadline.worker import InProcessWorker

        rt = runtime or build_runtime(settings, migrate_db=migrate_db)
        app.state.runtime = rt
        in_process = InProcessWorker(rt).start() if worker else None
        yield
        rt.finish_turns()  # first: the events of the last turns still go out from this process
        if in_process is not None:
            in_process.stop()
        if runtime is None:
            rt.close()

    app = FastAPI(title="Leadline", version="0.1.0", lifespan=lifespan)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        ping(app.state.runtime.engine)
        return {"status": "ok"}

    # Routes are tried in order, a few microseconds each, so the hot paths come first: provider
    # webhooks and widget messages (behind all API routes, route matching was a large part of a
    # WhatsApp acknowledgement's time).
    app.include_router(whatsapp_router)  # `/webhooks/whatsapp`
    app.include_router(widget_router)  # `/widget/v1/…`, `/`, `/widget.js`, `/chat/{public_key}`
    app.include_router(api_router)
    app.include_router(slack_events_router)  # `/webhooks/slack/events`
    app.include_router(email_router)  # `/webhooks/email/sendgrid`, `/webhooks/email/mailgun`
    app.include_router(slack_interactions_router)  # `/webhooks/slack/interactions`
    app.include_router(calendly_router)  # `/webhooks/calendly/{workspace_id}`

    return app
