"""The fake providers answer the real clients the way the providers do."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from fakes.slack_api import FakeSlack
from fakes.smtp_sink import SmtpSink
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient


def test_fake_slack_speaks_to_slack_sdk() -> None:
    with FakeSlack() as slack:
        client = WebClient(token=slack.token, base_url=slack.api_url,
                           retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
        slack.faults.append(("ratelimited", 0))
        posted = client.chat_postMessage(channel="C0SALES", text="hi", blocks=[{"type": "divider"}])
        assert posted["ok"] and posted["ts"]
        client.chat_update(channel="C0SALES", ts=posted["ts"], text="edited")
        assert [c.method for c in slack.calls] == ["chat.postMessage", "chat.update"]
        assert slack.calls[0].args["blocks"] == [{"type": "divider"}]
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C0NOPE", text="x")
        assert err.value.response["error"] == "channel_not_found"
        with pytest.raises(SlackApiError):
            WebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()
        assert WebhookClient(slack.webhook_url()).send(text="hook").body == "ok"
        assert slack.posted("webhook")[0].args == {"text": "hook"}


def test_smtp_sink_receives_from_smtplib() -> None:
    with SmtpSink() as sink:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "Héllo"
        msg.set_content("body ✓")
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            smtp.send_message(msg)
        (got,) = sink.wait_for(1)
        assert got.rcpt_tos == ["b@example.com"] and got.message["Subject"] == "Héllo"
        assert got.message.get_content().strip() == "body ✓"
