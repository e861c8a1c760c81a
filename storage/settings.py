"""Every setting of every process in one place, read from the environment (every variable:
docs/configuration.md; those others rely on: docs/http-interface.md). It lives in storage
because storage is the one package both processes share: the app (bot/) and the action
server (actions/) never import each other."""

import ipaddress
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
    # Conversations are deleted once idle that long, and nothing of one is kept longer
    # than this however active it stays (its earlier sessions, or all of it).
    conversation_max_age_days: int = Field(90, alias="ENTRYWAY_CONVERSATION_MAX_AGE_DAYS", ge=1)
    # Business days per status, reminders and escalations (storage/service_levels.py).
    service_levels_file: str = Field("service_levels.yml", alias="ENTRYWAY_SERVICE_LEVELS")
    # Cost per record of an unauthorized disclosure, by data class, and the risk levels
    # (storage/pilots/disclosure.py).
    disclosure_costs_file: str = Field("disclosure_costs.yml", alias="ENTRYWAY_DISCLOSURE_COSTS")
    # Who hears of submissions overdue by service_levels' lead_after (a Slack user id).
    escalation_lead: str | None = Field(None, alias="ENTRYWAY_ESCALATION_LEAD")
    # Where people can reach the app, for links in e-mails to submitters.
    public_url: str | None = Field(None, alias="ENTRYWAY_PUBLIC_URL")
    # Purchases the City may make without a competitive solicitation (Texas Local
    # Government Code 252.021: $50,000); the triage card suggests a path from it.
    small_purchase_limit: int = Field(50_000, alias="ENTRYWAY_SMALL_PURCHASE_LIMIT", ge=0)
    # A vendor told of a public-information request touching their submission is reminded
    # this many business days before their deadline to object (storage/public_information.py).
    public_information_remind_days: int = Field(
        3, alias="ENTRYWAY_PUBLIC_INFORMATION_REMIND_DAYS", ge=1, le=30
    )
    # Where vendors write about such a request (the City's public-information office);
    # unset: they are told to ask for a person in the chat where they submitted.
    public_information_contact: str | None = Field(
        None, alias="ENTRYWAY_PUBLIC_INFORMATION_CONTACT"
    )

    # Production: Rasa's lock store (and, if chosen, its tracker store), and where the
    # per-client rate limits are counted, so they hold across app instances.
    redis_url: str | None = Field(None, alias="REDIS_URL")
    # Shared secrets between this deployment's processes, for when they are not all on
    # one host's loopback: Rasa's HTTP API (--auth-token) and the action server.
    rasa_token: str | None = Field(None, alias="ENTRYWAY_RASA_TOKEN")
    actions_token: str | None = Field(None, alias="ENTRYWAY_ACTIONS_TOKEN")
    # When set, the REST channel (POST /webhooks/rest/webhook) answers only requests
    # carrying it (Authorization: Bearer ...): for deployments that open it to known
    # integrations only. Unset: open to any Rasa REST client.
    rest_token: str | None = Field(None, alias="ENTRYWAY_REST_TOKEN")
    # Requests per client address (limits' notation, several separated by ';'; empty:
    # no limit) to the chat endpoints and to the public API and report. A library or
    # office shares one address, so these are floods, not people.
    rate_limit_chat: str = Field("10/second;300/minute", alias="ENTRYWAY_RATE_LIMIT_CHAT")
    rate_limit_public: str = Field("20/second;300/minute", alias="ENTRYWAY_RATE_LIMIT_PUBLIC")
    # The proxies (addresses or networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto the app believes: HAProxy's address. Empty: none, not even
    # 127.0.0.1, so a client cannot name itself a new address with each request.
    trusted_proxies: str = Field("", alias="ENTRYWAY_TRUSTED_PROXIES")
    # Requests to talk to staff and new submissions per hour, per client (its address;
    # a Slack user in Slack) and from everyone together; empty: no limit. Over a limit a
    # handoff is still recorded (without a post of its own) and a submission stays a draft.
    handoff_limit_per_client: int | None = Field(5, alias="ENTRYWAY_HANDOFF_LIMIT_PER_CLIENT", ge=1)
    handoff_limit_total: int | None = Field(60, alias="ENTRYWAY_HANDOFF_LIMIT_TOTAL", ge=1)
    submission_limit_per_client: int | None = Field(
        10, alias="ENTRYWAY_SUBMISSION_LIMIT_PER_CLIENT", ge=1
    )
    submission_limit_total: int | None = Field(200, alias="ENTRYWAY_SUBMISSION_LIMIT_TOTAL", ge=1)

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
    # The certificates SMTP_URL's server is checked against (a PEM bundle); unset, the
    # system's trusted ones. A certificate that does not verify stops the send.
    smtp_ca_file: str | None = Field(None, alias="ENTRYWAY_SMTP_CA_FILE")

    # A claimed outbox message is sent again by anyone once its lease has expired (the
    # sender died mid-send). A whole send (every request of it) must end within 40% of
    # the lease (bot/notifier), and one request within the send timeout.
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

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_parse(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                # uvicorn would take a name or "*" as it is ("*": every client a proxy).
                raise ValueError(
                    f"{entry!r} is not an address or network such as 10.0.0.5 or 10.0.0.0/24"
                ) from None
        return value

    @field_validator(
        "handoff_limit_per_client",
        "handoff_limit_total",
        "submission_limit_per_client",
        "submission_limit_total",
        mode="before",
    )
    @classmethod
    def _empty_is_no_limit(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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
    def trusted_proxy_networks(self) -> list[str]:
        return [
            str(ipaddress.ip_network(part.strip(), strict=False))
            for part in self.trusted_proxies.split(",")
            if part.strip()
        ]

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
