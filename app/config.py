"""Doorstep's settings: one validated object, read from the environment (and `.env`)."""

from __future__ import annotations

from datetime import date
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
    DOORSTEP_TODAY: date | None = Field(
        default=None,
        description="Pin the portfolio's date (a demo of a past day, a repeatable test); unset: today.",
    )
    OPENAI_API_KEY: SecretStr | None = None
    OPENAI_BASE_URL: str | None = None
    DOORSTEP_MODEL: str = "gpt-4o-mini"
    TWILIO_AUTH_TOKEN: SecretStr | None = Field(
        default=None,
        description=(
            "Turns the SMS bridge on: Twilio signs its webhooks with it (and the REST API takes it). Unset: "
            "the SMS webhooks refuse every request."
        ),
    )
    TWILIO_ACCOUNT_SID: str | None = Field(
        default=None, description="With the token and a from number: send."
    )
    TWILIO_FROM_NUMBER: str | None = Field(
        default=None,
        description="The E.164 number texts come from. Without all three, texts wait in the outbox.",
    )
    TWILIO_API_BASE_URL: str | None = Field(
        default=None,
        description="Another host for Twilio's REST API (an edge, a proxy, a test's fake Twilio).",
    )
    SMS_KEYWORD_REPLIES: bool = Field(
        default=True,
        description=(
            "Confirm STOP, START and HELP by text. Turn off when Twilio's Advanced Opt-Out already answers "
            "them (the registry is kept either way)."
        ),
    )
    SMS_OFFICE_CONTACT: str = Field(
        default="",
        max_length=120,
        description="How a texter we cannot match to a resident reaches a person: 'call (512) 555-0142'.",
    )
    STRIPE_WEBHOOK_SECRET: SecretStr | None = Field(
        default=None,
        description=(
            "The signing secret (whsec_...) of the Stripe endpoint that calls POST /webhooks/stripe; setting "
            "it turns the endpoint on. Unset: the endpoint refuses every request."
        ),
    )
    STRIPE_WEBHOOKS_ENABLED: bool = Field(
        default=False,
        description=(
            "Turns POST /webhooks/stripe on (as STRIPE_WEBHOOK_SECRET does); production then needs the secret"
        ),
    )
    DOORSTEP_TURN_WORKERS: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description=(
            "Chat turns answered at once in one server process. Unset: 2 with the offline planner, whose "
            "turns hold Python's interpreter lock (more threads only take it from each other, and from "
            "the event loop that sends the replies); 4 with a chat model, whose turns mostly wait on the "
            "network, so an operator may let more wait together."
        ),
    )
    DOORSTEP_TURN_PROCESSES: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description=(
            "Worker processes that answer chat turns beside the server process (0: answer them on its "
            "own threads). Unset: with the offline planner, one per core up to 4 (on one core, none): its "
            "turns are Python work, and one process's interpreter lock caps it at one core while the "
            "sockets need it too; with a chat model, none (its turns wait on the network). Tests "
            "(ENVIRONMENT=test) run none unless set."
        ),
    )
    STRIPE_WEBHOOK_TOLERANCE_SECONDS: int = Field(
        default=300,
        ge=1,
        le=300,
        description="How old a signed delivery may be (Stripe's own default, 300 s, is the most allowed).",
    )

    @property
    def data_dir(self) -> Path:
        return self.DOORSTEP_DATA_DIR.expanduser()

    @property
    def database_url(self) -> str:
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite:///{(self.data_dir / 'doorstep.sqlite3').resolve()}"

    @property
    def sms_enabled(self) -> bool:
        """Any Twilio setting given: the operator means to run the SMS bridge."""
        return any((self.TWILIO_AUTH_TOKEN, self.TWILIO_ACCOUNT_SID, self.TWILIO_FROM_NUMBER))

    @property
    def stripe_webhooks_on(self) -> bool:
        """The operator means to take Stripe's payment events."""
        return self.STRIPE_WEBHOOKS_ENABLED or self.STRIPE_WEBHOOK_SECRET is not None

    @property
    def twilio_sending(self) -> bool:
        """Texts go out through Twilio's REST API (else they wait in the outbox)."""
        return bool(self.TWILIO_AUTH_TOKEN and self.TWILIO_ACCOUNT_SID and self.TWILIO_FROM_NUMBER)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        """What is kept only to be faster (sentence vectors); safe to delete at any time."""
        return self.data_dir / "cache"

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
        if self.sms_enabled:  # SMS stays optional; once any Twilio setting is given, webhooks must verify
            _require_secret(
                "TWILIO_AUTH_TOKEN",
                self.TWILIO_AUTH_TOKEN,
                why=" when SMS is on (it signs Twilio's webhooks)",
            )
            if not self.DOORSTEP_PUBLIC_URL.startswith("https://"):
                raise ValueError(
                    "DOORSTEP_PUBLIC_URL must be the https:// address Twilio calls when SMS is on"
                )
        if self.stripe_webhooks_on:  # payments stay optional; once on, every event must be verifiable
            _require_secret(
                "STRIPE_WEBHOOK_SECRET",
                self.STRIPE_WEBHOOK_SECRET,
                why=" when Stripe webhooks are on (it verifies every payment event)",
            )
            secret = self.STRIPE_WEBHOOK_SECRET.get_secret_value() if self.STRIPE_WEBHOOK_SECRET else ""
            if not secret.startswith("whsec_"):
                raise ValueError(
                    "STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret, starting whsec_"
                )
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
