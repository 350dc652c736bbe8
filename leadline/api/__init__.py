"""REST API v1: `api_router` to include in the app, `install_problem_handlers` for its errors."""

from __future__ import annotations

from fastapi import APIRouter

from leadline.api import (
    analytics,
    automation,
    capture,
    channels,
    deliveries,
    export,
    keys,
    leads,
    stages,
    subscriptions,
)
from leadline.api.problems import install_problem_handlers
from leadline.api.schemas import ProblemOut

_PROBLEM = {"model": ProblemOut, "content": {"application/problem+json": {}}}
api_router = APIRouter(responses={
    401: {**_PROBLEM, "description": "missing or invalid API key"},
    403: {**_PROBLEM, "description": "the key lacks the scope this action needs"},
    404: {**_PROBLEM, "description": "not found in the key's workspace"},
    422: {**_PROBLEM, "description": "invalid input; `errors` names each field"},
})
# export before leads: `/v1/leads/export.csv` must not be taken for a lead id.
for module in (export, leads, capture, analytics, stages, keys, channels, automation, subscriptions, deliveries):
    api_router.include_router(module.router)

__all__ = ["api_router", "install_problem_handlers"]
