"""Settings read once from the environment and ``.env``.

Only what the library needs lives here; the Discord front end extends it (``bot.config.BotSettings``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from knowledge.errors import ConfigurationError
from knowledge.semantic.embedder import DEFAULT_MODEL

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsdesk.db"
URL_FORMS = (
    "use sqlite+aiosqlite:///newsdesk.db (a file; four slashes for an absolute path) "
    "or postgresql+asyncpg://user:password@host:5432/dbname"
)


def database_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be used as NEWSDESK_DATABASE_URL (None when it can), naming the forms that work."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"{url!r} is not a database URL; {URL_FORMS}"
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"{shown!r} names a database driver Newsdesk does not have; {URL_FORMS}"
    if not getattr(dialect, "is_async", False):
        return f"{shown!r} uses a synchronous driver, and Newsdesk needs an async one; {URL_FORMS}"
    return None


class Settings(BaseSettings):
    """Every knob the library reads; with ``BotSettings`` the names match ``.env.example`` one to one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="NEWSDESK_DATABASE_URL")
    fetch_allow_hosts: str = Field(default="", validation_alias="NEWSDESK_FETCH_ALLOW_HOSTS")
    poll_minutes: float = Field(default=15, gt=0, validation_alias="NEWSDESK_POLL_MINUTES")
    lease_seconds: float = Field(default=120, gt=0, validation_alias="NEWSDESK_LEASE_SECONDS")
    index_dir: Path | None = Field(default=None, validation_alias="NEWSDESK_INDEX_DIR")
    log_level: str = Field(default="INFO", validation_alias="NEWSDESK_LOG_LEVEL")
    embedding_model: str = Field(default=DEFAULT_MODEL, validation_alias="NEWSDESK_EMBEDDING_MODEL")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if (problem := database_url_problem(value)) is not None:
            raise ValueError(problem)
        return value

    @field_validator("index_dir", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts exempt from the private-address guard, lower-cased."""
        return frozenset(
            h.strip().lower().strip("[]") for h in self.fetch_allow_hosts.split(",") if h.strip()
        )


def explain_invalid(error: ValidationError) -> ConfigurationError:
    """One readable sentence naming each bad variable."""
    problems = []
    for problem in error.errors():
        name = ".".join(map(str, problem["loc"]))
        message = str(problem["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}" if name else message)
    return ConfigurationError(f"invalid configuration: {'; '.join(problems)}")


def load_settings() -> Settings:
    """Settings from the environment and ``.env``; a bad value is one readable sentence."""
    try:
        return Settings()
    except ValidationError as error:
        raise explain_invalid(error) from None
