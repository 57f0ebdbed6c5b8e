"""httpcore network backends that check an address before connecting to it.

httpcore asks its network backend to open a TCP connection to a host name; these backends
resolve the name themselves, refuse it if any address it resolves to is private, and then
connect to one of the addresses they checked. The connection is therefore made to exactly
the address that was checked: a name that resolves to a public address for the check and
to 127.0.0.1 a moment later (DNS rebinding) cannot slip through. TLS is unaffected: httpcore
starts it on the returned stream with the URL's host name, for SNI and certificate checks.
"""

from __future__ import annotations

import socket
import typing

import anyio
import httpcore

from .addresses import Address, AddressPolicy, parse_address

SocketOptions = typing.Iterable[typing.Any] | None


def addresses_of(infos: list[tuple[typing.Any, ...]]) -> list[Address]:
    found: list[Address] = []
    for info in infos:
        address = parse_address(str(info[4][0]))
        if address is not None and address not in found:
            found.append(address)
    return found


def checked(policy: AddressPolicy, host: str, port: int, addresses: list[Address]) -> list[str]:
    """The addresses to connect to, once every one of them is allowed."""
    if not addresses:
        raise httpcore.ConnectError(f"{host} has no address")
    # All or nothing: a name with a public and a private address is refused, or a
    # connection could go to the private one.
    for address in addresses:
        policy.check(host, address, port)
    return [str(address) for address in addresses]


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:  # socket.gaierror: the name does not resolve
            raise httpcore.ConnectError(f"{host}: {error}") from error
        targets = checked(self.policy, host, port, addresses_of(infos))
        failure: Exception | None = None
        for target in targets:
            try:
                return self.inner.connect_tcp(target, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("Unix sockets are not used for outbound requests")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"{host}: no address in time") from error
        except OSError as error:
            raise httpcore.ConnectError(f"{host}: {error}") from error
        targets = checked(self.policy, host, port, addresses_of(list(infos)))
        failure: Exception | None = None
        for target in targets:
            try:
                return await self.inner.connect_tcp(
                    target, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are not used for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
