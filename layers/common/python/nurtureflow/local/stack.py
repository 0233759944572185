"""The local stack: moto for DynamoDB and SES, the project's Step Functions runtime and event bus,
the real handlers in-process, behind a local gateway with the contract's routes."""

from __future__ import annotations

import html
import json
import logging
import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from nurtureflow.auth.people import issuer
from nurtureflow.auth.roles import token_hash
from nurtureflow.aws.clients import check_every_call, send_every_call_through
from nurtureflow.clock import VirtualClock
from nurtureflow.enrolment.dates import next_daily_run
from nurtureflow.local.api_page import api_page_routes
from nurtureflow.local.broadcasts import NAME as BROADCAST_MACHINE
from nurtureflow.local.broadcasts import create_broadcast_machine
from nurtureflow.local.console_site import PREFIX as CONSOLE_PREFIX
from nurtureflow.local.console_site import console_routes
from nurtureflow.local.deployed.deployment import Deployment, load_deployment
from nurtureflow.local.deployed.event_patterns import matches
from nurtureflow.local.deployed.guard import AccessGuard, Principal
from nurtureflow.local.deployed.policy import Policy, Request
from nurtureflow.local.deployed.requests import Account
from nurtureflow.local.deployed.view import load_view
from nurtureflow.local.eventbus import LocalEventBus
from nurtureflow.local.gateway import LocalGateway, LocalPage
from nurtureflow.local.in_process import InProcessTransport, json_target, moto_app, moto_handlers, wsgi
from nurtureflow.local.lambda_api import LocalLambdaApi
from nurtureflow.local.lambdas import LocalLambdas
from nurtureflow.local.moto_speed import install as install_moto_speed
from nurtureflow.local.moto_wire import install as install_moto_wire
from nurtureflow.local.queues import failed_messages, sqs_batch
from nurtureflow.local.settings import LocalSettings
from nurtureflow.local.sign_in import PREFIX as SIGN_IN_PREFIX
from nurtureflow.local.sign_in import HostedSignIn, LocalPeople, create_people
from nurtureflow.local.wire import AwsWireServer
from nurtureflow.store.tables import create_tables
from nurtureflow.tracker import demo_shop_page
from nurtureflow.workflow.durations import parse_duration

ACCOUNT = "123456789012"
REGION = "us-east-1"
# Signs tracking links locally, in place of the secret the stack generates in AWS.
LOCAL_LINK_KEY = "local-signing-key-change-me"
# What signs webhook bodies locally (docs/webhooks.md): a local receiver verifies with it.
LOCAL_WEBHOOK_KEY = "local-webhook-signing-key"
SIGNING_KEY_ID = "w1"  # the key id the stack's webhook secret is generated with (infra/stack/webhooks.py)
STATUS_CHANGE = "Step Functions Execution Status Change"
logger = logging.getLogger("nurtureflow.local")


class LocalStack:
    def __init__(self, root: Path, settings: LocalSettings | None = None) -> None:
        self.root = root
        self.settings = settings or LocalSettings()
        self.clock = VirtualClock()
        self._next_daily = next_daily_run(self.clock.now())
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    # -- start-up ---------------------------------------------------------------------------
    def start(self, with_samples: bool = True) -> None:
        install_moto_speed()  # TransactWriteItems without whole-table copies
        install_moto_wire()  # item values read and written as they are
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        self.bus = LocalEventBus(self.clock, ACCOUNT, REGION)
        self.runtime = self._runtime()
        self._wire = AwsWireServer(
            {"AWSStepFunctions": self.runtime_protocol, "AWSEvents": self.bus.handle_request}
        )
        self._wire.start()
        view = load_view()
        self.gateway = LocalGateway(
            self._invoke_http,
            self._local_routes(str(view["stage"])),
            self.drain,
            self.settings.host,
            self.settings.port,
            stage=str(view["stage"]),
            binary_media_types=view.get("binary_media_types") or [],
        )
        self.people = self._people(moto_url, str(view["stage"]))
        self.deployment = self._deployment(view)
        self.webhooks = self._webhook_receiver()
        local_environment = self._local_environment(moto_url, self._wire.url)
        os.environ.update({**local_environment, **self.deployment.operator_environment()})
        check_every_call(AccessGuard(Account(REGION, ACCOUNT), self._token_machine))
        # Lambda's Invoke for the functions' asynchronous calls (the functions load further down).
        self.lambda_api = LocalLambdaApi(
            lambda f, p: self.lambdas.invoke(f, p),
            lambda f: self.lambdas.known(f),
            self.gateway.turn,
            self.drain,
        )
        # The functions' calls skip the loopback sockets (a third of the cost); the servers stay up.
        send_every_call_through(
            InProcessTransport(
                {
                    moto_url: moto_handlers(wsgi(moto_app())),
                    self._wire.url: self.lambda_api.deliver(json_target(self._wire.answer)),
                }
            )
        )
        self._create_resources()
        from nurtureflow.aws.time import use_clock

        use_clock(self.clock)
        self.lambdas = LocalLambdas(self.root / "functions", self.deployment, local_environment)
        self.lambda_api.start()
        self.bus.buses = self.deployment.event_buses
        self.bus.target = self._route
        if with_samples:
            self.load_catalog(self.root / "catalog")

    @property
    def base_url(self) -> str:
        """Where the API answers, as ``ApiUrl`` in AWS: the gateway with the stage in the path."""
        return f"{self._public_origin}/{self.gateway.stage}"

    @property
    def _public_origin(self) -> str:
        # Links in emails must be https or loopback (TrackingSettings): bound to every interface
        # (0.0.0.0, ::), the stack is still reached on 127.0.0.1 from its own machine.
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host  # noqa: S104
        return f"http://{host}:{self.gateway.port}"

    def _people(self, moto_url: str, stage: str) -> LocalPeople:
        """moto's user pool with a person per role, and the sign-in page the console sends them to."""
        cognito = boto3.client(
            "cognito-idp", region_name=REGION, endpoint_url=moto_url,
            aws_access_key_id="local", aws_secret_access_key="local",  # noqa: S106
        )  # fmt: skip
        console_url = f"{self._public_origin}{CONSOLE_PREFIX}/"
        people = create_people(cognito, console_url, self.settings.people_password)
        sign_in = {
            "domain": f"{self._public_origin}{SIGN_IN_PREFIX}",
            "clientId": people.client_id,
            "issuer": issuer(people.pool_id),
            "redirectUri": console_url,
        }
        self.gateway.add_local_routes(
            {**HostedSignIn(cognito, people).routes(), **console_routes(self.root, f"/{stage}", sign_in)}
        )
        return people

    def _runtime(self) -> Any:
        from nurtureflow.local.stepfunctions import LocalStepFunctions

        return LocalStepFunctions(
            self._invoke_task,
            clock=self.clock,
            on_status_change=self._status_changed,
            region=REGION,
            account_id=ACCOUNT,
            authorize=self._authorize_machine,
        )

    def _authorize_machine(
        self, role_arn: str, action: str, resource: str, context: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """A state machine's calls (Lambda tasks, startExecution, Distributed Map children, HTTP
        Tasks with their endpoint and method), held to the policy of the role it runs under, as the
        template defines it."""
        from nurtureflow.local.stepfunctions.errors import AccessDeniedError

        request = Request(action, resource, context)
        if not self.deployment.policy_of_role(role_arn).allows(request):
            principal = Principal(role_arn, "StepFunctions", Policy(()))
            raise AccessDeniedError(principal.denial(request))

    def runtime_protocol(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        from nurtureflow.local.stepfunctions.protocol import handle_request

        return handle_request(self.runtime, target, body)

    def _deployment(self, view: dict[str, Any]) -> Deployment:
        """The template's functions and roles, with the local credentials in place of the deployed
        ones (admin tokens, site and server keys, the link-signing secret) and the gateway for the
        API's host."""
        s = self.settings
        tokens = {
            token_hash(s.admin_token): "admin",
            token_hash(s.marketer_token): "marketer",
            token_hash(s.finance_token): "finance",
        }
        link_key_ids = {
            str(f["environment"]["NURTUREFLOW_LINK_KEY_ID"])
            for f in view["functions"].values()
            if "NURTUREFLOW_LINK_KEY_ID" in f["environment"]
        }
        secret = json.dumps({key_id: LOCAL_LINK_KEY for key_id in sorted(link_key_ids)})
        webhook_keys = json.dumps({SIGNING_KEY_ID: LOCAL_WEBHOOK_KEY})
        return load_deployment(
            public_origin=self._public_origin,
            values={
                "NURTUREFLOW_ROLE_TOKEN_HASHES": json.dumps(tokens),
                "NURTUREFLOW_SITE_KEYS": json.dumps(
                    {s.site_key: ["http://localhost:*", "http://127.0.0.1:*"]}
                ),
                "NURTUREFLOW_SERVER_KEY_HASHES": json.dumps({token_hash(s.server_key): s.site_key}),
                "NURTUREFLOW_PEOPLE_POOL_ID": self.people.pool_id,
                "NURTUREFLOW_PEOPLE_CLIENT_ID": self.people.client_id,
            },
            secrets={
                # The webhook signing keys' local value; every other secret holds the link keys.
                logical_id: webhook_keys if logical_id.startswith("WebhooksSigningKeys") else secret
                for logical_id, r in view["resources"].items()
                if r["type"] == "AWS::SecretsManager::Secret"
            },
            region=REGION,
            account=ACCOUNT,
            view=view,
        )

    @staticmethod
    def _local_environment(moto_url: str, wire_url: str) -> dict[str, str]:
        """What every function gets locally beyond the template: Lambda's own variables (region,
        credentials) and the endpoints of moto and the runtime, the only settings that differ."""
        return {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "NURTUREFLOW_ENDPOINT_DYNAMODB": moto_url,
            "NURTUREFLOW_ENDPOINT_SES": moto_url,
            "NURTUREFLOW_ENDPOINT_STEPFUNCTIONS": wire_url,
            "NURTUREFLOW_ENDPOINT_EVENTS": wire_url,
            # Only in-process: the wire server itself does not answer Lambda's paths.
            "NURTUREFLOW_ENDPOINT_LAMBDA": wire_url,
            "NURTUREFLOW_ENDPOINT_COGNITO_IDP": moto_url,
        }

    def _token_machine(self, token: str) -> str | None:
        """The state machine a task token belongs to: SendTask* calls are authorised on it."""
        return self.runtime.state_machine_of_token(token)  # type: ignore[no-any-return]

    def _create_resources(self) -> None:
        from nurtureflow.settings import SendingSettings, TableSettings

        names = TableSettings()
        endpoint = os.environ["NURTUREFLOW_ENDPOINT_DYNAMODB"]
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
        create_tables(dynamodb, names)
        ses = boto3.client("sesv2", region_name=REGION, endpoint_url=endpoint)
        sending = SendingSettings()
        domain = sending.sender.rsplit("@", 1)[-1].rstrip(">").strip().lower()
        ses.create_email_identity(EmailIdentity=domain)
        # moto's SES (v1 underneath) checks the From address itself, not only its domain.
        boto3.client("ses", region_name=REGION, endpoint_url=endpoint).verify_email_identity(
            EmailAddress=parseaddr(sending.sender)[1]
        )
        if sending.configuration_set:
            ses.create_configuration_set(ConfigurationSetName=sending.configuration_set)
        machine = self.deployment.machines[BROADCAST_MACHINE]
        create_broadcast_machine(
            os.environ["NURTUREFLOW_ENDPOINT_STEPFUNCTIONS"],
            REGION,
            machine.role_arn,
            self.deployment.function("broadcast").arn,
        )

    # -- the pieces talking to each other ------------------------------------------------
    def _invoke_http(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        return self.lambdas.invoke(function, event)  # type: ignore[no-any-return]

    def _webhook_receiver(self) -> Any:
        """The stand-in receiver of the deployment's webhook connections (``local/webhooks.py``)."""
        from nurtureflow.local.deployed.view import LOCAL_CONTEXT
        from nurtureflow.local.webhooks import LocalConnection, LocalWebhookReceiver

        described = json.loads(
            self.deployment.function("admin").environment.get("NURTUREFLOW_WEBHOOK_CONNECTIONS", "{}")
        )
        configured: dict[str, dict[str, str]] = LOCAL_CONTEXT["webhookConnections"]  # type: ignore[assignment]
        keys = {name: spec["apiKeyName"] for name, spec in configured.items()}
        return LocalWebhookReceiver(
            {
                spec["arn"]: LocalConnection(spec["arn"], spec["base_url"], keys[name])
                for name, spec in described.items()
            }
        )

    def _invoke_task(self, function: str, payload: Any) -> Any:
        from nurtureflow.local.lambdas import FunctionError
        from nurtureflow.local.stepfunctions.errors import LambdaFunctionError, LambdaServiceError
        from nurtureflow.local.stepfunctions.http_task import HTTP_TARGET

        if function == HTTP_TARGET:  # a webhook step's HTTP Task
            return self.webhooks.deliver(payload)
        try:
            name = self.lambdas.name_of(function)
        except KeyError:
            message = f"Function not found: {function}"
            raise LambdaServiceError("ResourceNotFoundException", message, 404) from None
        try:
            return self.lambdas.invoke(name, payload)
        except FunctionError as error:
            raise LambdaFunctionError(error.error_type, str(error)) from error

    def _status_changed(self, detail: dict[str, Any]) -> None:
        # Step Functions reports every execution's status change on the default bus.
        self.bus.put("aws.states", STATUS_CHANGE, detail)

    def _route(self, bus: str, envelope: dict[str, Any]) -> None:
        """Hand an event to every target of every rule of ``bus`` it matches, as EventBridge does."""
        for rule in self.deployment.event_rules:
            if rule.bus != bus or not matches(rule.pattern, envelope):
                continue
            for target in rule.targets:
                reader = self.deployment.reader_of(target)
                try:
                    if reader is None:
                        self.lambdas.invoke(target, envelope)
                        continue
                    # A queue target: the function reading the queue gets the event as a message.
                    batch = sqs_batch(target, json.dumps(envelope), self.clock.now(), REGION)
                    if failed_messages(self.lambdas.invoke(reader.function, batch)):
                        logger.error("%s failed on a message of %s", reader.function, target)
                except Exception:
                    # EventBridge retries, then the function's on-failure destination takes it (a
                    # queue receives it again, then its dead-letter queue); locally the log line is
                    # the dead letter.
                    logger.exception("%s failed on %s", target, envelope.get("detail-type"))

    def drain(self) -> None:
        """Run everything due now: bus deliveries and runtime work, until both are quiet."""
        while True:
            delivered = self.bus.deliver_pending()
            self.runtime.run_due()
            if not delivered and not self.bus.deliver_pending():
                return

    def advance(self, delta: timedelta) -> None:
        """Move the clock, running every timer and daily schedule in order of its time, with
        deliveries in between, as they would happen in AWS."""
        target = self.clock.now() + delta
        self.drain()
        while True:
            due = [t for t in (self.runtime.next_due(), self._next_daily) if t is not None]
            moment = min(due)
            if moment > target:
                break
            if moment > self.clock.now():
                self.clock.set(moment)
            if self._next_daily <= self.clock.now():
                self._next_daily = next_daily_run(self.clock.now())
                self._invoke_daily()
            self.drain()
        self.clock.set(target)
        self.drain()

    def _invoke_daily(self) -> None:
        """EventBridge Scheduler's daily call of its target (the trigger's date triggers); the
        expression is the template's, and ``next_daily_run`` keeps its time."""
        for schedule in self.deployment.schedules:
            try:
                self.lambdas.invoke(schedule.target, schedule.payload)
            except Exception:
                logger.exception("the schedule %s failed", schedule.expression)

    # -- local-only routes ---------------------------------------------------------------
    def _local_routes(self, stage: str) -> dict[tuple[str, str], Any]:
        return {
            ("GET", "/_local/health"): lambda m, b: (
                200,
                {
                    "status": "ready",
                    "now": self.clock.now().isoformat(),
                    "api_url": self.base_url,
                    "pid": os.getpid(),  # which process answers: a test's stack, not another's
                },
            ),
            ("POST", "/_local/clock"): self._clock_route,
            ("GET", "/_local/clock"): lambda m, b: (200, {"now": self.clock.now().isoformat()}),
            ("GET", "/_local/outbox"): lambda m, b: (200, {"emails": self.outbox()}),
            ("POST", "/_local/inbound"): self._inbound_route,
            # the receiver exists once the deployment has loaded: looked up at each request
            ("GET", "/_local/webhooks"): lambda m, b: self.webhooks.route(m, b),
            ("POST", "/_local/webhooks"): lambda m, b: self.webhooks.route(m, b),
            ("GET", "/_local/tables"): lambda m, b: (200, {"tables": self.tables()}),
            # A shop page using tracker.js as a website would (same origin, the local site key).
            ("GET", "/_local/demo-shop"): lambda m, b: (
                200,
                LocalPage(
                    demo_shop_page()
                    .replace("{site_key}", html.escape(self.settings.site_key))
                    .replace("{api_path}", f"/{self.gateway.stage}")
                ),
            ),
            **api_page_routes(self.root, stage),
        }

    def _clock_route(self, method: str, body: bytes) -> tuple[int, Any]:
        try:
            advance = json.loads(body or b"{}")["advance"]
            delta = parse_duration(str(advance))
        except (ValueError, KeyError, TypeError) as error:
            return 400, {
                "error": "invalid_request",
                "message": f"advance: {error}",
                "details": [{"field": "advance", "message": "an ISO 8601 duration such as PT1H"}],
            }
        self.advance(delta)
        return 200, {"now": self.clock.now().isoformat()}

    def _inbound_route(self, method: str, body: bytes) -> tuple[int, Any]:
        from nurtureflow.local.inbound import LocalMailbox
        from nurtureflow.settings import SendingSettings

        # The List-Unsubscribe mailto's mailbox (the stack's unsubscribeMailbox context).
        address = SendingSettings().unsubscribe_mailbox or ""
        mailbox = LocalMailbox(address, self.lambdas.invoke, self.lambdas.arn("track"), self.clock)
        answer = mailbox.receive(method, body)
        self.drain()  # the unsubscribed event reaches the trigger function, as in AWS
        return answer

    def tables(self) -> dict[str, dict[str, Any]]:
        """Each table's item count and digest (``local/tables.py``), read from moto's tables."""
        from moto.dynamodb.models import dynamodb_backends

        from nurtureflow.local.tables import table_digests

        return table_digests(dynamodb_backends[ACCOUNT][REGION])

    def outbox(self) -> list[dict[str, Any]]:
        from nurtureflow import wiring
        from nurtureflow.local.outbox import outbox

        sends = wiring.sends()
        emails = outbox(REGION, {})
        for email in emails:
            record = sends.get(email["send_id"]) if email["send_id"] else None
            email["sent_at"] = (record or {}).get("sent_at")
        return emails

    # -- sample data ---------------------------------------------------------------------
    def load_catalog(self, folder: Path) -> list[str]:
        """Every catalog workflow with its templates, through the admin API itself; their ids.

        Workflows load paused, as every new workflow starts: a user's own workflow on the same
        trigger would otherwise get a sample's emails beside its own.
        """
        loaded = []
        for entry in sorted(p for p in folder.iterdir() if (p / "workflow.json").exists()):
            for template in sorted((entry / "templates").glob("*.json")):
                self._admin("PUT", f"/admin/templates/{template.stem}", template.read_bytes())
            workflow_id = json.loads((entry / "workflow.json").read_text())["id"]
            self._admin("PUT", f"/admin/workflows/{workflow_id}", (entry / "workflow.json").read_bytes())
            loaded.append(workflow_id)
        return loaded

    def _admin(self, method: str, path: str, body: bytes) -> None:
        headers = {"Authorization": f"Bearer {self.settings.admin_token}", "Content-Type": "application/json"}
        status, _, data = self.gateway.handle(
            method, f"/{self.gateway.stage}{path}", headers, body, "127.0.0.1"
        )
        if status >= 300:
            raise RuntimeError(f"loading {path} failed with {status}: {data.decode()[:500]}")

    def banner(self) -> str:
        s = self.settings
        url = f"http://{s.host}:{self.gateway.port}"
        return "\n".join(
            [
                f"NurtureFlow local stack on {url}  (clock {self.clock.now().isoformat()}, moves only by "
                "POST /_local/clock)",
                f"  API (ApiUrl, stage included): {self.base_url}",
                f"  console: {self._public_origin}/console/   sign in as a person, password "
                f"{s.people_password}:",
                *(f"    {role:<9}{email}" for role, email in self.people.users.items()),
                "  role tokens (for scripts and CI; the console takes them too):",
                f"  NURTUREFLOW_ADMIN_TOKEN={s.admin_token}",
                f"  NURTUREFLOW_MARKETER_TOKEN={s.marketer_token}",
                f"  NURTUREFLOW_FINANCE_TOKEN={s.finance_token}",
                f"  NURTUREFLOW_SITE_KEY={s.site_key}   (publishable: origins http://localhost:* and "
                "http://127.0.0.1:*, rate limited, no protected traits)",
                f"  NURTUREFLOW_SERVER_KEY={s.server_key}   (secret, for your backend: "
                "POST /v1/events with Authorization: Bearer, any trait, no rate limits)",
                f"  try: curl -s {self.base_url}/admin/workflows -H 'Authorization: Bearer {s.admin_token}'",
            ]
        )

    def stop(self) -> None:
        self.lambda_api.stop()
        self.gateway.stop()
        self._wire.stop()
        self._moto.stop()
