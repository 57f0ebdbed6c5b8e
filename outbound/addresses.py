"""Which addresses the site may ask: public ones only.

A staff member types the addresses the link checks and lookups fetch, and a page can
redirect anywhere, so every address is checked before anything is sent: the URL's own host
when it is an IP address, and every address a name resolves to (see ``backends``), on
every hop of every redirect. The ranges are those of WordPress's ``wp_http_validate_url``
and IANA's special-purpose registries, IPv6 included, with the IPv4 address carried inside
an IPv6 one (mapped, 6to4, NAT64) judged as IPv4.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import PrivateAddress, Refused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not the public internet: loopback, private, link-local (169.254.169.254 is the cloud
# metadata service), carrier-grade NAT, documentation, benchmarking, multicast, reserved.
# Python's ``is_global`` says much the same, but calls multicast global and has changed
# between versions; this list is explicit.
PRIVATE_V4 = [
    ipaddress.ip_network(net)
    for net in [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    ]
]
PRIVATE_V6 = [
    ipaddress.ip_network(net)
    for net in [
        "::/96",  # unspecified, loopback, IPv4-compatible (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    ]
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, where it stands for one."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_v4(address)
        if inner is not None:
            return is_public(inner)
        if any(address in net for net in PRIVATE_V6):
            return False
    elif any(address in net for net in PRIVATE_V4):
        return False
    return address.is_global and not address.is_multicast


def parse_address(text: str) -> Address | None:
    """``text`` as an IP address (IPv6 with or without brackets or a zone), or None."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Private addresses are refused unless ``allow_private`` (tests and local mirrors,
    never production) or the exact (address, port) is one of ``allowed`` (a test's or a
    benchmark's own local server)."""

    allow_private: bool = False
    allowed: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @classmethod
    def from_list(cls, allow_private: bool, allowed: list[str]) -> AddressPolicy:
        pairs = set()
        for item in allowed:
            host, _, port = item.rpartition(":")
            address = parse_address(host)
            if address is None or not port.isdigit():
                raise ValueError(f"{item!r} is not an IP address and port, like 127.0.0.1:8080")
            pairs.add((str(address), int(port)))
        return cls(allow_private=allow_private, allowed=frozenset(pairs))

    def check(self, host: str, address: Address, port: int, url: str = "") -> None:
        """Raise PrivateAddress unless the site may connect to ``address``."""
        if self.allow_private or is_public(address):
            return
        if (str(address), port) in self.allowed:
            return
        raise PrivateAddress(host, str(address), url)

    def check_url(self, url: str) -> None:
        """What can be refused before any lookup: the scheme, a name and password in the
        address, a missing host, and a host that is itself a private IP address."""
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https"):
            raise Refused(f"{url} is not a web address (only http and https are fetched).", url)
        if parts.username is not None or parts.password is not None:
            raise Refused(f"{url} carries a user name or password; it is not fetched.", url)
        if not parts.hostname:
            raise Refused(f"{url} has no host name.", url)
        address = parse_address(parts.hostname)
        if address is not None:
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                raise Refused(f"{url} has an invalid port.", url) from None
            self.check(parts.hostname, address, port, url)
