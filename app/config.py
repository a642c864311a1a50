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
        token = self.DOORSTEP_API_TOKEN.get_secret_value() if self.DOORSTEP_API_TOKEN else ""
        if token.lower() in PLACEHOLDER_SECRETS or len(token) < 24:
            raise ValueError(
                "DOORSTEP_API_TOKEN must be set to a random value of 24+ characters in production"
            )
        if not self.DATABASE_URL:
            raise ValueError("DATABASE_URL must be set in production")
        audit_key = self.DOORSTEP_AUDIT_KEY.get_secret_value() if self.DOORSTEP_AUDIT_KEY else ""
        if audit_key.lower() in PLACEHOLDER_SECRETS or len(audit_key) < 32:
            raise ValueError(
                "DOORSTEP_AUDIT_KEY must be set to a random value of 32+ characters in production "
                "(keep it outside the database: it signs the audit log)"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Tests build their own `Settings` instead."""
    return Settings()
