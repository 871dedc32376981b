"""A TCP proxy that injects faults between the app and a service it depends on."""

from __future__ import annotations

import contextlib
import socket
import threading


class FaultyProxy:
    """Forwards a loopback port to ``target``. ``down()`` cuts every connection and turns
    new ones away, as a restarting server does; ``hang()`` cuts them and answers new ones
    never, as an unreachable host does; ``up()`` forwards again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._mode = "up"
        self._closed = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="faulty-proxy", daemon=True).start()

    def down(self) -> None:
        self._cut("down")

    def hang(self) -> None:
        self._cut("hang")

    def up(self) -> None:
        with self._lock:
            self._mode = "up"

    def _cut(self, mode: str) -> None:
        with self._lock:
            self._mode = mode
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def close(self) -> None:
        self._closed = True
        self.down()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode = self._mode
                if mode == "hang":
                    self._open.add(client)  # kept open, never answered, until cut
            if mode == "down":
                _close(client)
            if mode != "up":
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, dest: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                dest.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, dest):
                _close(sock)
                with self._lock:
                    self._open.discard(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
