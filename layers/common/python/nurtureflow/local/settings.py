"""The local stack's own settings: its port and the local credentials the banner prints."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    port: int = Field(default=8080, validation_alias="PORT")
    host: str = Field(default="127.0.0.1", validation_alias="HOST")
    admin_token: str = Field(default="local-admin-token", validation_alias="NURTUREFLOW_ADMIN_TOKEN")
    marketer_token: str = Field(default="local-marketer-token", validation_alias="NURTUREFLOW_MARKETER_TOKEN")
    finance_token: str = Field(default="local-finance-token", validation_alias="NURTUREFLOW_FINANCE_TOKEN")
    site_key: str = Field(default="local-site-key", validation_alias="NURTUREFLOW_SITE_KEY")
    # The site's secret server key (Authorization: Bearer on POST /v1/events; docs/security.md).
    server_key: str = Field(default="local-server-key", validation_alias="NURTUREFLOW_SERVER_KEY")
    # The password of the local people (admin@, marketer@, finance@shop.internal) on the sign-in page.
    people_password: str = Field(default="Local-sign-in-1!", validation_alias="NURTUREFLOW_PEOPLE_PASSWORD")
