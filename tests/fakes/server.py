"""What the two fakes (web.py, telegram.py) share: a threaded HTTP/1.1 server on loopback that
starts once, keeps track of its connections, and stops promptly, cutting what is still open.

Standard library only. A fake subclasses :class:`LocalServer` and its handler
:class:`TrackedHandler`; it may wake its own waiters before the listener closes
(:meth:`LocalServer._wake`) and let woken answers finish before connections are cut
(:meth:`LocalServer._settle`).
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import sys
import threading
import time
from typing import Any, Self

STOP_TIMEOUT = 1.5  # seconds stop() waits for connection threads before giving up on them


class Stopped(Exception):
    """The server is stopping: abandon the answer and the connection."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], owner: LocalServer, handler: type[TrackedHandler]
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.owner = owner
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # clients that hang up, time out or get cut off at stop() are part of the game
        if isinstance(sys.exc_info()[1], OSError | Stopped):
            return
        super().handle_error(request, client_address)


class TrackedHandler(http.server.BaseHTTPRequestHandler):
    """A keep-alive handler whose connection the server can cut at stop()."""

    protocol_version = "HTTP/1.1"  # keep-alive and chunked answers, as real servers
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes; without this, Nagle and delayed ACKs add
        # about 40 ms to every answer on a kept-alive connection
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._closed(self.connection)

    def handle(self) -> None:
        try:
            if not self.server.owner._stopping.is_set():
                super().handle()
        except (OSError, Stopped):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests read what the fake recorded instead


class LocalServer:
    """Bound and listening from construction; serving from :meth:`start` until :meth:`stop`."""

    handler: type[TrackedHandler] = TrackedHandler

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.RLock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed_server = False
        self._host = host
        self._server = _Server((host, 0), self, self.handler)

    def start(self) -> Self:
        if self._thread is not None or self._closed_server:
            raise RuntimeError(f"{type(self).__name__} can be started once")
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut every open connection; returns within about two seconds."""
        if self._closed_server:
            return
        self._closed_server = True
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=1.0)
        self._server.server_close()
        self._settle()
        with self._lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _, thread in connections:
            if thread is not threading.current_thread():
                thread.join(timeout=max(deadline - time.monotonic(), 0.0))

    def _wake(self) -> None:
        """Wake what waits inside a request (long polls), before the listener closes."""

    def _settle(self) -> None:
        """Let woken requests write their answers, before open connections are cut."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections[sock] = threading.current_thread()

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.pop(sock, None)
