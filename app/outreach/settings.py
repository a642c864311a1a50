"""Outreach's own settings, from the environment or `.env`: SMTP, signed webhooks, the staff Slack alerts."""

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


class SlackSettings(BaseSettings):
    """The Slack-compatible incoming webhook that alerts staff (the legal queue, SLA breaches)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    DOORSTEP_SLACK_WEBHOOK_URL: SecretStr | None = Field(
        default=None, description="The incoming-webhook URL (it is a secret); unset: alerts stay pending."
    )
    DOORSTEP_SLACK_ATTEMPTS: int = Field(default=3, ge=1, le=10, description="Tries per alert per run.")
    DOORSTEP_SLACK_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0, le=30)
    DOORSTEP_SLACK_BATCH: int = Field(default=50, ge=1, le=1_000, description="Alerts sent per run at most.")

    @property
    def url(self) -> str | None:
        value = self.DOORSTEP_SLACK_WEBHOOK_URL
        return value.get_secret_value().strip() or None if value is not None else None

    @property
    def configured(self) -> bool:
        return self.url is not None
