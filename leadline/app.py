"""FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from channels.widget import router as widget_router
from leadline.api import api_router, install_problem_handlers
from leadline.runtime import Runtime, build_runtime
from leadline.settings import Settings, get_settings
from storage.db import ping


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or build_runtime(settings)
        app.state.runtime = rt
        yield
        if runtime is None:
            rt.close()

    app = FastAPI(title="Leadline", version="0.1.0", lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(api_router)
    app.include_router(widget_router)  # `/`, `/widget.js`, `/chat/{public_key}`, `/widget/v1/…`

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        ping(app.state.runtime.engine)
        return {"status": "ok"}

    return app
