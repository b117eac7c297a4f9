"""Alerts of the learning loop: a Slack-compatible webhook and e-mail by SMTP.

An :class:`Alert` is sent to every configured channel; a channel that fails is reported in the
returned list, never raised, so one dead channel does not silence the others.

>>> alert = Alert("drift", "warning", "PSI 0.31 on rsi_14", {"model": "sp500_lgbm"})
>>> alert.text()
'[warning] drift: PSI 0.31 on rsi_14 (model=sp500_lgbm)'
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx

from signaltrust.core.serialize import to_plain


@dataclass(frozen=True)
class Alert:
    """Something a person should know: its kind, severity, message and details."""

    kind: str
    severity: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.details.items())
        return f"[{self.severity}] {self.kind}: {self.message}" + (f" ({extra})" if extra else "")

    def slack_payload(self) -> dict[str, Any]:
        """Slack's incoming-webhook JSON: ``text`` plus one section block with the fields."""
        return {
            "text": self.text(),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                    "text": f"*{self.kind}* ({self.severity})\n"
                                                            f"{self.message}"},
                        "fields": [{"type": "mrkdwn", "text": f"*{k}*: {v}"}
                                   for k, v in to_plain(self.details, default=str).items()]}],
        }


@dataclass(frozen=True)
class WebhookChannel:
    """POST the alert as Slack-compatible JSON to ``url``."""

    url: str
    timeout_s: float = 5.0

    def send(self, alert: Alert) -> None:
        response = httpx.post(self.url, json=alert.slack_payload(), timeout=self.timeout_s)
        response.raise_for_status()


@dataclass(frozen=True)
class EmailChannel:
    """Send the alert by SMTP from ``sender`` to ``recipients``."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    timeout_s: float = 5.0

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = f"SignalTrust {alert.severity}: {alert.kind}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(alert.text())
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            smtp.send_message(message)


class Alerter:
    """Every configured channel; :meth:`send` returns the failures as ``(channel, error)``."""

    def __init__(self, channels: list[Any]) -> None:
        self.channels = channels

    @classmethod
    def from_settings(cls, learning: Any) -> Alerter:
        """The webhook and the SMTP channel the ``[learning]`` section configures."""
        channels: list[Any] = []
        if learning.webhook_url:
            channels.append(WebhookChannel(learning.webhook_url))
        if learning.smtp_host and learning.smtp_recipients:
            channels.append(EmailChannel(learning.smtp_host, learning.smtp_port,
                                         learning.smtp_sender, tuple(learning.smtp_recipients)))
        return cls(channels)

    def send(self, alert: Alert) -> list[tuple[str, str]]:
        failures = []
        for channel in self.channels:
            try:
                channel.send(alert)
            except (httpx.HTTPError, OSError, smtplib.SMTPException) as exc:
                failures.append((type(channel).__name__, f"{type(exc).__name__}: {exc}"))
        return failures


__all__ = ["Alert", "Alerter", "EmailChannel", "WebhookChannel"]
