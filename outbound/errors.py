"""What can go wrong on the way out, each with a sentence a member of staff can read."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    return urlsplit(str(url)).hostname or str(url)


class OutboundError(Exception):
    """A request that did not bring back an answer. ``str()`` is the sentence for staff."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = str(url)


class Refused(OutboundError):
    """Never sent: a private address, a scheme other than http(s), a name and password."""


class PrivateAddress(Refused):
    """The host is, or resolves to, an address on a private or special network."""

    def __init__(self, host: str, address: str, url: str = "") -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(
            f"{shown} is a private or internal network address, which the site never asks.",
            url,
        )
        self.host = host
        self.address = address


class Unreachable(OutboundError):
    """No connection: the name is unknown, nothing listens, or TLS failed."""


class TooSlow(OutboundError):
    """A connect or read timed out, or the whole exchange outran its deadline."""


class TooLarge(OutboundError):
    """The answer was bigger than the limit; the rest of it was never read."""


class TooManyRedirects(OutboundError):
    pass


class BadAnswer(OutboundError):
    """The server broke off, spoke no HTTP, or sent what cannot be decoded."""


class Busy(OutboundError):
    """The host asked us to wait (HTTP 429) longer than this request may wait."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(
            f"{host_of(url)} asked us to slow down and wait {seconds:.0f} s; try again later.",
            url,
        )
        self.seconds = seconds
