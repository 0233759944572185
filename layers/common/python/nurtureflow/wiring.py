"""The composition root: services built once per process from settings and adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nurtureflow.aws.eventbus import EventBus
from nurtureflow.aws.time import AmbientClock
from nurtureflow.built_once import built_once
from nurtureflow.costs.prices import PriceTable, load_price_table
from nurtureflow.settings import (
    BusSettings,
    ForecastSettings,
    PriceSettings,
    RetentionSettings,
    SendingSettings,
    TableSettings,
    TrackingSettings,
    WorkflowSettings,
)
from nurtureflow.store.aliases import AliasRepository
from nurtureflow.store.broadcasts import BroadcastRepository
from nurtureflow.store.contacts import ContactRepository
from nurtureflow.store.cost_rollups import CostRollupRepository
from nurtureflow.store.engagement import EngagementRepository
from nurtureflow.store.events import EventRepository
from nurtureflow.store.forecast_jobs import ForecastJobs
from nurtureflow.store.ledger import LedgerRepository
from nurtureflow.store.runs import RunRepository
from nurtureflow.store.scoring import ScoringRulesRepository
from nurtureflow.store.sends import SendRepository
from nurtureflow.store.stats import StatsRepository
from nurtureflow.store.templates import TemplateRepository
from nurtureflow.store.workflows import WorkflowRepository

if TYPE_CHECKING:  # the services load in their factories: a function imports only what it builds
    from collections.abc import Callable
    from typing import Any

    from nurtureflow.broadcasts.audience import AudienceCount
    from nurtureflow.broadcasts.sending import BroadcastSender
    from nurtureflow.broadcasts.service import Broadcasts
    from nurtureflow.enrolment.backfill import Backfill
    from nurtureflow.enrolment.dispatch import Dispatcher
    from nurtureflow.enrolment.lifecycle import RunLifecycle
    from nurtureflow.enrolment.manual import ManualEnrolment
    from nurtureflow.events.admission import PublicKeyAdmission
    from nurtureflow.events.email_feedback import EmailFeedback
    from nurtureflow.events.ingest import Ingestion
    from nurtureflow.events.mail_unsubscribe import MailUnsubscribe
    from nurtureflow.events.ses_notifications import SesNotifications
    from nurtureflow.privacy.contact_data import ContactData
    from nurtureflow.runs.actions import StepActions
    from nurtureflow.scoring.service import Scoring
    from nurtureflow.sending.delivery import Delivery
    from nurtureflow.sending.preview import TemplatePreview
    from nurtureflow.simulation.service import Forecasts
    from nurtureflow.stats.recorder import StatsRecorder
    from nurtureflow.stats.service import WorkflowStats
    from nurtureflow.workflow.archive import WorkflowArchive
    from nurtureflow.workflow.publishing import WorkflowService

clock = AmbientClock()


@built_once
def tables() -> TableSettings:
    return TableSettings()


@built_once
def prices() -> PriceTable:
    return load_price_table(PriceSettings().price_table_path)


def contacts() -> ContactRepository:
    return ContactRepository(tables().contacts_table)


@built_once
def retention() -> RetentionSettings:
    return RetentionSettings()


def events() -> EventRepository:
    return EventRepository(tables().events_table, retention().event_retention_days)


def aliases() -> AliasRepository:
    """Anonymous ids joined to contacts; the items live in the events table."""
    return AliasRepository(tables().events_table)


def engagement() -> EngagementRepository:
    """The audience's opens and clicks by hour of the week; the items live in the events table."""
    return EngagementRepository(tables().events_table)


def runs() -> RunRepository:
    return RunRepository(tables().runs_table)


def sends() -> SendRepository:
    return SendRepository(tables().sends_table)


def ledger() -> LedgerRepository:
    return LedgerRepository(tables().ledger_table, tables().cost_rollups_table)


def cost_rollups() -> CostRollupRepository:
    return CostRollupRepository(tables().cost_rollups_table)


def templates() -> TemplateRepository:
    return TemplateRepository(tables().templates_table)


@built_once
def template_preview() -> TemplatePreview:
    from nurtureflow.sending.library import TemplateLibrary
    from nurtureflow.sending.preview import TemplatePreview

    library = TemplateLibrary(templates())
    postal_address = SendingSettings().postal_address
    return TemplatePreview(templates(), contacts().get, library, TrackingSettings(), postal_address)


def workflow_name(workflow_id: str, version: int) -> str | None:
    """A published version's name (templates show it as ``workflow.name``)."""
    document = (workflows().version(workflow_id, version) or {}).get("document") or {}
    name = document.get("name")
    return name if isinstance(name, str) else None


def workflows() -> WorkflowRepository:
    return WorkflowRepository(tables().workflows_table)


def stats() -> StatsRepository:
    return StatsRepository(tables().stats_table)


@built_once
def stats_recorder() -> StatsRecorder:
    from nurtureflow.stats.recorder import StatsRecorder

    return StatsRecorder(stats(), clock, retention().event_retention_days)


def workflow_stats() -> WorkflowStats:
    from nurtureflow.stats.service import WorkflowStats

    return WorkflowStats(workflows(), stats())


def workflow_archive() -> WorkflowArchive:
    from nurtureflow.aws.stepfunctions import Executions
    from nurtureflow.workflow.archive import WorkflowArchive

    return WorkflowArchive(workflows(), Executions(), clock)


def scoring_rules() -> ScoringRulesRepository:
    return ScoringRulesRepository(tables().workflows_table)


def forecast_jobs() -> ForecastJobs:
    return ForecastJobs(tables().forecasts_table)


def forecasts() -> Forecasts:
    """Forecasts of stored workflows: at once, or as jobs the forecast function runs."""
    from nurtureflow.aws.invoke import invoke_later
    from nurtureflow.simulation.service import Forecasts

    function = ForecastSettings().forecast_function_name
    return Forecasts(
        workflows(), templates(), scoring_rules(), forecast_jobs(),
        lambda job_id: invoke_later(function, {"job": job_id}), clock,
    )  # fmt: skip


@built_once
def scoring() -> Scoring:
    from nurtureflow.scoring.service import Scoring

    return Scoring(scoring_rules(), contacts(), events(), clock)


@built_once
def bus() -> EventBus:
    return EventBus(BusSettings().event_bus_name)


@built_once
def ingestion() -> Ingestion:
    from nurtureflow.events.identity import IdentityJoin
    from nurtureflow.events.ingest import Ingestion
    from nurtureflow.store.ingest_writes import IngestWrites

    writes = IngestWrites(tables().contacts_table, tables().events_table, retention().event_retention_days)
    return Ingestion(writes, bus(), clock, IdentityJoin(events(), aliases()))


@built_once
def admission() -> PublicKeyAdmission:
    """What a post through a publishable site key must pass: protected traits, rate limits."""
    from nurtureflow.events.admission import PublicKeyAdmission
    from nurtureflow.events.rate_limits import EnrolmentLimits
    from nurtureflow.settings import RateLimitSettings, SiteSettings
    from nurtureflow.store.rate_limits import RateLimitRepository

    counters = RateLimitRepository(tables().rate_limits_table)
    limits = EnrolmentLimits(counters, contacts(), clock, RateLimitSettings())
    return PublicKeyAdmission(SiteSettings().protected_traits, limits)


@built_once
def feedback() -> EmailFeedback:
    from nurtureflow.events.email_feedback import EmailFeedback

    return EmailFeedback(
        sends=sends(),
        contacts=contacts(),
        events=events(),
        bus=bus(),
        ledger=ledger(),
        clock=clock,
        tracking=TrackingSettings(),
        prices=prices(),
        stats=stats_recorder(),
        engagement=engagement(),
    )


@built_once
def mail_unsubscribe() -> MailUnsubscribe:
    """The List-Unsubscribe mailto: mail an SES receipt rule hands to the track function."""
    from nurtureflow.events.mail_unsubscribe import MailUnsubscribe

    return MailUnsubscribe(feedback())


@built_once
def ses_notifications() -> SesNotifications:
    from nurtureflow.events.ses_notifications import SesNotifications

    return SesNotifications(sends=sends(), contacts=contacts(), events=events(), bus=bus(), clock=clock)


@built_once
def dispatcher() -> Dispatcher:
    from nurtureflow.aws.stepfunctions import Executions
    from nurtureflow.enrolment.dispatch import Dispatcher

    return Dispatcher(
        contacts(), runs(), workflows(), events(), sends(), Executions(), clock, scoring(), stats_recorder()
    )


@built_once
def backfill() -> Backfill:
    from nurtureflow.enrolment.backfill import Backfill
    from nurtureflow.enrolment.manual import BACKFILL

    return Backfill(dispatcher(), contacts(), bus(), BACKFILL)


@built_once
def lifecycle() -> RunLifecycle:
    from nurtureflow.aws.stepfunctions import Executions
    from nurtureflow.enrolment.lifecycle import RunLifecycle

    return RunLifecycle(runs(), ledger(), Executions(), prices(), stats_recorder())


@built_once
def step_actions() -> StepActions:
    from nurtureflow.runs.actions import StepActions
    from nurtureflow.settings import WebhookSettings

    webhooks = WebhookSettings()
    signing = (webhooks.webhook_key_id, webhooks.webhook_keys[webhooks.webhook_key_id])
    return StepActions(
        contacts(),
        runs(),
        events(),
        sends(),
        bus(),
        clock,
        scoring(),
        engagement(),
        stats_recorder(),
        signing,
    )


@built_once
def delivery() -> Delivery:
    from nurtureflow.aws.mailer import SesMailer
    from nurtureflow.aws.metrics import EmfBudgetAlarm
    from nurtureflow.costs.budget import WorkflowBudget
    from nurtureflow.sending.delivery import Delivery

    sending = SendingSettings()
    return Delivery(
        contacts=contacts(),
        templates=templates(),
        sends=sends(),
        events=events(),
        ledger=ledger(),
        mailer=SesMailer(sending.configuration_set),
        clock=clock,
        tracking=TrackingSettings(),
        sending=sending,
        prices=prices(),
        stats=stats_recorder(),
        workflow_names=workflow_name,
        budget=WorkflowBudget(cost_rollups(), EmfBudgetAlarm()),
    )


@built_once
def manual_enrolment() -> ManualEnrolment:
    from nurtureflow.enrolment.manual import ManualEnrolment

    return ManualEnrolment(workflows(), contacts(), bus())


@built_once
def workflow_service() -> WorkflowService:
    from nurtureflow.aws.metrics import EmfPruningAlarm
    from nurtureflow.aws.stepfunctions import StateMachines, StateMachineVersions
    from nurtureflow.sending.checks import check_subject
    from nurtureflow.settings import WebhookSettings
    from nurtureflow.workflow.compiler import TaskFunctions
    from nurtureflow.workflow.pruning import VersionPruner
    from nurtureflow.workflow.publishing import WorkflowService

    settings = WorkflowSettings()
    pruner = VersionPruner(
        StateMachineVersions(), workflows(), settings.versions_kept, EmfPruningAlarm(), clock
    )
    functions = TaskFunctions(
        step_arn=settings.step_function_arn,
        send_arn=settings.send_function_arn,
        connections=WebhookSettings().webhook_connections,
    )
    return WorkflowService(
        workflows(),
        templates().sendable,
        StateMachines(),
        functions,
        settings.state_machine_role_arn,
        settings.state_machine_prefix,
        clock,
        subject_problems=lambda subject: check_subject(subject, templates()),
        pruner=pruner,
    )


@built_once
def contact_data() -> ContactData:
    from nurtureflow.aws.stepfunctions import Executions
    from nurtureflow.privacy.contact_data import ContactData

    return ContactData(contacts(), events(), runs(), sends(), Executions(), aliases(), broadcasts())


def broadcasts() -> BroadcastRepository:
    return BroadcastRepository(tables().broadcasts_table)


def audience_count() -> AudienceCount:
    from nurtureflow.broadcasts.audience import AudienceCount

    return AudienceCount(contacts(), events(), sends(), clock)


@built_once
def broadcast_service() -> Broadcasts:
    from nurtureflow.aws.stepfunctions import Executions
    from nurtureflow.broadcasts.service import Broadcasts
    from nurtureflow.settings import BroadcastSettings

    machine = BroadcastSettings().broadcast_state_machine_arn
    return Broadcasts(broadcasts(), templates().sendable, Executions(), machine, clock)


def broadcast_sender(deliver: Callable[[Any], dict[str, Any]]) -> BroadcastSender:
    """The broadcast tasks, sending each contact through ``deliver`` (the idempotent send)."""
    from nurtureflow.aws.time import pause
    from nurtureflow.broadcasts.sending import BroadcastSender
    from nurtureflow.settings import BroadcastSettings

    return BroadcastSender(
        pause=pause,
        store=broadcasts(),
        contacts=contacts(),
        events=events(),
        sends=sends(),
        ledger=ledger(),
        deliver=deliver,
        clock=clock,
        prices=prices(),
        settings=BroadcastSettings(),
    )
