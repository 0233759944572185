"""Settings read once at cold start, in small parts so each function declares only what it reads.

Every part reads environment variables prefixed ``NURTUREFLOW_``; nothing else in the package
reads ``os.environ``.

The parts are pydantic models that read the environment themselves (``_Part``), not
pydantic-settings' ``BaseSettings``: importing pydantic-settings costs a Lambda cold start about
40 ms (it loads asyncio, dotenv and argparse), for the little the functions need of it. The rules
are pydantic-settings' for what the functions use: ``NURTUREFLOW_<FIELD>`` (or a field's
``validation_alias``), names matched case-insensitively, and a field whose type is a dict, a
list or a model given as JSON.
"""

from __future__ import annotations

import ipaddress
import json
import os
import types
from typing import Any, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENV_PREFIX = "NURTUREFLOW_"


class _Part(BaseModel):
    # defer_build: a part is built at its first use, so a function pays only for the parts it reads.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(type(self)), **values})


def env_names(part: type[BaseModel]) -> dict[str, str]:
    """Each field's environment variable (upper case)."""
    return {
        name: (
            field.validation_alias if isinstance(field.validation_alias, str) else ENV_PREFIX + name
        ).upper()
        for name, field in part.model_fields.items()
    }


def _from_environment(part: type[BaseModel]) -> dict[str, Any]:
    environment = {key.upper(): value for key, value in os.environ.items()}
    found: dict[str, Any] = {}
    for name, variable in env_names(part).items():
        if variable in environment:
            raw = environment[variable]
            found[name] = json.loads(raw) if _is_complex(part.model_fields[name].annotation) else raw
    return found


def _is_complex(annotation: Any) -> bool:
    """A dict, a list, a set or a model, alone or in a union with None: given as JSON."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_complex(arg) for arg in get_args(annotation) if arg is not type(None))
    kind = origin or annotation
    return kind in (dict, list, set, tuple) or (isinstance(kind, type) and issubclass(kind, BaseModel))


class TableSettings(_Part):
    """Names of the DynamoDB tables (the stack sets them; the defaults serve the local stack)."""

    contacts_table: str = "nurtureflow-contacts"
    events_table: str = "nurtureflow-events"
    workflows_table: str = "nurtureflow-workflows"
    templates_table: str = "nurtureflow-templates"
    runs_table: str = "nurtureflow-runs"
    sends_table: str = "nurtureflow-sends"
    ledger_table: str = "nurtureflow-ledger"
    cost_rollups_table: str = "nurtureflow-cost-rollups"
    stats_table: str = "nurtureflow-stats"
    broadcasts_table: str = "nurtureflow-broadcasts"
    rate_limits_table: str = "nurtureflow-rate-limits"
    forecasts_table: str = "nurtureflow-forecasts"


class RetentionSettings(_Part):
    """How long raw events are kept: DynamoDB's TTL removes them (and their id markers) after this."""

    event_retention_days: int = Field(default=400, ge=1, le=3650)


class EndpointSettings(_Part):
    """Where AWS APIs answer. Unset in AWS; the local stack points them at moto and its runtime."""

    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    endpoint_dynamodb: str | None = None
    endpoint_ses: str | None = None
    endpoint_stepfunctions: str | None = None
    endpoint_events: str | None = None
    endpoint_lambda: str | None = None
    # Where the user pool's signing keys are read (its JWKS); in AWS, Cognito's public endpoint.
    endpoint_cognito_idp: str | None = None


class TrackingSettings(_Part):
    """Public base URL of the tracking routes and the keys that sign tracking tokens.

    ``public_base_url`` starts every unsubscribe URL, tracked link and open pixel, so it must be
    https: RFC 8058 one-click unsubscribe takes an HTTPS URI, and a link token sent in clear text can
    be read and replayed on the way. Plain http is only for a loopback host (127.0.0.1, localhost,
    ::1): the local stack, whose emails never leave the machine. Anything else fails at cold start.
    """

    public_base_url: str = "http://127.0.0.1:8080"
    # {key id: secret}; the first-listed id in ``link_key_id`` signs, every listed key verifies.
    link_keys: dict[str, str] = Field(default_factory=lambda: {"local1": "local-signing-key-change-me"})
    link_key_id: str = "local1"
    # Hosts a tracked link may redirect to (each allows its subdomains too; nurtureflow.sending.
    # link_hosts). "*" (any host) serves tools outside a deployment; the stack always sets the list.
    link_hosts: list[str] = Field(default_factory=lambda: ["*"])

    @field_validator("public_base_url")
    @classmethod
    def _https_unless_loopback(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
            return value
        raise ValueError(
            f"NURTUREFLOW_PUBLIC_BASE_URL must be an https:// URL with a host, not {value!r}: it starts "
            "every unsubscribe URL, tracked link and open pixel in the emails (RFC 8058 asks for HTTPS). "
            "http:// is allowed only for a loopback host (127.0.0.1, localhost, ::1): the local stack."
        )


def _is_loopback(host: str) -> bool:
    """localhost, or an IP address of the loopback network (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address
        return False


class SendingSettings(_Part):
    """Sender identity and the SES configuration set every send goes through.

    ``postal_address`` is required by CAN-SPAM in every marketing email: a blank one fails at cold
    start rather than sending emails without it (the default serves the local stack only).
    """

    sender: str = "NurtureFlow <hello@example.com>"
    configuration_set: str | None = None
    postal_address: str = Field(default="NurtureFlow, 1 Example Street, Springfield", max_length=300)

    @field_validator("postal_address")
    @classmethod
    def _postal_address_is_shown(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("NURTUREFLOW_POSTAL_ADDRESS must be a postal address (CAN-SPAM), not blank")
        return " ".join(value.split())

    # Where a List-Unsubscribe mailto goes (after the HTTPS one-click URL); none when unset.
    unsubscribe_mailbox: str | None = None


class AuthSettings(_Part):
    """Bearer tokens of the admin API, held as SHA-256 hex digests mapped to a role."""

    role_token_hashes: dict[str, str] = Field(default_factory=dict)
    # People's sign-in (docs/security.md): the Cognito user pool whose access tokens the admin API
    # accepts, and the console's app client they must be issued to. Unset: role tokens only.
    people_pool_id: str | None = None
    people_client_id: str | None = None


class SiteSettings(_Part):
    """Who may post events (docs/security.md): publishable site keys, each with the origins it
    allows, and secret server keys, held as SHA-256 hex digests mapped to the site they post for."""

    site_keys: dict[str, list[str]] = Field(default_factory=dict)
    server_key_hashes: dict[str, str] = Field(default_factory=dict)
    # Trait names (fnmatch patterns, any case) only a server key may set; a trait holding a link
    # is protected whatever its name.
    protected_traits: list[str] = Field(default_factory=list)


class RateLimitSettings(_Part):
    """What a publishable site key may post in an hour (fixed windows; docs/security.md)."""

    events_per_address_per_hour: int = Field(default=60, ge=1, le=1_000_000)
    new_addresses_per_ip_per_hour: int = Field(default=10, ge=1, le=1_000_000)
    new_addresses_per_site_key_per_hour: int = Field(default=1000, ge=1, le=1_000_000)


class BusSettings(_Part):
    """The EventBridge bus that carries tracked events to the trigger function."""

    event_bus_name: str = "nurtureflow"


class WorkflowSettings(_Part):
    """What compiled state machines need: the role they run under and the Lambda tasks they call."""

    state_machine_role_arn: str = "arn:aws:iam::000000000000:role/nurtureflow-workflows"
    state_machine_prefix: str = "nurtureflow-"
    step_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:nurtureflow-step"
    send_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:nurtureflow-send"
    # How many of a workflow's newest Step Functions versions each upload keeps; older ones are
    # deleted unless live or running (docs/workflow-compilation.md, "Versions"). AWS allows 1,000.
    versions_kept: int = Field(default=10, ge=1, le=900)


class WebhookConnection(BaseModel):
    """A deployment's EventBridge connection for webhook steps, and the URLs it may call."""

    model_config = ConfigDict(frozen=True)

    arn: str
    base_url: str  # a webhook's url must start with it (the role's states:HTTPEndpoint condition)


class WebhookSettings(_Part):
    """Webhook steps: the deployment's connections by name (the admin function compiles with them)
    and the keys that sign their payloads (the step function signs with them)."""

    webhook_connections: dict[str, WebhookConnection] = Field(default_factory=dict)
    webhook_keys: dict[str, str] = Field(default_factory=lambda: {"local1": "local-webhook-key-change-me"})
    webhook_key_id: str = "local1"


class ForecastSettings(_Part):
    """The function that runs forecast jobs (the stack sets it on the admin function)."""

    forecast_function_name: str = "nurtureflow-forecast"


class PriceSettings(_Part):
    """Optional path of a price-table JSON file that replaces the packaged defaults."""

    price_table_path: str | None = None


class BroadcastSettings(_Part):
    """How broadcasts are paced and where their state machine is (docs/broadcasts.md).

    The default rate stays below SES's usual starting send rate (14 emails a second).
    """

    broadcast_state_machine_arn: str = (
        "arn:aws:states:us-east-1:000000000000:stateMachine:NurtureFlowBroadcasts"
    )
    broadcast_rate_per_second: float = Field(default=10.0, gt=0, le=1000)
    broadcast_batch_size: int = Field(default=100, ge=1, le=500)
    # One page holds about this many seconds of sending at the rate: the machine waits between pages.
    broadcast_page_seconds: int = Field(default=60, ge=1, le=900)
    # Contacts read per page at most, matching or not: bounds a page's time when few contacts match.
    broadcast_scan_budget: int = Field(default=5000, ge=100, le=100000)
    # Pages one execution reads before it starts its successor. A page adds 15 events to the history,
    # 48 if its ReadPage used every retry (11 more attempts, 3 events each): 500 pages stay under
    # 25,000 events even then (docs/broadcasts.md), so that is the ceiling as well as the default.
    broadcast_pages_per_execution: int = Field(default=500, ge=1, le=500)


class TracingSettings(_Part):
    """Whether handlers load the X-Ray SDK for a subsegment per AWS call (nurtureflow.tracing)."""

    xray_sdk: bool = False
