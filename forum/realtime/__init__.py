"""Live office-hour rooms over Socket.IO (the ``/live`` namespace)."""

from __future__ import annotations

import socketio as socketio_server
from flask import Flask

from forum.extensions import socketio
from forum.realtime.auth import make_origin_check
from forum.realtime.rooms import NAMESPACE, LiveState

# Larger Engine.IO packets close the connection; a 2,000-character chat message, even
# escaped, is far below this.
MAX_PACKET_BYTES = 64 * 1024


def _client_manager(app: Flask) -> socketio_server.Manager:
    """Redis as the message queue when configured, so every process reaches every room.
    Made here, not by Flask-SocketIO from ``message_queue``: its options outlive one
    ``init_app``, and an app without Redis would inherit the previous app's queue."""
    url = app.config.get("REDIS_URL")
    if url:
        return socketio_server.RedisManager(url, channel=app.config["LIVE_REDIS_PREFIX"])
    return socketio_server.Manager()


def register_realtime(app: Flask) -> None:
    from forum.realtime.live import LiveNamespace

    socketio.init_app(
        app,
        async_mode="threading",
        client_manager=_client_manager(app),
        cors_allowed_origins=make_origin_check(app),
        max_http_buffer_size=MAX_PACKET_BYTES,
    )
    if not any(n.namespace == NAMESPACE for n in socketio.namespace_handlers):
        socketio.namespace_handlers.append(LiveNamespace(NAMESPACE))
    for handler in socketio.namespace_handlers:
        handler._set_socketio(socketio)
        socketio.server.register_namespace(handler)
    app.extensions["forum_live"] = LiveState(app)
