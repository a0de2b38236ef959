"""Where a server listens: ``HOST:PORT`` from ``--listen``, and whether that is loopback only.

Every ``deskterm serve`` command is bound to loopback unless told otherwise, so exposing the
desk beyond the machine is always a decision someone wrote down (and, for the event receiver,
one that needs a token).
"""

import ipaddress
from dataclasses import dataclass

from deskterm.services.core.errors import InvalidInput


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    @property
    def loopback(self) -> bool:
        """True only for addresses no other machine can reach (127.0.0.0/8, ::1, localhost)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False  # a name: it may resolve to anything, so it is not trusted as loopback

    def url(self, scheme: str = "http") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def parse_listen(text: str, option: str = "--listen") -> Listen:
    """``127.0.0.1:9095``, ``[::1]:9095`` or ``0.0.0.0:9095``; port 0 picks a free port."""
    value = text.strip()
    host, sep, port = value.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidInput(
            f"{option} {text!r} is not HOST:PORT; give e.g. 127.0.0.1:9095 or [::1]:9095 "
            "(port 0 picks a free one)"
        )
    if ":" in host or bracketed:
        try:
            if not bracketed:
                raise ValueError(host)  # ::1:80 reads two ways: the brackets say which
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidInput(
                f"{option} {text!r}: {host!r} is no IPv6 address; write it as [::1]:PORT"
            ) from None
    return Listen(host, int(port))
