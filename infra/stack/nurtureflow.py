"""The ``NurtureFlow`` stack: the constructs, and what each function may touch and read."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from infra.stack.api import STAGE, Api
from infra.stack.broadcasts import Broadcasts
from infra.stack.config import StackConfig
from infra.stack.console_site import ConsoleSite
from infra.stack.data import Data
from infra.stack.events import Events
from infra.stack.failures import DeadLetters
from infra.stack.functions import Functions
from infra.stack.identity import SenderIdentity
from infra.stack.inbound import UnsubscribeMailbox
from infra.stack.layer import CommonLayer
from infra.stack.link_keys import LinkKeys
from infra.stack.observability import Observability
from infra.stack.people import People
from infra.stack.schedules import Schedules
from infra.stack.sending import Sending
from infra.stack.settings_env import as_json, set_env
from infra.stack.webhooks import Webhooks
from infra.stack.workflows import Workflows
from nurtureflow.settings import (
    AuthSettings,
    ForecastSettings,
    RateLimitSettings,
    RetentionSettings,
    SendingSettings,
    SiteSettings,
)


class NurtureFlowStack(Stack):
    """Everything NurtureFlow deploys into the company's account."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.data = Data(self, "Data")
        self.layer = CommonLayer(self, "CommonLayer")
        self.functions = fns = Functions(self, "Functions", layer=self.layer.layer, xray_sdk=config.xray_sdk)
        self.api = Api(self, "Api", handlers={"track": fns.track, "admin": fns.admin}, config=config)
        self.workflows = Workflows(self, "Workflows", tasks=[fns.step, fns.send])
        self.webhooks = Webhooks(
            self,
            "Webhooks",
            connections=config.webhook_connections,
            role=self.workflows.role,
            state_machine_arn_prefix=self.workflows.state_machine_arn_prefix,
        )
        self.identity = SenderIdentity(self, "SenderIdentity", config=config)
        # Asynchronous invocations: trigger (EventBridge rules, Scheduler) and track (SES events
        # through EventBridge, the SES receipt rule). Step Functions invokes the others synchronously.
        self.dead_letters = DeadLetters(self, "DeadLetters")
        for function in (fns.trigger, fns.track):
            self.dead_letters.on_failure(function)
        undelivered = self.dead_letters.undelivered_events
        self.sending = Sending(
            self, "Sending", config=config, event_sink=fns.track, dead_letter_queue=undelivered
        )
        # The List-Unsubscribe mailto's mail reaches track too, when a mailbox is configured.
        self.unsubscribe_mailbox = (
            UnsubscribeMailbox(
                self, "UnsubscribeMailbox", mailbox=config.unsubscribe_mailbox, function=fns.track
            )
            if config.unsubscribe_mailbox
            else None
        )
        self.events = Events(
            self,
            "Events",
            trigger=fns.trigger,
            state_machine_arn_prefix=self.workflows.state_machine_arn_prefix,
            dead_letter_queue=undelivered,
            intake_failures=self.dead_letters.tracked_events_failed,
        )
        self.schedules = Schedules(self, "Schedules", trigger=fns.trigger, dead_letter_queue=undelivered)
        self.link_keys = LinkKeys(
            self, "LinkKeys", link_key_id=config.link_key_id, link_hosts=config.allowed_link_hosts
        )
        self.broadcasts = Broadcasts(self, "Broadcasts", function=fns.broadcast)
        self.console = ConsoleSite(self, "Console", api=self.api.rest_api, stage=STAGE)
        self.people = People(
            self,
            "People",
            console_url=self.console.url,
            domain_prefix=config.sign_in_domain_prefix or f"nurtureflow-{self.account}",
        )
        self.console.publish(
            {
                "domain": self.people.sign_in_url,
                "clientId": self.people.client.user_pool_client_id,
                "issuer": self.people.issuer,
                "redirectUri": self.console.url,
            }
        )
        self.observability = obs = Observability(
            self, "Observability", functions=fns.all, alarm_email=config.alarm_email
        )
        obs.alarm_on_queues(self.dead_letters.queues)
        obs.alarm_on_workflow_runs(except_machine_arn=self.broadcasts.machine.state_machine_arn)
        obs.alarm_on_broadcasts(self.broadcasts.machine)
        obs.alarm_on_budgets(send_service="send")  # the send function's service name
        obs.alarm_on_version_pruning(admin_service="admin")  # uploads run in the admin function
        obs.add_alarm_status()
        self._wire()
        CfnOutput(
            self,
            "ApiUrl",
            value=self.api.public_url,
            description="Base URL of the HTTP API: tracked links, the open pixel, unsubscribe pages",
        )
        CfnOutput(self, "StageUrl", value=self.api.stage_url, description="The API stage's own URL")
        CfnOutput(self, "AlarmTopicArn", value=obs.topic.topic_arn, description="SNS topic of every alarm")

    def _wire(self) -> None:
        data, fns, workflows = self.data, self.functions, self.workflows

        # track: the public tracking API (opens, clicks, unsubscribes, site events) and SES events.
        # ledger and cost_rollups: each cost line adds to its rollups in one transaction (write only).
        # sends: read to attribute an event to its email; updated (UpdateItem only) to stamp the
        # first open or click on the send record (SendRepository.mark), never created or deleted.
        data.grant(
            fns.track,
            read_write=[data.contacts, data.events],
            read=[data.sends],
            write=[data.ledger, data.cost_rollups],
            update=[data.sends],
        )
        self.events.grant_publish(fns.track)
        self.link_keys.configure(fns.track, public_base_url=self.api.public_url)
        # Who may post events, what only a server key may set, and the publishable keys' limits,
        # counted in the rate-limits table: UpdateItem alone (an ADD with a condition, which creates
        # a window's counter or adds to it; nothing reads, deletes or puts). docs/security.md.
        config = self.config
        set_env(
            fns.track,
            SiteSettings,
            site_keys=as_json(config.site_keys),
            server_key_hashes=as_json(config.server_key_hashes),
            protected_traits=as_json(list(config.protected_traits)),
        )
        limits = {**RateLimitSettings().model_dump(), **config.rate_limits}
        set_env(fns.track, RateLimitSettings, **{name: str(value) for name, value in limits.items()})
        data.grant(fns.track, update=[data.rate_limits])

        # trigger: enrols contacts and reacts to tracked events, run status changes, the daily run.
        data.grant(
            fns.trigger,
            read_write=[data.workflows, data.runs, data.contacts, data.events],
            # sends: segment conditions may look at engagement history.
            read=[data.sends],
            write=[data.ledger, data.cost_rollups],
        )
        workflows.grant_run(fns.trigger)

        # step: a workflow task (conditions, scores, contact updates), resuming waits by token.
        # sends: engagement conditions check which run sent the email that was opened or clicked.
        # workflows: an update step with a score reads the scoring rules (one item of that table).
        data.grant(
            fns.step,
            read_write=[data.contacts, data.runs, data.events],
            read=[data.sends, data.workflows],
        )
        workflows.grant_callback(fns.step)
        # webhook steps: the step function signs each body, the admin function compiles the calls.
        self.webhooks.configure_signer(fns.step)
        self.webhooks.configure_compiler(fns.admin)
        # task steps publish task_created on the bus, for the owner's tools to pick up.
        self.events.grant_publish(fns.step)

        # send: a workflow task that renders, checks and sends one email, at most once (the send
        # record's conditional claim in the sends table; see docs/sending.md).
        data.grant(
            fns.send,
            # workflows: templates show the workflow's name (one read per version per warm Lambda).
            # (no runs: nothing in Delivery reads them; the run's document comes in the task's input)
            read=[data.contacts, data.templates, data.workflows],
            # events: each send records its email_sent event in the contact's history.
            # cost_rollups: read for the workflow's monthly budget, added to with each cost line.
            read_write=[data.sends, data.events, data.cost_rollups],
            write=[data.ledger],
        )
        self.sending.grant_send(fns.send)
        self.link_keys.configure(fns.send, public_base_url=self.api.public_url)

        # admin: workflows and templates, deploys workflow state machines, reads costs (the rollups
        # only: the report never reads the ledger's lines).
        data.grant(
            fns.admin, read_write=[data.workflows, data.templates], read=[data.cost_rollups, data.contacts]
        )
        workflows.grant_manage(fns.admin, step=fns.step, send=fns.send)
        # manual enrolments go to the trigger function through the bus.
        self.events.grant_publish(fns.admin)
        # a segment's backfill hands its parts over to the next trigger invocations through the bus.
        self.events.grant_publish(fns.trigger)
        set_env(
            fns.admin,
            AuthSettings,
            role_token_hashes=as_json(self.config.role_token_hashes),
            people_pool_id=self.people.pool.user_pool_id,
            people_client_id=self.people.client.user_pool_client_id,
        )
        # template previews: tracked links as a send signs them, and the sender's postal address.
        self.link_keys.configure(fns.admin, public_base_url=self.api.public_url)
        set_env(fns.admin, SendingSettings, postal_address=self.config.postal_address)
        # GDPR: export and erase a contact everywhere, stopping its runs.
        data.grant(fns.admin, read_write=[data.contacts, data.events, data.runs, data.sends])
        workflows.grant_stop(fns.admin)

        # Workflow stats: counted where things happen (sends, opens and clicks, enrolments, run ends,
        # orders, holdout groups), each once through a marker in the same transaction; read by the
        # stats route.
        for function in (fns.track, fns.trigger, fns.send, fns.step):
            data.grant(function, write=[data.stats])
        data.grant(fns.admin, read=[data.stats])

        # broadcast: pages a segment (contacts, and the history segments may read) and sends each
        # contact through the same checks, idempotency and ledger as the send function.
        data.grant(
            fns.broadcast,
            # workflows: the send reads workflow names for templates (a broadcast has none)
            read=[data.contacts, data.templates, data.workflows],
            # cost_rollups: each cost line adds to them in the same transaction
            read_write=[data.broadcasts, data.sends, data.events, data.cost_rollups],
            write=[data.ledger, data.stats],
        )
        self.sending.grant_send(fns.broadcast)
        self.link_keys.configure(fns.broadcast, public_base_url=self.api.public_url)

        # admin: creates broadcasts, reads their progress, cancels them.
        data.grant(fns.admin, read_write=[data.broadcasts])
        self.broadcasts.grant_start_and_cancel(fns.admin)

        # Forecast jobs: the admin function stores a job and invokes the forecast function without
        # waiting; that one reads the workflow, its templates and the scoring rules, and writes the
        # job's progress and result. No retries: a forecast that failed fails the same way again.
        data.grant(fns.admin, read_write=[data.forecasts])
        data.grant(
            fns.forecast, read=[data.workflows, data.templates, data.forecasts], update=[data.forecasts]
        )
        fns.forecast.grant_invoke_latest_version(fns.admin)  # the function itself, no version or alias
        fns.forecast.configure_async_invoke(retry_attempts=0, max_event_age=Duration.minutes(15))
        set_env(fns.admin, ForecastSettings, forecast_function_name=fns.forecast.function_name)
        # The forecast's emails are built as the admin's sync forecast builds them (the footer's address).
        set_env(fns.forecast, SendingSettings, postal_address=self.config.postal_address)

        # Every function that records events stamps them with the retention (their TTL).
        for function in (fns.track, fns.trigger, fns.step, fns.send, fns.admin, fns.broadcast):
            set_env(function, RetentionSettings, event_retention_days=str(self.config.event_retention_days))
