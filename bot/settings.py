"""Every setting in one place, read from the environment (see shared/interface.md)."""

import os
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import Field
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
    # The City's own clock decides which year a reference number belongs to.
    timezone: str = Field("America/Chicago", alias="ENTRYWAY_TIMEZONE")
    # Longest chat message passed to Rasa; longer ones get a polite reply instead.
    max_message_chars: int = Field(5000, alias="ENTRYWAY_MAX_MESSAGE_CHARS")
    # Drafts nobody touched for this long are deleted (they hold contact details).
    draft_retention_days: int = Field(30, alias="ENTRYWAY_DRAFT_RETENTION_DAYS")

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_triage_channel: str | None = Field(None, alias="SLACK_TRIAGE_CHANNEL")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
