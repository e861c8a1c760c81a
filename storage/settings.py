"""Every setting of every process in one place, read from the environment (see
shared/interface.md). It lives in storage because storage is the one package both
processes share: the app (bot/) and the action server (actions/) never import each other."""

import os
from functools import lru_cache
from zoneinfo import ZoneInfo

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field("sqlite:///var/entryway.db", alias="DATABASE_URL")
    host: str = Field("127.0.0.1", alias="ENTRYWAY_HOST")
    port: int = Field(8000, alias="ENTRYWAY_PORT")
    rasa_port: int = Field(5005, alias="ENTRYWAY_RASA_PORT")
    actions_port: int = Field(5055, alias="ENTRYWAY_ACTIONS_PORT")
    # Rasa processes on ENTRYWAY_RASA_PORT, +1, ... (see scripts/run-rasa).
    rasa_workers: int = Field(
        default_factory=lambda: 2 if (os.cpu_count() or 1) > 1 else 1,
        alias="ENTRYWAY_RASA_WORKERS",
        ge=1,
        le=16,
    )
    # How long the app waits for Rasa's answer to one message before telling the person
    # the assistant is restarting (their message may still be answered later).
    rasa_timeout_seconds: float = Field(30.0, alias="ENTRYWAY_RASA_TIMEOUT_SECONDS", gt=0)
    # The City's own clock decides which year a reference number belongs to.
    timezone: str = Field("America/Chicago", alias="ENTRYWAY_TIMEZONE")
    # Longest chat message passed to Rasa; longer ones get a polite reply instead.
    max_message_chars: int = Field(5000, alias="ENTRYWAY_MAX_MESSAGE_CHARS")
    # Drafts nobody touched for this long are deleted (they hold contact details).
    draft_retention_days: int = Field(30, alias="ENTRYWAY_DRAFT_RETENTION_DAYS")
    # Business days per status, reminders and escalations (storage/service_levels.py).
    service_levels_file: str = Field("service_levels.yml", alias="ENTRYWAY_SERVICE_LEVELS")
    # Who hears of submissions overdue by service_levels' lead_after (a Slack user id).
    escalation_lead: str | None = Field(None, alias="ENTRYWAY_ESCALATION_LEAD")
    # Where people can reach the app, for links in e-mails to submitters.
    public_url: str | None = Field(None, alias="ENTRYWAY_PUBLIC_URL")
    # Purchases the City may make without a competitive solicitation (Texas Local
    # Government Code 252.021: $50,000); the triage card suggests a path from it.
    small_purchase_limit: int = Field(50_000, alias="ENTRYWAY_SMALL_PURCHASE_LIMIT", ge=0)

    # Production: Rasa's lock store (and, if chosen, its tracker store), and where the
    # per-client rate limits are counted, so they hold across app instances.
    redis_url: str | None = Field(None, alias="REDIS_URL")
    # Shared secrets between this deployment's processes, for when they are not all on
    # one host's loopback: Rasa's HTTP API (--auth-token) and the action server.
    rasa_token: str | None = Field(None, alias="ENTRYWAY_RASA_TOKEN")
    actions_token: str | None = Field(None, alias="ENTRYWAY_ACTIONS_TOKEN")
    # Requests per client address (limits' notation, several separated by ';'; empty:
    # no limit) to the chat endpoints and to the public API and report. A library or
    # office shares one address, so these are floods, not people.
    rate_limit_chat: str = Field("10/second;300/minute", alias="ENTRYWAY_RATE_LIMIT_CHAT")
    rate_limit_public: str = Field("20/second;300/minute", alias="ENTRYWAY_RATE_LIMIT_PUBLIC")

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_triage_channel: str | None = Field(None, alias="SLACK_TRIAGE_CHANNEL")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    # Slack user groups (ids like S0123ABCD) that the staff roster follows, synced by the
    # scheduler (bot/slack/roster_sync.py); unset: the roster is kept with the CLI alone.
    staff_usergroup_leads: str | None = Field(None, alias="ENTRYWAY_STAFF_USERGROUP_LEADS")
    staff_usergroup_evaluators: str | None = Field(
        None, alias="ENTRYWAY_STAFF_USERGROUP_EVALUATORS"
    )

    smtp_url: str | None = Field(None, alias="SMTP_URL")
    mail_from: str = Field("Entryway <entryway@localhost>", alias="ENTRYWAY_MAIL_FROM")

    # A claimed outbox message is sent again by anyone once its lease has expired (the
    # sender died mid-send). The lease must outlast the slowest send, or a slow but
    # living sender would see its message sent a second time by another.
    outbox_lease_seconds: float = Field(60.0, alias="ENTRYWAY_OUTBOX_LEASE_SECONDS", gt=0)
    send_timeout_seconds: float = Field(10.0, alias="ENTRYWAY_SEND_TIMEOUT_SECONDS", gt=0)
    # After this many failed attempts a message stops being retried and waits for staff
    # (`python -m bot.staff_cli outbox`).
    outbox_max_attempts: int = Field(12, alias="ENTRYWAY_OUTBOX_MAX_ATTEMPTS", ge=1)

    @field_validator("rate_limit_chat", "rate_limit_public")
    @classmethod
    def _rate_limits_parse(cls, value: str) -> str:
        if value.strip():
            try:
                parse_many(value)
            except ValueError as problem:
                raise ValueError(
                    f"{value!r} is not a rate limit such as '10/second;300/minute' ({problem})"
                ) from None
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> "Settings":
        if self.outbox_lease_seconds < 2 * self.send_timeout_seconds:
            raise ValueError(
                "ENTRYWAY_OUTBOX_LEASE_SECONDS must be at least twice "
                "ENTRYWAY_SEND_TIMEOUT_SECONDS, or a slow send could be repeated"
            )
        return self

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.rasa_workers)]

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
