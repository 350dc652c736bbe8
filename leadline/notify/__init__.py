"""Rendering and sending notifications for lead events: webhooks, Slack, e-mail."""
