"""The baseline for bench/live.py: a bare python-socketio server that does only what a room
must (join a room, broadcast a chat to it, acknowledge), with no sign-in, no database and no
checks, served the same way as ours: ``gunicorn -w 1 --threads N bench.bare_live:app``."""

from __future__ import annotations

import socketio

sio = socketio.Server(async_mode="threading")


@sio.on("join", namespace="/live")
def join(sid, data):
    sio.enter_room(sid, f"room:{data['office_hour_id']}", namespace="/live")
    return {"ok": True}


@sio.on("chat", namespace="/live")
def chat(sid, data):
    message = {"office_hour_id": data["office_hour_id"], "body": data["body"]}
    sio.emit("chat", message, to=f"room:{data['office_hour_id']}", namespace="/live")
    return {"ok": True, "message": message}


app = socketio.WSGIApp(sio)
