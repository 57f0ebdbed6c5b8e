"""One way out to the network: every request the site makes to another site.

The rules, for every request (lookups, link checks, and whatever comes next):

- it names the site, its address and a contact (``user_agent``), so a site's owner knows
  who asks and whom to tell;
- only http and https, with no name and password in the address; the host is resolved
  before connecting and refused if any of its addresses is private or internal (loopback,
  10/8, 172.16/12, 192.168/16, 169.254/16, CGNAT, multicast, IPv6 ::1, fc00::/7,
  fe80::/10, an IPv4-mapped private address...). The check is made where the connection
  is opened (``backends``), against the very address connected to, so DNS rebinding
  cannot slip between the check and the connection, and again on every redirect, which
  this package's callers follow themselves;
- connect and read timeouts, a deadline for the whole exchange, and a cap on the size of
  the answer, which is streamed and cut off past it;
- no proxy or other configuration from the environment (``trust_env=False``);
- a few requests at once per host and so many a second, with a pause when the host
  answers 429 (for as long as Retry-After asks), bounded retries, and none after another
  4xx.

``OUTBOUND_ALLOW_PRIVATE=true`` lifts the private-address rule for tests and local mirrors;
production settings refuse to start with it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .addresses import AddressPolicy, is_public
from .client import AsyncOutbound, Config, Fetched, Outbound
from .errors import (
    BadAnswer,
    Busy,
    OutboundError,
    PrivateAddress,
    Refused,
    TooLarge,
    TooManyRedirects,
    TooSlow,
    Unreachable,
)
from .gates import HostLimit, forget_all, retry_after

__all__ = [
    "AddressPolicy",
    "AsyncOutbound",
    "BadAnswer",
    "Busy",
    "Config",
    "Fetched",
    "HostLimit",
    "Outbound",
    "OutboundError",
    "PrivateAddress",
    "Refused",
    "TooLarge",
    "TooManyRedirects",
    "TooSlow",
    "Unreachable",
    "config",
    "forget_all",
    "is_public",
    "policy",
    "retry_after",
    "user_agent",
]


def user_agent(purpose: str = "") -> str:
    """Who is asking: the site, its address, whom to write to, and why it asks."""
    contact = f"; mailto:{settings.CONTACT_EMAIL}" if settings.CONTACT_EMAIL else ""
    why = f" {purpose}" if purpose else ""
    return (
        f"SPM-Resources/1.0 (+{settings.SITE_URL}/{contact}) the {settings.SITE_NAME}'s "
        f"Resources for Providers{why}"
    )


def policy() -> AddressPolicy:
    return AddressPolicy.from_list(
        settings.OUTBOUND_ALLOW_PRIVATE, list(settings.OUTBOUND_ALLOWED_ADDRESSES)
    )


def config(purpose: str = "", **changes: Any) -> Config:
    """The configuration from the settings; ``changes`` override any field of Config."""
    return Config(user_agent=user_agent(purpose), policy=policy()).replace(**changes)
