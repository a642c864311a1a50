"""Outreach's own settings, from the environment or `.env`: the SMTP server email goes through."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    SMTP_HOST: str | None = Field(default=None, description="The SMTP server; unset: email drafts wait.")
    SMTP_PORT: int = Field(default=587, ge=1, le=65535)
    SMTP_USER: str | None = None
    SMTP_PASSWORD: SecretStr | None = None
    SMTP_FROM: str = Field(default="doorstep@localhost", description="The From address of every email.")
    SMTP_STARTTLS: bool = Field(default=False, description="Upgrade the connection with STARTTLS first.")
    SMTP_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)

    @property
    def configured(self) -> bool:
        return bool(self.SMTP_HOST)


class WebhookSettings(BaseSettings):
    """Doorstep's own signed outbound webhooks for outreach and ladder events."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    DOORSTEP_WEBHOOK_URLS: str = Field(
        default="", description="Comma-separated URLs each event is POSTed to."
    )
    DOORSTEP_WEBHOOK_SECRET: SecretStr | None = Field(
        default=None, description="The HMAC-SHA256 key of the Doorstep-Signature header (required to send)."
    )
    DOORSTEP_WEBHOOK_ATTEMPTS: int = Field(default=4, ge=1, le=10)
    DOORSTEP_WEBHOOK_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0, le=60)

    @property
    def urls(self) -> list[str]:
        return [u.strip() for u in self.DOORSTEP_WEBHOOK_URLS.split(",") if u.strip()]

    @property
    def configured(self) -> bool:
        return bool(self.urls) and self.DOORSTEP_WEBHOOK_SECRET is not None
