"""The seven Lambda functions: same runtime, layer and observability; each with its own empty role.

Permissions and settings are added by the constructs that own the resources (``Data.grant``,
``Workflows.grant_*``...), wired in ``nurtureflow.py``, so each role holds only what is granted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.stack.layer import ARCHITECTURE, RUNTIME
from infra.stack.nag import acknowledge

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
LOG_RETENTION = logs.RetentionDays.ONE_MONTH


@dataclass(frozen=True)
class _Spec:
    name: str
    timeout: Duration
    description: str
    memory_mb: int = 256


_SPECS = (
    # The daily run enrols contacts under StartExecution throttling: it needs minutes, not seconds.
    _Spec("trigger", Duration.minutes(5), "Enrols contacts and reacts to events and run status changes"),
    _Spec("step", Duration.seconds(30), "Workflow task: conditions, scoring, contact updates"),
    _Spec("send", Duration.seconds(30), "Workflow task: renders and sends one email through SES"),
    _Spec("track", Duration.seconds(10), "Public tracking API and SES event intake"),
    # A batch sends up to 500 emails one after another at SES's latency: minutes, not seconds.
    _Spec("broadcast", Duration.minutes(5), "Broadcast task: pages a segment, sends a batch of emails"),
    # A full vCPU (1,769 MB): forecasts (POST …/simulate) run the workflow in-process for seconds.
    _Spec("admin", Duration.seconds(30), "Admin API: workflows, templates, costs, forecasts", 1769),
    # Forecast jobs too large for the API's 29 s: Lambda's whole 15 minutes, and the memory a
    # 100,000-contact forecast needs (under 1 GiB for the onboarding series, docs/simulation.md)
    # with room for longer series, which keep more sends and events per contact.
    _Spec(
        "forecast", Duration.minutes(15), "Forecast jobs: large forecasts asked through the admin API", 3008
    ),
)


class Functions(Construct):
    """``trigger``, ``step``, ``send``, ``track``, ``admin``, ``broadcast`` and ``forecast``, from
    ``functions/<name>/``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, layer: lambda_.ILayerVersion, xray_sdk: bool = False
    ) -> None:
        super().__init__(scope, construct_id)
        self._layer = layer
        self._xray_sdk = xray_sdk
        made = {spec.name: self._function(spec) for spec in _SPECS}
        self.trigger: lambda_.Function = made["trigger"]
        self.step: lambda_.Function = made["step"]
        self.send: lambda_.Function = made["send"]
        self.track: lambda_.Function = made["track"]
        self.admin: lambda_.Function = made["admin"]
        self.broadcast: lambda_.Function = made["broadcast"]
        self.forecast: lambda_.Function = made["forecast"]
        self.all: tuple[lambda_.Function, ...] = tuple(made.values())

    def _function(self, spec: _Spec) -> lambda_.Function:
        code = FUNCTIONS_DIR / spec.name
        if not (code / "handler.py").is_file():
            raise FileNotFoundError(f"{code}/handler.py is missing: every function needs its handler")
        construct_id = spec.name.capitalize()
        log_group = logs.LogGroup(
            self, f"{construct_id}Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        # An explicit role without AWSLambdaBasicExecutionRole: it may write to its own log group only.
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"NurtureFlow {spec.name} function",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            construct_id,
            description=f"NurtureFlow {spec.name}: {spec.description}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(code), exclude=["__pycache__", "*.pyc"]),
            layers=[self._layer],
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
            environment={
                "POWERTOOLS_SERVICE_NAME": spec.name,
                "POWERTOOLS_METRICS_NAMESPACE": "NurtureFlow",
                # No pydantic plugins are used: spare the cold start pydantic's scan of every
                # installed package's entry points at the first model it builds.
                "PYDANTIC_DISABLE_PLUGINS": "__all__",
                # Lambda's active tracing needs no SDK; the X-Ray SDK only on request (nurtureflow.tracing).
                **({"NURTUREFLOW_XRAY_SDK": "true"} if self._xray_sdk else {}),
            },
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) take no resource ARN.",
        )
        acknowledge(
            function,
            "AwsSolutions-L1",
            "Python 3.12 on purpose: the common layer's native wheels (pydantic-core) are built for cp312.",
        )
        return function
