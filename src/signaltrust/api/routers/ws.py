"""The WebSocket ``/api/v1/ws``: authentication in the first message, then typed channels.

1. The client connects (no credentials in the URL: a URL with a token is refused) and sends
   ``{"type": "auth", "token": "<access token>"}`` or ``{"type": "auth", "api_key": "..."}``
   within 10 seconds; it gets ``{"type": "welcome", "user": ..., "role": ...}`` or is closed
   with code 4401.
2. ``{"type": "subscribe", "channel": "fills", "node": "demo"}`` answers a ``snapshot`` with a
   sequence number, then ``delta`` messages numbered one by one; a client that sees a number
   missing sends ``{"type": "resync", "channel": ..., "node": ...}`` for a fresh snapshot.
   ``unsubscribe`` and ``ping`` too. Channels: see :mod:`signaltrust.api.services.hub`.
3. A client too slow to take its messages is closed with code 4008.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from signaltrust.api.errors import ApiError
from signaltrust.api.security import identify
from signaltrust.api.services.hub import CHANNELS
from signaltrust.api.services.state import hub_of
from signaltrust.core.errors import SignalTrustError

router = APIRouter(tags=["websocket"])
AUTH_SECONDS = 10.0
CLOSE_AUTH = 4401
CLOSE_URL_CREDENTIALS = 4400


@router.websocket("/ws")
async def websocket(socket: WebSocket) -> None:
    await socket.accept()
    if {"token", "access_token", "api_key", "key"} & set(socket.query_params):
        await socket.close(CLOSE_URL_CREDENTIALS, "credentials never go in the URL: send "
                           "them in the first message")
        return
    try:
        first = json.loads(await asyncio.wait_for(socket.receive_text(), AUTH_SECONDS))
    except (TimeoutError, ValueError):
        await socket.close(CLOSE_AUTH, 'authenticate first: {"type": "auth", "token": ...}')
        return
    except WebSocketDisconnect:
        return
    try:
        if not isinstance(first, dict) or first.get("type") != "auth":
            raise ApiError(401, "Unauthorized", "the first message must authenticate",
                           field="type", fix='send {"type": "auth", "token": "<access token>"}')
        principal = identify(socket.app.state.access, first.get("token"), first.get("api_key"))
    except ApiError as exc:
        await socket.send_json({"type": "error", **exc.body})
        await socket.close(CLOSE_AUTH, exc.body["message"][:120])
        return
    hub = hub_of(socket.app)
    client = hub.attach(socket.send_json, socket.close, principal)
    hub.offer(client, {"type": "welcome", "user": principal.name, "role": principal.role,
                       "channels": list(CHANNELS)})
    pump = asyncio.create_task(hub.pump(client))
    try:
        while not client.closed:
            text = await socket.receive_text()
            try:
                await hub.handle(client, json.loads(text))
            except ValueError as exc:
                if isinstance(exc, SignalTrustError):
                    hub.offer(client, {"type": "error", **exc.to_dict()})
                else:
                    hub.offer(client, {"type": "error", "error": "ValidationError",
                                       "message": "a message is one JSON object",
                                       "field": "message", "value": text[:100],
                                       "fix": 'send e.g. {"type": "ping"}'})
            except SignalTrustError as exc:
                hub.offer(client, {"type": "error", **exc.to_dict()})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.detach(client)
        pump.cancel()
