"""What an operator chooses at deploy time, read from CDK context (``cdk.json`` or ``-c key=value``).

Context keys (docs/deploy.md has the table):

* ``senderDomain``: the domain emails are sent from (required). The stack creates its SES domain
  identity (Easy DKIM, RSA 2048) with a custom MAIL FROM domain; ``sender`` must be an address of
  that domain. A reserved name (``example.com``, ``*.example``, ``*.test``, ``*.invalid``,
  ``localhost``: RFC 2606 and 6761) is refused, so the placeholder in cdk.json cannot be deployed.
* ``mailFromSubdomain``: the MAIL FROM (Return-Path) subdomain, ``bounce`` by default.
* ``existingSesIdentity``: ``true`` when the domain identity already exists in the account and
  region (created by hand or by another stack): the stack then creates none.
* ``dmarcReportEmail``: the ``rua`` mailbox of the suggested DMARC record (default
  ``postmaster@<senderDomain>``).
* ``sesSandboxRecipients``: verified recipient identities (addresses or domains) the senders may
  mail while the account is in the SES sandbox, where SES also checks the caller's permission on
  the recipient's identity. Empty by default: outside the sandbox nothing more is needed.
* ``alarmEmail``: an address subscribed to the alarm topic (unset: no subscription).
* ``apiDomain``, with ``certificateArn`` or ``hostedZoneId``: a custom domain for the API, so
  tracked links, the pixel and unsubscribe URLs sit on the sender's domain. ``certificateArn`` is
  an ACM certificate of the stack's region; ``hostedZoneId`` (a Route 53 zone holding
  ``apiDomain``) makes the stack request one with DNS validation and publish the alias record.
* ``sender``, ``postalAddress``: the From header and the postal address every email carries.
* ``linkKeyId``: the id of the key that signs tracking links (default ``k1``, the generated one).
  The keys themselves live in a Secrets Manager secret the stack creates (see ``link_keys.py``).
* ``roleTokenHashes``: ``{sha256 hex of a bearer token: role}`` for the admin API. Only hashes
  are stored, so context (and the Lambda environment) never holds a usable token.
* ``eventRetentionDays``: how long raw events are kept before DynamoDB's TTL removes them
  (default 400; see ``docs/privacy.md``).
* ``siteKeys``: ``{publishable site key: [allowed origins]}`` for the tracking API; public by
  design, like any browser key.
* ``serverKeyHashes``: ``{sha256 hex of a secret server key: the site key it posts for}``. A server
  key (``Authorization: Bearer …`` on ``POST /v1/events``) may set any trait and is not rate
  limited; only hashes are deployed, as for ``roleTokenHashes``.
* ``protectedTraits``: trait names (``fnmatch`` patterns) only a server key may set; a trait that
  holds a link is protected whatever its name.
* ``rateLimits``: ``{"eventsPerAddress", "newAddressesPerIp", "newAddressesPerSiteKey"}``, any of
  them, per hour, for posts through a publishable key (defaults 60, 10, 1000).
* ``linkHosts``: hosts (each with its subdomains) that tracked links may redirect to, besides
  ``senderDomain`` which is always allowed. A link to any other host is sent untracked and a click
  token for one is refused (docs/security.md).
* ``unsubscribeMailbox``: the address of the ``List-Unsubscribe`` mailto (unset: no mailto). When
  set, emails carry the mailto and an SES receipt rule hands that mailbox's mail to the track
  function (``inbound.py``; docs/sending.md says what the operator sets up).
* ``webhookConnections``: ``{name: {"baseUrl": "https://crm.acme.com/hooks/", "apiKeyName":
  "X-Api-Key", "secretName": "acme/crm"}}``, the endpoints webhook steps may call. Each becomes an
  EventBridge connection whose API key is the ``apiKey`` field of that Secrets Manager secret
  (created by the operator beforehand); the state-machine role may call URLs under ``baseUrl`` only
  (``webhooks.py``; docs/webhooks.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from constructs import Node

from nurtureflow.api.routes import ALL_ROLES
from nurtureflow.contacts.model import InvalidEmailError, normalise_email
from nurtureflow.settings import RateLimitSettings

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Context's names of the RateLimitSettings fields.
_RATE_LIMIT_KEYS = {
    "eventsPerAddress": "events_per_address_per_hour",
    "newAddressesPerIp": "new_addresses_per_ip_per_hour",
    "newAddressesPerSiteKey": "new_addresses_per_site_key_per_hour",
}


# RFC 2606 and RFC 6761: names for documentation and tests, never anyone's mail domain.
_RESERVED_TLDS = ("example", "test", "invalid", "localhost")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Cognito's rule for a hosted UI domain prefix: https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html
_SIGN_IN_PREFIX = re.compile(r"^(?!.*(?:aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$")


class ConfigError(ValueError):
    """A context value the stack cannot deploy with."""


def is_reserved_domain(domain: str) -> bool:
    """True for example.com/.net/.org and names under the example, test, invalid, localhost TLDs."""
    name = domain.lower().rstrip(".")
    return name.rsplit(".", 1)[-1] in _RESERVED_TLDS or any(
        name == reserved or name.endswith("." + reserved) for reserved in _RESERVED_DOMAINS
    )


_CONNECTION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


@dataclass(frozen=True)
class WebhookConnectionConfig:
    """One ``webhookConnections`` entry: where webhooks may go and the API key they carry."""

    base_url: str  # always ends with "/"
    api_key_name: str
    secret_name: str

    @classmethod
    def from_context(cls, name: str, spec: Any) -> WebhookConnectionConfig:
        where = f"webhookConnections.{name}"
        if not _CONNECTION_NAME.match(name):
            raise ConfigError(f"{where}: a name is 1 to 32 lowercase letters, digits and '-'")
        if not isinstance(spec, dict) or set(spec) != {"baseUrl", "apiKeyName", "secretName"}:
            raise ConfigError(f'{where} must be {{"baseUrl", "apiKeyName", "secretName"}}')
        base = str(spec["baseUrl"])
        if not re.match(r"^https://[a-z0-9.-]+(:\d+)?(/[^\s?#]*)?$", base):
            raise ConfigError(f"{where}.baseUrl {base!r} is not an https:// URL without query or fragment")
        if not _HEADER_NAME.match(str(spec["apiKeyName"])):
            raise ConfigError(f"{where}.apiKeyName {spec['apiKeyName']!r} is not a header name")
        if not _SECRET_NAME.match(str(spec["secretName"])):
            raise ConfigError(f"{where}.secretName {spec['secretName']!r} is not a Secrets Manager name")
        return cls(
            base if base.endswith("/") else base + "/", str(spec["apiKeyName"]), str(spec["secretName"])
        )


@dataclass(frozen=True)
class StackConfig:
    sender_domain: str
    sender: str = ""  # empty: NurtureFlow <hello@sender_domain>
    postal_address: str = "NurtureFlow, 1 Example Street, Springfield"
    link_key_id: str = "k1"
    role_token_hashes: dict[str, str] = field(default_factory=dict)
    site_keys: dict[str, list[str]] = field(default_factory=dict)
    link_hosts: tuple[str, ...] = ()
    server_key_hashes: dict[str, str] = field(default_factory=dict)
    protected_traits: tuple[str, ...] = ()
    # RateLimitSettings fields -> per hour; the settings' defaults for those not given.
    rate_limits: dict[str, int] = field(default_factory=dict)
    event_retention_days: int = 400
    unsubscribe_mailbox: str | None = None
    mail_from_subdomain: str = "bounce"
    existing_ses_identity: bool = False
    dmarc_report_email: str = ""  # empty: postmaster@sender_domain
    ses_sandbox_recipients: tuple[str, ...] = ()
    alarm_email: str | None = None
    api_domain: str | None = None
    certificate_arn: str | None = None
    hosted_zone_id: str | None = None
    # The hosted sign-in page's prefix (<prefix>.auth.<region>.amazoncognito.com), unique per region;
    # empty: nurtureflow-<account id>.
    sign_in_domain_prefix: str = ""
    # Load the X-Ray SDK in every function (a subsegment per AWS call, ~100 ms more per cold start).
    xray_sdk: bool = False
    webhook_connections: dict[str, WebhookConnectionConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._check_sender_domain()
        if not self.sender:
            object.__setattr__(self, "sender", f"NurtureFlow <hello@{self.sender_domain}>")
        if not self.dmarc_report_email:
            object.__setattr__(self, "dmarc_report_email", f"postmaster@{self.sender_domain}")
        if not _LABEL.match(self.mail_from_subdomain):
            raise ConfigError(f"mailFromSubdomain {self.mail_from_subdomain!r} is not one DNS label")
        self._check_addresses()
        self._check_api_domain()
        self._check_public_keys()
        for host in self.link_hosts:
            if not _DOMAIN.match(host):
                raise ConfigError(f"linkHosts: {host!r} is not a lowercase domain name like shop.acme.com")
        self._check_sign_in_prefix()
        if not 1 <= self.event_retention_days <= 3650:
            raise ConfigError(f"eventRetentionDays {self.event_retention_days} is not 1-3650")
        _, address = parseaddr(self.sender)
        if not address.lower().endswith("@" + self.sender_domain.lower()):
            raise ConfigError(
                f"sender {self.sender!r} is not an address of senderDomain {self.sender_domain!r}"
            )
        for digest, role in self.role_token_hashes.items():
            if not _SHA256_HEX.match(digest) or role not in ALL_ROLES:
                raise ConfigError(
                    f"roleTokenHashes: {digest!r} -> {role!r} is not sha256-hex -> one of {ALL_ROLES}"
                )
        if self.unsubscribe_mailbox is not None:
            try:
                normalise_email(self.unsubscribe_mailbox)
            except InvalidEmailError as error:
                raise ConfigError(f"unsubscribeMailbox {self.unsubscribe_mailbox!r}: {error}") from None

    def _check_sign_in_prefix(self) -> None:
        if self.sign_in_domain_prefix and not _SIGN_IN_PREFIX.match(self.sign_in_domain_prefix):
            raise ConfigError(
                f"signInDomainPrefix {self.sign_in_domain_prefix!r}: 1-63 lowercase letters, digits and "
                "hyphens, not starting or ending with a hyphen, without 'aws', 'amazon' or 'cognito'"
            )

    def _check_sender_domain(self) -> None:
        domain = self.sender_domain
        if is_reserved_domain(domain):
            raise ConfigError(
                f"senderDomain {domain!r} is a reserved example name: set context senderDomain to the "
                "domain you send from, e.g. `cdk deploy -c senderDomain=mail.yourcompany.com` "
                "(docs/deploy.md)"
            )
        if domain != domain.lower() or not _DOMAIN.match(domain):
            raise ConfigError(f"senderDomain {domain!r} is not a lowercase domain name like mail.acme.com")

    def _check_addresses(self) -> None:
        for key, address in (("dmarcReportEmail", self.dmarc_report_email), ("alarmEmail", self.alarm_email)):
            if address is not None and not _email_ok(address):
                raise ConfigError(f"{key} {address!r} is not an email address")
        for recipient in self.ses_sandbox_recipients:
            if not (_email_ok(recipient) or _DOMAIN.match(recipient)):
                raise ConfigError(f"sesSandboxRecipients: {recipient!r} is not an address or a domain")

    def _check_public_keys(self) -> None:
        for digest, site in self.server_key_hashes.items():
            if not _SHA256_HEX.match(digest) or not isinstance(site, str) or not site:
                raise ConfigError(f"serverKeyHashes: {digest!r} -> {site!r} is not sha256-hex -> a site key")
        for name, value in self.rate_limits.items():
            if name not in RateLimitSettings.model_fields:
                raise ConfigError(f"rateLimits: {name!r} is not one of {sorted(_RATE_LIMIT_KEYS)}")
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
                raise ConfigError(f"rateLimits: {value!r} is not a number from 1 to 1000000")

    def _check_api_domain(self) -> None:
        if self.api_domain is None:
            if self.certificate_arn or self.hosted_zone_id:
                raise ConfigError("certificateArn and hostedZoneId need apiDomain")
            return
        if not _DOMAIN.match(self.api_domain):
            raise ConfigError(f"apiDomain {self.api_domain!r} is not a lowercase domain name")
        if bool(self.certificate_arn) == bool(self.hosted_zone_id):
            raise ConfigError("apiDomain needs exactly one of certificateArn and hostedZoneId")
        if self.certificate_arn and not _ACM_ARN.match(self.certificate_arn):
            raise ConfigError(f"certificateArn {self.certificate_arn!r} is not an ACM certificate ARN")

    @property
    def allowed_link_hosts(self) -> list[str]:
        """What tracked links may redirect to: the sender domain, then ``linkHosts``."""
        return list(dict.fromkeys((self.sender_domain, *self.link_hosts)))

    @property
    def mail_from_domain(self) -> str:
        return f"{self.mail_from_subdomain}.{self.sender_domain}"

    @classmethod
    def from_context(cls, node: Node) -> StackConfig:
        domain = _text(node, "senderDomain")
        if domain is None:
            raise ConfigError(
                "context senderDomain is not set: pass the domain you send from, e.g. "
                "`cdk deploy -c senderDomain=mail.yourcompany.com` (docs/deploy.md)"
            )
        return cls(
            sender_domain=domain.lower().rstrip("."),
            sender=_text(node, "sender") or "",
            postal_address=_text(node, "postalAddress") or cls.postal_address,
            link_key_id=_text(node, "linkKeyId") or cls.link_key_id,
            role_token_hashes=_mapping(node, "roleTokenHashes"),
            site_keys=_mapping(node, "siteKeys"),
            link_hosts=tuple(host.rstrip(".") for host in _list(node, "linkHosts")),
            server_key_hashes=_mapping(node, "serverKeyHashes"),
            protected_traits=tuple(_list(node, "protectedTraits")),
            rate_limits={_RATE_LIMIT_KEYS.get(k, k): v for k, v in _mapping(node, "rateLimits").items()},
            event_retention_days=_days(node, "eventRetentionDays", cls.event_retention_days),
            unsubscribe_mailbox=(_text(node, "unsubscribeMailbox") or "").lower() or None,
            mail_from_subdomain=_text(node, "mailFromSubdomain") or cls.mail_from_subdomain,
            existing_ses_identity=_flag(node, "existingSesIdentity"),
            dmarc_report_email=_text(node, "dmarcReportEmail") or "",
            ses_sandbox_recipients=tuple(_list(node, "sesSandboxRecipients")),
            alarm_email=_text(node, "alarmEmail"),
            api_domain=(_text(node, "apiDomain") or "").lower().rstrip(".") or None,
            certificate_arn=_text(node, "certificateArn"),
            hosted_zone_id=_text(node, "hostedZoneId"),
            xray_sdk=_flag(node, "xraySdk"),
            sign_in_domain_prefix=(_text(node, "signInDomainPrefix") or "").lower(),
            webhook_connections={
                name: WebhookConnectionConfig.from_context(name, spec)
                for name, spec in _mapping(node, "webhookConnections").items()
            },
        )


def _text(node: Node, key: str) -> str | None:
    """A context string, stripped; None when unset or blank."""
    value = node.try_get_context(key)
    text = "" if value is None else str(value).strip()
    return text or None


def _flag(node: Node, key: str) -> bool:
    # `-c key=true` passes a string; cdk.json passes a boolean.
    value = node.try_get_context(key)
    if value is None or value == "" or value is False or str(value).lower() == "false":
        return False
    if value is True or str(value).lower() == "true":
        return True
    raise ConfigError(f"context {key} must be true or false, not {value!r}")


def _list(node: Node, key: str) -> list[str]:
    # `-c key='["a","b"]'` or `-c key=a,b` pass a string; cdk.json passes a list.
    value = node.try_get_context(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
    if not isinstance(value, list):
        raise ConfigError(f"context {key} must be a JSON list")
    return [str(item).strip().lower() for item in value if str(item).strip()]


def _email_ok(address: str) -> bool:
    try:
        normalise_email(address)
    except InvalidEmailError:
        return False
    return True


def _days(node: Node, key: str, default: int) -> int:
    value = node.try_get_context(key)
    return default if value is None or value == "" else int(value)


def _mapping(node: Node, key: str) -> dict[str, Any]:
    # `cdk -c key='{"a": "b"}'` passes a string; cdk.json passes an object.
    value = node.try_get_context(key)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ConfigError(f"context {key} must be a JSON object")
    return value
