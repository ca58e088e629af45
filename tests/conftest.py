"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from knowledge.config import Settings
from knowledge.store import Store

if TYPE_CHECKING:
    from knowledge.service import Knowledge

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed" / "blackberry-pakistan.txt"
SEED_URL = "https://www.securityweek.com/blackberry-continue-operating-pakistan"
SHARED = Path(os.environ.get("NEWSDESK_SHARED", Path(__file__).resolve().parents[2] / "shared"))
POSTGRES_URL = os.environ.get("NEWSDESK_TEST_POSTGRES_URL")


def pytest_configure(config: pytest.Config) -> None:
    """Commands the tests run (in-process or as subprocesses) answer lexically unless a test opts in:
    loading a sentence-embedding model costs seconds, and tests/semantic covers that path."""
    os.environ["NEWSDESK_EMBEDDING_MODEL"] = "off"


needs_shared = pytest.mark.skipif(
    not (SHARED / "corpus").is_dir(),
    reason=f"../shared corpus not found at {SHARED} (evaluation data, CI only)",
)


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'newsdesk.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("NEWSDESK_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    await _reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(db_url)
    yield opened
    await opened.close()


def make_settings(tmp_path: Path, database_url: str | None = None, **extra: object) -> Settings:
    values: dict[str, object] = {
        "NEWSDESK_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{tmp_path / 'newsdesk.db'}",
        "NEWSDESK_INDEX_DIR": str(tmp_path / "index"),
        "NEWSDESK_FETCH_ALLOW_HOSTS": "127.0.0.1",
        # the semantic path is tested on its own (tests/semantic): loading a model per test would cost seconds
        "NEWSDESK_EMBEDDING_MODEL": "off",
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def kb(settings: Settings) -> AsyncIterator[Knowledge]:
    """A Knowledge service on a fresh SQLite database."""
    from knowledge.service import Knowledge

    service = await Knowledge.open(settings)
    yield service
    await service.close()


@pytest.fixture
async def any_kb(db_url: str, tmp_path: Path) -> AsyncIterator[Knowledge]:
    """A Knowledge service on each backend."""
    from knowledge.service import Knowledge

    service = await Knowledge.open(make_settings(tmp_path, db_url))
    yield service
    await service.close()
