"""Sending agent replies to Slack with slack-sdk's `WebClient.chat_postMessage`, in the thread the
person wrote in.

The outbox worker calls `send_reply` for each `channel.reply` event of the slack channel and records
the returned id (`channel:ts`, the same shape as inbound message ids) on the agent's message. A
failure raises `SlackSendError`; its `retryable` and `retry_after` tell the worker whether to try
again (and when) or dead-letter the event at once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState, default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import WebClient

from channels.slack_text import escape
from storage import channel_configs

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# A Retry-After up to this is waited out in place (once); a longer one goes back to the worker, which
# reschedules the event instead of holding one of its threads asleep.
WAIT_IN_PLACE_SECONDS = 5.0
# Errors no retry can fix: the configuration (token, membership, scopes) must change first.
PERMANENT_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                    "channel_not_found", "not_in_channel", "is_archived", "missing_scope", "no_permission",
                    "restricted_action", "msg_too_long", "no_text", "invalid_arguments", "ekm_access_denied"}


class SlackSendError(Exception):
    """A failed send. `retryable=False` dead-letters at once; `retry_after` is Slack's own wish."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None,
                 code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable, self.retry_after, self.code, self.status = retryable, retry_after, code, status


def _retry_after(headers: Any) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(str(value).strip()))
            except ValueError:
                return None
    return None


class BriefRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler, limited to short waits (see WAIT_IN_PLACE_SECONDS)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = _retry_after(response.headers if response is not None else None)
        return wait is not None and wait <= WAIT_IN_PLACE_SECONDS


def web_client(api_url: str, token: str) -> WebClient:
    # Passing retry_handlers replaces slack-sdk's defaults: keep its connection-error retry.
    handlers = [*default_retry_handlers(), BriefRateLimitRetryHandler(max_retry_count=1)]
    return WebClient(token=token, base_url=api_url, timeout=TIMEOUT_SECONDS, retry_handlers=handlers)


def send_reply(runtime: Any, event_id: str, payload: dict[str, Any]) -> str | None:
    """Post one `channel.reply` event; returns `channel:ts` of the message Slack stored."""
    route = payload["route"]
    with runtime.sessions() as s:
        config = channel_configs.get_config(s, payload["workspace_id"], route["config_id"])
        if config is None or not config.active or config.kind != "slack":
            raise SlackSendError(f"Slack channel configuration {route['config_id']} is gone or inactive",
                                 retryable=False)
        token = (config.secrets or {}).get("bot_token")
    if not token:
        raise SlackSendError(f"Slack channel configuration {route['config_id']} has no bot_token", retryable=False)
    args: dict[str, Any] = {"channel": route["channel"], "text": escape(payload["text"])}
    if route.get("thread_ts"):
        args["thread_ts"] = route["thread_ts"]
    try:
        r = web_client(runtime.settings.slack_api_url, token).chat_postMessage(**args)
    except SlackApiError as e:
        status, code = e.response.status_code, str(e.response.get("error") or "unknown_error")
        if status == 429 or code == "ratelimited":
            raise SlackSendError("Slack rate limited chat.postMessage", retryable=True, code=code, status=status,
                                 retry_after=_retry_after(e.response.headers)) from None
        raise SlackSendError(f"Slack chat.postMessage failed (HTTP {status}): {code[:200]}",
                             retryable=code not in PERMANENT_ERRORS,
                             code=code, status=status) from None
    except OSError as e:  # connection refused, timeout (after slack-sdk's own connection retry)
        raise SlackSendError(f"Slack API unreachable: {type(e).__name__}: {e}", retryable=True) from None
    log.info("slack reply %s posted in %s", event_id, route["channel"])
    return f"{r.get('channel') or route['channel']}:{r['ts']}"
