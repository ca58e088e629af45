"""The Discord front end's settings: the library's plus the token, endpoints, shards and operations."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator

from knowledge.config import Settings, explain_invalid


class BotSettings(Settings):
    """What ``newsdesk run`` reads on top of :class:`knowledge.config.Settings`."""

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_api_base: str | None = Field(default=None, validation_alias="NEWSDESK_DISCORD_API_BASE")
    discord_gateway: str | None = Field(default=None, validation_alias="NEWSDESK_DISCORD_GATEWAY")
    dev_guild_id: int | None = Field(default=None, validation_alias="NEWSDESK_DEV_GUILD_ID")
    shard_count: int | None = Field(default=None, ge=1, validation_alias="NEWSDESK_SHARD_COUNT")
    shard_ids: tuple[int, ...] | None = Field(default=None, validation_alias="NEWSDESK_SHARD_IDS")
    http_port: int | None = Field(default=None, ge=0, le=65535, validation_alias="NEWSDESK_HTTP_PORT")
    http_host: str = Field(default="127.0.0.1", validation_alias="NEWSDESK_HTTP_HOST")
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="NEWSDESK_LOG_FORMAT")

    @field_validator(
        "discord_token",
        "discord_api_base",
        "discord_gateway",
        "dev_guild_id",
        "shard_count",
        "shard_ids",
        "http_port",
        mode="before",
    )
    @classmethod
    def _blank_is_unset_too(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None  # `NEWSDESK_SHARD_IDS=` as .env.example has it: every shard, not none
        if isinstance(value, str):
            try:
                return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a comma-separated list of shard numbers such as 0,1"
                ) from None
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() or "text" if isinstance(value, str) else value

    @model_validator(mode="after")
    def _shards_fit(self) -> Self:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("NEWSDESK_SHARD_IDS needs NEWSDESK_SHARD_COUNT (the total number of shards)")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if wrong or not self.shard_ids or len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError(
                    f"NEWSDESK_SHARD_IDS must be distinct numbers from 0 to {self.shard_count - 1}"
                )
        return self

    @property
    def runs_first_shard(self) -> bool:
        """Whether this process owns shard 0 (or every shard): the one that syncs slash commands."""
        return self.shard_ids is None or 0 in self.shard_ids


def load_bot_settings() -> BotSettings:
    """BotSettings from the environment and ``.env``; a bad value is one readable sentence."""
    try:
        return BotSettings()
    except ValidationError as error:
        raise explain_invalid(error) from None


def own_index_dir(settings: BotSettings) -> BotSettings:
    """Give a process that runs some of the shards its own search index directory (unless one is set):
    several processes on one host must not write one index."""
    if settings.index_dir is not None or settings.shard_ids is None:
        return settings
    from knowledge.service import Knowledge

    base = Knowledge.index_directory(settings)
    if base is None:
        return settings
    suffix = "-".join(map(str, settings.shard_ids))
    return settings.model_copy(update={"index_dir": base.with_name(f"{base.name}-shard-{suffix}")})
