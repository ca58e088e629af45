"""Settings read once from the environment and ``.env``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.errors import ConfigurationError
from knowledge.semantic.embedder import DEFAULT_MODEL

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsdesk.db"


class Settings(BaseSettings):
    """Every knob Newsdesk reads; names match ``.env.example`` one to one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="NEWSDESK_DATABASE_URL")
    discord_api_base: str | None = Field(default=None, validation_alias="NEWSDESK_DISCORD_API_BASE")
    discord_gateway: str | None = Field(default=None, validation_alias="NEWSDESK_DISCORD_GATEWAY")
    fetch_allow_hosts: str = Field(default="", validation_alias="NEWSDESK_FETCH_ALLOW_HOSTS")
    dev_guild_id: int | None = Field(default=None, validation_alias="NEWSDESK_DEV_GUILD_ID")
    poll_minutes: float = Field(default=15, gt=0, validation_alias="NEWSDESK_POLL_MINUTES")
    index_dir: Path | None = Field(default=None, validation_alias="NEWSDESK_INDEX_DIR")
    log_level: str = Field(default="INFO", validation_alias="NEWSDESK_LOG_LEVEL")
    embedding_model: str = Field(default=DEFAULT_MODEL, validation_alias="NEWSDESK_EMBEDDING_MODEL")

    @field_validator(
        "discord_token", "discord_api_base", "discord_gateway", "dev_guild_id", "index_dir", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts exempt from the private-address guard, lower-cased."""
        return frozenset(
            h.strip().lower().strip("[]") for h in self.fetch_allow_hosts.split(",") if h.strip()
        )


def load_settings() -> Settings:
    """Settings from the environment and ``.env``; a bad value is one readable sentence."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigurationError(f"invalid configuration: {problems}") from None
