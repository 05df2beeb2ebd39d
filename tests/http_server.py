"""A real HTTP server on 127.0.0.1 for the tests of remote clients, and a handler base serving fixture bytes."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
from collections.abc import Iterator
from collections.abc import Mapping as MappingABC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAINTENANCE_PAGE = b"<html><body>Maintenance</body></html>"
"""What a server under maintenance (or a captive portal) answers with HTTP 200 instead of the file."""


def etag(content: bytes) -> str:
    """A strong entity tag of ``content``."""
    return f'"{hashlib.sha256(content).hexdigest()[:16]}"'


class FixtureHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 handler that logs nothing and answers with bodies, byte ranges, maintenance pages or cut-off transfers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def send_body(self, status: int, body: bytes, headers: MappingABC[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_content(
        self, content: bytes, headers: MappingABC[str, str] | None = None, if_range: bool = True, ranges: bool = True
    ) -> None:
        """``content`` (200), or its tail from the offset of a ``Range: bytes=N-`` request (206; 416 past the end).

        Responses carry the strong :func:`etag` of ``content``; a range request
        whose ``If-Range`` names another one gets all of ``content`` (200), as
        HTTP servers do, unless ``if_range`` is False (a server ignoring it).
        With ``ranges`` False the server ignores ``Range``: always all of ``content`` (200).
        """
        headers = {**(headers or {}), "ETag": etag(content)}
        requested = self.headers.get("Range") if ranges else None
        condition = self.headers.get("If-Range")
        if not requested or (if_range and condition is not None and condition != etag(content)):
            return self.send_body(200, content, headers)
        start = int(requested.removeprefix("bytes=").rstrip("-"))
        if start >= len(content):
            return self.send_body(416, b"", {"Content-Range": f"bytes */{len(content)}"})
        return self.send_body(206, content[start:], {**headers, "Content-Range": f"bytes {start}-{len(content) - 1}/{len(content)}"})

    def send_page(self) -> None:
        """Answer HTTP 200 with :data:`MAINTENANCE_PAGE` as ``text/html``, whatever was asked for."""
        self.send_body(200, MAINTENANCE_PAGE, {"Content-Type": "text/html; charset=utf-8"})

    def send_cut(self, content: bytes, sent: int) -> None:
        """Announce all of ``content`` but send only its first ``sent`` bytes, then close the connection."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("ETag", etag(content))
        self.end_headers()
        self.wfile.write(content[:sent])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


class QuietHTTPServer(ThreadingHTTPServer):
    """A server that does not print a request's exception (a client hanging up mid-response, as resumed downloads do).

    The server thread would print it to whatever ``sys.stderr`` is at that
    moment: the captured output of a command another test is running.
    """

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve with ``handler`` on a free port of 127.0.0.1 in a thread; yields the base URL."""
    httpd = QuietHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def unused_port() -> int:
    """A local TCP port nobody listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
