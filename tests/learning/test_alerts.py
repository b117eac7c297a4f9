"""Alerts reach a local Slack-compatible webhook and a local SMTP server."""

from __future__ import annotations

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from signaltrust.core.config import LearningSettings
from signaltrust.research.learning.alerts import Alert, Alerter, EmailChannel, WebhookChannel

ALERT = Alert("drift", "warning", "PSI 0.31 on rsi_14", {"model": "sp500_lgbm"})


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: greet, EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 localhost test SMTP\r\n")
        envelope = {"rcpt": []}
        while True:
            line = self.rfile.readline().decode().rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 localhost\r\n")
            elif verb == "MAIL":
                envelope["from"] = line
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                envelope["rcpt"].append(line)
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 end with .\r\n")
                lines = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    lines.append(data)
                envelope["data"] = "".join(lines)
                self.server.messages.append(envelope)
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_when_alert_sent_then_slack_json_with_text_and_fields_arrives(webhook):
    url, received = webhook
    WebhookChannel(url).send(ALERT)
    assert received[0]["text"] == "[warning] drift: PSI 0.31 on rsi_14 (model=sp500_lgbm)"
    assert received[0]["blocks"][0]["fields"] == [{"type": "mrkdwn",
                                                   "text": "*model*: sp500_lgbm"}]


def test_email_when_alert_sent_then_server_gets_subject_and_recipients(smtp_server):
    port = smtp_server.server_address[1]
    EmailChannel("127.0.0.1", port, "loop@localhost", ("ops@example.org",)).send(ALERT)
    message = smtp_server.messages[0]
    assert "ops@example.org" in message["rcpt"][0]
    assert "Subject: SignalTrust warning: drift" in message["data"]
    assert "PSI 0.31 on rsi_14" in message["data"]


def test_alerter_when_one_channel_is_down_then_others_still_get_it_and_failure_reported(
        webhook, smtp_server):
    url, received = webhook
    learning = LearningSettings(webhook_url=url, smtp_host="127.0.0.1",
                                smtp_port=smtp_server.server_address[1],
                                smtp_recipients=["ops@example.org"])
    alerter = Alerter.from_settings(learning)
    alerter.channels.insert(0, WebhookChannel("http://127.0.0.1:9/refused", timeout_s=1))
    failures = alerter.send(ALERT)
    assert [name for name, _ in failures] == ["WebhookChannel"]
    assert len(received) == 1 and len(smtp_server.messages) == 1
