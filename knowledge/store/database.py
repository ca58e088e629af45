"""Engine, sessions and migrations: one engine per process, passed in, never global."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import StaticPool

from knowledge.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x6E657773  # any constant: PostgreSQL advisory lock taken while migrating


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe_database(url: str) -> str:
    """The database a URL names, as a person would say it (password hidden, SQLite as an absolute path)."""
    path = sqlite_path(url)
    if path is not None:
        return f"the SQLite file {path.resolve()}"
    if is_sqlite(url):
        return "an in-memory SQLite database"
    return make_url(url).render_as_string(hide_password=True)


def unavailable(url: str, error: BaseException) -> DatabaseUnavailable:
    """One sentence for a database that cannot be opened: which one, and the server's own reason."""
    cause: BaseException = error
    if isinstance(error, DBAPIError) and error.orig is not None:
        cause = error.orig
    reason = " ".join(str(cause).split()) or type(cause).__name__
    if isinstance(cause, ConnectionRefusedError) or "Connect call failed" in reason:
        parsed = make_url(url)
        reason = (
            f"nothing answers at {parsed.host or 'localhost'}:{parsed.port or 5432} (connection refused); "
            "is the database server running, and are the host and port in NEWSDESK_DATABASE_URL right?"
        )
    elif isinstance(cause, socket.gaierror):
        reason = f"the host {make_url(url).host!r} is unknown ({reason})"
    return DatabaseUnavailable(f"cannot open {describe_database(url)}: {reason}")


def create_engine(url: str) -> AsyncEngine:
    """An async engine tuned per backend (SQLite: WAL, foreign keys, waits instead of failing)."""
    kwargs: dict[str, Any] = {}
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is None:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Apply every pending migration (idempotent)."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # several bot processes may start at once: one migrates, the others wait and find it done
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
    log.debug("database at %s is up to date", engine.url.render_as_string(hide_password=True))
