"""Helpers for the suggestion tests: a clock the form's token reads, a member posting the
real form, and a real SMTP server on 127.0.0.1 (aiosmtpd) that accepts or refuses."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import lxml.html
from aiosmtpd.controller import Controller
from django.test import Client

from .conftest import page

SUGGEST = "/suggest/"
PERSON = {
    "identifier": "10.5555/OpenNotes.2012.1",
    "note": "Shows clinicians how sharing visit notes changes the conversation.",
    "name": "Pat Member",
    "email": "pat@example.org",
}


class Clock:
    """Stands in for suggestions.defences.clock: time moves only when a test says so."""

    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def browser_values(response: Any) -> dict[str, str]:
    """What a browser would send from the page's POST form as it is rendered: every text
    field, empty ones too, and a textarea without the line break that follows its tag
    (HTML drops it)."""
    document = response if isinstance(response, lxml.html.HtmlElement) else page(response)
    form = [f for f in document.forms if f.method.lower() == "post"][-1]
    values: dict[str, str] = {}
    for element in form.inputs:
        name = element.get("name")
        if not name or element.tag == "button":
            continue
        if element.tag == "textarea":
            text = element.text or ""
            values[name] = text[1:] if text.startswith("\n") else text
        elif element.get("type", "text") in ("text", "hidden", "email", "search", "url"):
            values[name] = element.get("value", "")
    return values


def suggest(
    client: Client,
    clock: Clock | None,
    wait: float = 10,
    headers: dict[str, str] | None = None,
    remote: str = "127.0.0.1",
    **changes: Any,
) -> Any:
    """Open /suggest/ as a member would, fill in ``changes`` over PERSON, wait ``wait``
    seconds (on ``clock``), and post what the page's form holds."""
    values = browser_values(client.get(SUGGEST))
    values.update(PERSON)
    values.update(changes)
    if clock is not None:
        clock.advance(wait)
    data = {k: v for k, v in values.items() if v is not None}
    return client.post(SUGGEST, data, headers=headers or {}, REMOTE_ADDR=remote)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class Handler:
    """An SMTP server's behaviour: accept every mail, or refuse each recipient with 550."""

    refuse: bool = False
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse:
            return "550 5.7.1 Refused by the test's server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                ),
            )
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    """aiosmtpd on 127.0.0.1, and the site's settings pointed at it."""

    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse(self, refuse: bool = True) -> None:
        self.handler.refuse = refuse

    def point(self, settings: Any, port: int | None = None) -> None:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port or self.port, "timeout": 5},
            }
        }
        settings.DEFAULT_FROM_EMAIL = "SPM Resources <resources@example.org>"
