"""Doorstep's settings: one validated object, read from the environment (and `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "replace-me", "dev"}


class Settings(BaseSettings):
    """Everything an operator can set. Secrets have no default outside development."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    DOORSTEP_DATA_DIR: Path = Field(
        default=Path(".doorstep"),
        description="Holds all local state: the SQLite file, the Chroma index, generated documents.",
    )
    DATABASE_URL: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in the data directory."
    )
    CHROMA_URL: str | None = Field(default=None, description="A Chroma server; embedded Chroma if unset.")
    REDIS_URL: str | None = None
    DOORSTEP_API_TOKEN: SecretStr | None = Field(
        default=None,
        description="Bearer token for the staff JSON API. Unset: the API answers loopback clients only.",
    )
    DOORSTEP_AUDIT_KEY: SecretStr | None = Field(
        default=None,
        description=(
            "HMAC key that signs the audit log, kept outside the database (32+ characters). Unset outside "
            "production: a random key is kept in the data directory's audit.key."
        ),
    )
    DOORSTEP_CHAT_SECRET: SecretStr | None = Field(
        default=None,
        description=(
            "HS256 secret that signs residents' chat tokens; a portal's backend mints tokens with it (32+ "
            "characters). Unset outside production: a random one is kept in the data directory's chat.key."
        ),
    )
    DOORSTEP_PUBLIC_URL: str = Field(
        default="http://127.0.0.1:8000",
        description="Where residents and Twilio reach this service; Twilio signs requests to this URL.",
    )
    DATABASE_OWNER_URL: str | None = Field(
        default=None,
        description=(
            "PostgreSQL: the role that owns the schema, for `doorstep db upgrade` and `doorstep db grant`. "
            "DATABASE_URL is then a role that may only read and append to the ledger and audit log."
        ),
    )
    DOORSTEP_TIMEZONE: str = Field(default="America/Chicago", description="The portfolio's home timezone.")
    OPENAI_API_KEY: SecretStr | None = None
    OPENAI_BASE_URL: str | None = None
    DOORSTEP_MODEL: str = "gpt-4o-mini"

    @property
    def data_dir(self) -> Path:
        return self.DOORSTEP_DATA_DIR.expanduser()

    @property
    def database_url(self) -> str:
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite:///{(self.data_dir / 'doorstep.sqlite3').resolve()}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.ENVIRONMENT != "production":
            return self
        _require_secret("DOORSTEP_API_TOKEN", self.DOORSTEP_API_TOKEN, min_chars=24)
        if not self.DATABASE_URL:
            raise ValueError("DATABASE_URL must be set in production")
        _require_secret(
            "DOORSTEP_AUDIT_KEY",
            self.DOORSTEP_AUDIT_KEY,
            why=" (keep it outside the database: it signs the audit log)",
        )
        _require_secret("DOORSTEP_CHAT_SECRET", self.DOORSTEP_CHAT_SECRET)
        return self


def _require_secret(name: str, value: SecretStr | None, *, min_chars: int = 32, why: str = "") -> None:
    secret = value.get_secret_value() if value else ""
    if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < min_chars:
        raise ValueError(
            f"{name} must be set to a random value of {min_chars}+ characters in production{why}"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Tests build their own `Settings` instead."""
    return Settings()
