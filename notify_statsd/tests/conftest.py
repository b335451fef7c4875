from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import notify_statsd
from notify_statsd.client import Client

pytest_plugins = ["notify_statsd.testing", "pytester"]


class Receiver:
    """A UDP socket on a free loopback port that collects datagrams."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2.0)
        self.port: int = self.sock.getsockname()[1]

    def recv(self) -> bytes:
        return self.sock.recv(65535)

    def recvfrom(self) -> tuple[bytes, tuple[str, int]]:
        return self.sock.recvfrom(65535)

    def nothing_pending(self) -> bool:
        self.sock.settimeout(0.2)
        try:
            self.sock.recv(65535)
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(2.0)
        return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.sock.close()


@pytest.fixture(autouse=True)
def restore_client() -> Iterator[None]:
    previous: Client = notify_statsd.get_client()
    yield
    notify_statsd.configure(previous)
