"""One webhook POST that cannot be turned against the site's own network.

* only ``http`` and ``https`` addresses;
* the host name is resolved once, every address it has is checked (private, loopback,
  link-local, multicast, reserved and unspecified ranges are refused unless
  ``DOLLY_WEBHOOK_ALLOW_PRIVATE`` is on), and the connection is made to that checked address,
  so a second resolution cannot point it elsewhere (DNS rebinding); HTTPS still verifies the
  certificate against the host name;
* redirects are never followed (a 3xx is an answer like any other, and not a success);
* short timeouts: ``CONNECT_TIMEOUT`` to connect, ``TOTAL_TIMEOUT`` for any one wait, and no
  read of the answer starts after ``TOTAL_TIMEOUT`` (a trickling server is cut off);
* at most ``MAX_RESPONSE_BYTES`` of the response body are read.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT = 3.0
TOTAL_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 2048


class Refused(Exception):
    """The address may not be called (scheme, or where it resolves)."""


@dataclass
class Answer:
    status: int
    body: bytes


def check_url(url):
    """``(scheme, host, port, path)`` of an address a webhook may have, or ``Refused``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Only http:// and https:// addresses with a host name are accepted.")
    if parts.username or parts.password:
        raise Refused("Put no user name or password in the address; the signature authenticates the site.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("The port is not a number from 1 to 65535.") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def _forbidden(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host, port, *, allow_private):
    """The one address the POST goes to: the first of the host's, after checking all of them."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"The host name {host} does not resolve: {exc}.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise Refused(f"The host name {host} has no address.")
    if not allow_private:
        bad = [address for address in addresses if _forbidden(address)]
        if bad:
            raise Refused(
                f"{host} resolves to {bad[0]}, a private, loopback or link-local address; "
                "set DOLLY_WEBHOOK_ALLOW_PRIVATE=1 to allow such addresses."
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), CONNECT_TIMEOUT)
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), CONNECT_TIMEOUT)
        sock.settimeout(self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, *, allow_private):
    """POST ``body`` to ``url``; returns the ``Answer`` or raises ``Refused`` / ``OSError`` / ``HTTPException``."""
    scheme, host, port, path = check_url(url)
    address = resolve(host, port, allow_private=allow_private)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    deadline = time.monotonic() + TOTAL_TIMEOUT
    connection = connection_class(host, port, address, timeout=TOTAL_TIMEOUT)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        received = b""
        # Each read waits at most the socket timeout, and no read starts after the deadline.
        while len(received) < MAX_RESPONSE_BYTES and time.monotonic() < deadline:
            chunk = response.read1(MAX_RESPONSE_BYTES - len(received))
            if not chunk:
                break
            received += chunk
        return Answer(status=response.status, body=received)
    finally:
        connection.close()
