"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, zlib-stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .objects import JSON

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    VOICE_STATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


# Which intent a dispatch needs (events not listed always go out: READY, RESUMED, INTERACTION_CREATE...).
EVENT_INTENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "GUILD_CREATE",
            "GUILD_UPDATE",
            "GUILD_DELETE",
            "CHANNEL_CREATE",
            "CHANNEL_UPDATE",
            "CHANNEL_DELETE",
        ],
        Intent.GUILDS,
    ),
    **dict.fromkeys(
        ["THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE", "THREAD_LIST_SYNC", "THREAD_MEMBER_UPDATE"],
        Intent.GUILDS,
    ),
    **dict.fromkeys(["GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE"], Intent.GUILDS),
    **dict.fromkeys(
        ["GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "THREAD_MEMBERS_UPDATE"],
        Intent.GUILD_MEMBERS,
    ),
    **dict.fromkeys(
        ["MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"], Intent.GUILD_MESSAGES
    ),
    **dict.fromkeys(["MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"], Intent.GUILD_MESSAGE_REACTIONS),
}


GUILD_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})  # the guild's id is "id"


@dataclass
class Session:
    """A gateway session: survives dropped connections until invalidated."""

    id: str
    intents: int
    identify: JSON
    seq: int = 0
    sent: deque[JSON] = field(default_factory=lambda: deque(maxlen=5000))
    conn: Connection | None = None
    invalid: bool = False
    shard: tuple[int, int] | None = None  # (shard id, shard count) from IDENTIFY

    def receives(self, event: str, data: JSON) -> bool:
        """Discord routes a guild's events to the shard ``(guild_id >> 22) % shard_count``; events
        without a guild (DMs) go to shard 0."""
        if self.shard is None:
            return True
        guild_id = data.get("id") if event in GUILD_EVENTS else data.get("guild_id")
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (int(guild_id) >> 22) % count == shard_id


def stream_compressor(kind: str | None) -> Callable[[bytes], bytes] | None:
    """Per-connection transport compression: each call returns one flushed, complete message.

    zlib-stream ends every message with Z_SYNC_FLUSH (00 00 ff ff), which discord.py waits for;
    zstd-stream (used by discord.py when zstandard or compression.zstd is importable) flushes a block.
    """
    if kind is None:
        return None
    if kind == "zlib-stream":
        z = zlib.compressobj()
        return lambda data: z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        try:
            import zstandard

            cobj = zstandard.ZstdCompressor().compressobj()
            return lambda data: cobj.compress(data) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        except ImportError:
            try:
                from compression.zstd import ZstdCompressor
            except ImportError:
                return None
            c = ZstdCompressor()
            return lambda data: c.compress(data, mode=ZstdCompressor.FLUSH_BLOCK)
    return None


class Connection:
    """One websocket; serialises sends so the compressed stream stays in order."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: str | None) -> None:
        self.ws = ws
        self.request = request
        self.compress = compress
        self._compress = stream_compressor(compress)
        self._lock = asyncio.Lock()
        self.session: Session | None = None
        self.heartbeats = 0
        self.dropped = False  # closed by the fake (drop/shutdown), not by the client

    async def send(self, payload: JSON) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return
            try:
                if self._compress is not None:
                    await self.ws.send_bytes(self._compress(text.encode()))
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                log.debug("gateway send failed: connection already closing")


class Gateway:
    """Serves ``GET /`` (and ``/gateway``) as Discord's gateway for the fake's world."""

    def __init__(self, fake: FakeDiscord, *, heartbeat_interval_ms: int) -> None:
        self.fake = fake
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.received: list[JSON] = []  # every payload a client sent, in order (heartbeats included)
        self.ack_heartbeats = True
        self.invalidate_next_resume = False
        self.privileged_intents = Intent.PRIVILEGED  # which privileged intents the "portal" allows
        self._changed = asyncio.Condition()

    # ---- inspection -------------------------------------------------------------------------
    def ops(self, op: int) -> list[JSON]:
        return [p for p in self.received if p.get("op") == op]

    @property
    def active(self) -> list[Connection]:
        return [c for c in self.connections if not c.ws.closed and c.session is not None]

    def connected_shards(self) -> set[int]:
        """Shard ids with a live session (0 for an unsharded client)."""
        return {c.session.shard[0] if c.session.shard else 0 for c in self.active if c.session is not None}

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true; re-checked on every gateway change."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- dispatch ---------------------------------------------------------------------------
    async def dispatch(self, event: str, data: JSON, *, session: Session | None = None) -> None:
        """Send a DISPATCH to one session or to every live session (buffered while disconnected)."""
        targets = (
            [session]
            if session
            else [s for s in self.sessions.values() if not s.invalid and s.receives(event, data)]
        )
        for s in targets:
            payload = self._shape_for(s, event, data)
            if payload is None:
                continue
            s.seq += 1
            frame = {"op": Op.DISPATCH, "t": event, "s": s.seq, "d": payload}
            s.sent.append(frame)
            if s.conn is not None:
                await s.conn.send(frame)

    def _shape_for(self, s: Session, event: str, data: JSON) -> JSON | None:
        needed = EVENT_INTENTS.get(event)
        if needed is not None and not s.intents & needed:
            return None
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not s.intents & Intent.MESSAGE_CONTENT:
            bot_id = str(self.fake.bot_user.id)
            mentioned = any(u["id"] == bot_id for u in data.get("mentions", []))
            if data.get("author", {}).get("id") != bot_id and not mentioned and "guild_id" in data:
                data = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        return data

    # ---- faults -----------------------------------------------------------------------------
    async def drop(self, code: int = 4000, *, abrupt: bool = False) -> None:
        """Close every live connection (sessions stay resumable)."""
        for conn in list(self.connections):
            if conn.ws.closed:
                continue
            conn.dropped = True
            if abrupt and conn.request.transport is not None:
                conn.request.transport.close()
            else:
                await conn.ws.close(code=code, message=b"fakediscord drop")

    async def invalidate(self, *, resumable: bool = False) -> None:
        """Send op 9 to every live connection; a non-resumable one forgets the session."""
        for conn in self.active:
            if not resumable and conn.session is not None:
                conn.session.invalid = True
            await conn.send({"op": Op.INVALID_SESSION, "d": resumable})

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT (the client closes and resumes)."""
        for conn in self.active:
            await conn.send({"op": Op.RECONNECT, "d": None})

    # ---- websocket handler ------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        compress = request.query.get("compress")
        if compress is not None and stream_compressor(compress) is None:
            raise web.HTTPBadRequest(text=f"fakediscord cannot serve compress={compress}")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, request, compress)
        self.connections.append(conn)
        await conn.send({"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.received.append(payload)
                if not await self._on_payload(conn, payload):
                    break
        finally:
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
                if not conn.dropped and ws.close_code in (1000, 1001):
                    conn.session.invalid = True  # a clean client close ends the session, as on Discord
            if not ws.closed:
                await ws.close()
            await self._notify()
        return ws

    async def _on_payload(self, conn: Connection, payload: JSON) -> bool:
        op, d = payload.get("op"), payload.get("d")
        if op == Op.HEARTBEAT:
            conn.heartbeats += 1
            if self.ack_heartbeats:
                await conn.send({"op": Op.HEARTBEAT_ACK})
        elif op == Op.IDENTIFY:
            return await self._identify(conn, d or {})
        elif op == Op.RESUME:
            return await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
            return False
        elif op == Op.REQUEST_MEMBERS:
            await self._members_chunk(conn.session, d or {})
        await self._notify()
        return True

    async def _identify(self, conn: Connection, d: JSON) -> bool:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return False
        if d.get("token") != self.fake.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return False
        intents = int(d.get("intents", 0))
        if intents & Intent.PRIVILEGED & ~self.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return False
        shard = d.get("shard")
        if shard is not None and not (
            isinstance(shard, list) and len(shard) == 2 and 0 <= int(shard[0]) < int(shard[1])
        ):
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return False
        session = Session(id=secrets.token_hex(16), intents=intents, identify=d)
        if shard is not None and int(shard[1]) > 1:
            session.shard = (int(shard[0]), int(shard[1]))
        self.sessions[session.id] = session
        session.conn = conn
        conn.session = session
        await self.dispatch("READY", self.fake.ready_payload(session.id, shard), session=session)
        for guild in self.fake.guilds_on(list(session.shard) if session.shard else None):
            await self.dispatch(
                "GUILD_CREATE", self.fake.guild_create_payload(guild, intents), session=session
            )
        await self._notify()
        return True

    async def _resume(self, conn: Connection, d: JSON) -> bool:
        session = self.sessions.get(str(d.get("session_id")))
        if d.get("token") != self.fake.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return False
        if session is None or session.invalid or self.invalidate_next_resume:
            self.invalidate_next_resume = False
            if session is not None:
                session.invalid = True
            await conn.send({"op": Op.INVALID_SESSION, "d": False})
            await self._notify()
            return True
        if session.conn is not None and session.conn is not conn:
            old = session.conn
            session.conn = None
            await old.ws.close(code=4000)
        session.conn = conn
        conn.session = session
        last = int(d.get("seq") or 0)
        for frame in list(session.sent):
            if frame["s"] > last:
                await conn.send(frame)
        session.seq += 1
        resumed = {"op": Op.DISPATCH, "t": "RESUMED", "s": session.seq, "d": {"_trace": ["fakediscord"]}}
        session.sent.append(resumed)
        await conn.send(resumed)
        await self._notify()
        return True

    async def _members_chunk(self, session: Session, d: JSON) -> None:
        guild = self.fake.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        query = str(d.get("query") or "").lower()
        wanted = {int(u) for u in d.get("user_ids") or []}
        members = [
            m.to_dict()
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user.username.lower().startswith(query)
        ]
        limit = int(d.get("limit") or 0)
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": members[:limit] if limit else members,
            "chunk_index": 0,
            "chunk_count": 1,
            "presences": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk, session=session)

    async def close(self) -> None:
        for conn in list(self.connections):
            conn.dropped = True
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fakediscord shutting down")
