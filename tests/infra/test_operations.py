"""Failed events kept (dead-letter queues), alarms on what can go wrong, and where they notify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from bench.event_flood import DEPLOYED_QUEUE
from infra.stack import NurtureFlowStack
from infra.stack.observability import BOUNCE_RATE_ALARM, COMPLAINT_RATE_ALARM
from nurtureflow.aws.metrics import NAMESPACE, VERSION_PRUNING_FAILED
from tests.infra.conftest import synth
from tests.infra.test_stack import _env, _flat, _logical_id, _resources

Json = dict[str, Any]
FOURTEEN_DAYS = 14 * 24 * 3600


def _queue_ids(stack: NurtureFlowStack) -> dict[str, str]:
    return {name: _logical_id(queue) for name, queue in stack.dead_letters.queues.items()}


def _arn_of(logical_id: str) -> Json:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


# --- dead-letter queues -------------------------------------------------------------------------


def test_every_dead_letter_queue_is_encrypted_tls_only_and_keeps_messages_14_days(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """SQS-managed encryption (SSE-SQS) needs no key policy for EventBridge, Scheduler or Lambda to
    write; 14 days is SQS's longest retention (AWS::SQS::Queue MessageRetentionPeriod)."""
    queues = _resources(template_json, "AWS::SQS::Queue")
    intake = _logical_id(stack.events.intake)
    assert set(queues) == {*_queue_ids(stack).values(), intake}
    assert set(stack.dead_letters.queues) == {
        "UndeliveredEvents",
        "TriggerAsyncFailures",
        "TrackAsyncFailures",
        "TrackedEventsFailed",
    }
    for logical_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        if logical_id != intake:  # the intake queue is read at once: SQS's default 4 days
            assert queue["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS
    policies = _resources(template_json, "AWS::SQS::QueuePolicy").values()
    denied = {
        _flat(queue)
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for queue in policy["Properties"]["Queues"]
    }
    assert denied == {f"<{logical_id}>" for logical_id in queues}


def test_functions_invoked_asynchronously_send_failed_events_to_their_own_queue(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """Lambda retries an asynchronous invocation twice, keeps it up to six hours, then discards it
    unless an on-failure destination is set: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html
    (AWS::Lambda::EventInvokeConfig). trigger is invoked by EventBridge rules and Scheduler, track
    by the SES events rule and the SES receipt rule; Step Functions invokes the others synchronously."""
    configs = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
        for c in _resources(template_json, "AWS::Lambda::EventInvokeConfig").values()
    }
    fns, queues = stack.functions, _queue_ids(stack)
    assert set(configs) == {_logical_id(fns.trigger), _logical_id(fns.track), _logical_id(fns.forecast)}
    for function, queue in ((fns.trigger, "TriggerAsyncFailures"), (fns.track, "TrackAsyncFailures")):
        config = configs[_logical_id(function)]
        assert config["DestinationConfig"] == {"OnFailure": {"Destination": _arn_of(queues[queue])}}
        assert config["MaximumRetryAttempts"] == 2
        assert config["MaximumEventAgeInSeconds"] == 6 * 3600
    # A forecast job is never retried (it would fail the same way) and keeps its own failure: the job.
    forecast = configs[_logical_id(fns.forecast)]
    assert (forecast["MaximumRetryAttempts"], forecast["MaximumEventAgeInSeconds"]) == (0, 15 * 60)
    assert "DestinationConfig" not in forecast


def test_every_eventbridge_rule_and_the_schedule_keep_undelivered_events(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """EventBridge retries a target for 24 hours, then drops the event unless the target has a
    dead-letter queue: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html;
    Scheduler likewise: https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html"""
    undelivered = _arn_of(_queue_ids(stack)["UndeliveredEvents"])
    rules = _resources(template_json, "AWS::Events::Rule").values()
    targets = [t for rule in rules for t in rule["Properties"]["Targets"]]
    assert len(targets) == 3
    assert all(t["DeadLetterConfig"] == {"Arn": undelivered} for t in targets)
    [schedule] = _resources(template_json, "AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["Target"]["DeadLetterConfig"] == {"Arn": undelivered}
    # EventBridge writes through the queue's policy, one statement per rule, each for that rule only.
    policy = next(
        p
        for p in _resources(template_json, "AWS::SQS::QueuePolicy").values()
        if {"Ref": _queue_ids(stack)["UndeliveredEvents"]} in p["Properties"]["Queues"]
    )
    allowed = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "events.amazonaws.com"}
    ]
    assert len(allowed) == 3
    assert all("aws:SourceArn" in s["Condition"]["ArnEquals"] for s in allowed)


# --- alarms -------------------------------------------------------------------------------------


def _alarms(template_json: Json) -> dict[str, Json]:
    return {k: a["Properties"] for k, a in _resources(template_json, "AWS::CloudWatch::Alarm").items()}


def test_every_alarm_notifies_the_encrypted_alarm_topic(stack: NurtureFlowStack, template_json: Json) -> None:
    """CloudWatch publishes to an SSE topic only with a customer managed key whose policy lets
    cloudwatch.amazonaws.com use it (SNS: "Configuring SSE for a topic", AWS KMS permissions)."""
    topic = _logical_id(stack.observability.topic)
    alarms = _alarms(template_json)
    # errors and throttles a function, 4 dead-letter queues, broadcasts, workflow runs, SES, budget, pruning
    assert len(alarms) == 7 * 2 + 4 + 2 + 2 + 2 + 1 + 1
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms.values())
    properties = template_json["Resources"][topic]["Properties"]
    key = template_json["Resources"][properties["KmsMasterKeyId"]["Fn::GetAtt"][0]]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert any(
        s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(s["Action"])
        for s in key["KeyPolicy"]["Statement"]
    )
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in _resources(template_json, "AWS::SNS::TopicPolicy").values()
        if {"Ref": topic} in p["Properties"]["Topics"]
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy
    )
    [publish] = [s for s in policy if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert _flat(publish["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(":alarm:*")
    # No address given: nobody is subscribed (see the alarmEmail test below).
    assert _resources(template_json, "AWS::SNS::Subscription") == {}


def test_each_function_alarms_on_errors_and_throttles(stack: NurtureFlowStack, template: Template) -> None:
    for function in stack.functions.all:
        for metric in ("Errors", "Throttles"):
            template.has_resource_properties(
                "AWS::CloudWatch::Alarm",
                {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": _logical_id(function)}}],
                    "Statistic": "Sum",
                    "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                },
            )


def test_each_dead_letter_queue_alarms_on_its_first_message(
    stack: NurtureFlowStack, template: Template
) -> None:
    for logical_id in _queue_ids(stack).values():
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical_id, "QueueName"]}}],
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            },
        )


def test_failed_and_timed_out_broadcasts_raise_alarms(stack: NurtureFlowStack, template: Template) -> None:
    machine = {"Ref": _logical_id(stack.broadcasts.machine)}
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/States",
                "MetricName": metric,
                "Dimensions": [{"Name": "StateMachineArn", "Value": machine}],
                "Threshold": 1,
            },
        )
    # Aborted is a cancelled broadcast: graphed on the dashboard, not alarmed on.
    template.resource_properties_count_is("AWS::CloudWatch::Alarm", {"MetricName": "ExecutionsAborted"}, 0)


def test_failed_and_timed_out_workflow_runs_raise_alarms_through_metrics_insights(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """Workflow machines are created at run time, so the alarm queries every machine's series
    (SCHEMA with the StateMachineArn dimension) but the broadcast machine's. Metrics Insights'
    WHERE knows only = and != (no prefix match): https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html"""
    broadcasts = f"<{_logical_id(stack.broadcasts.machine)}>"
    queries = {
        _flat(m["Expression"])
        for alarm in _alarms(template_json).values()
        for m in alarm.get("Metrics", [])
        if "Expression" in m
    }
    assert queries == {
        f'SELECT SUM({metric}) FROM SCHEMA("AWS/States", StateMachineArn) '  # noqa: S608 (CloudWatch)
        f"WHERE StateMachineArn != '{broadcasts}'"
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut")
    }


def test_ses_reputation_alarms_sit_at_the_rates_ses_reviews_an_account(template: Template) -> None:
    """SES reviews an account at a 5% bounce rate and a 0.1% complaint rate
    (/work/shared/reference/aws-and-mailbox-facts.md, from SES's developer guide)."""
    assert (BOUNCE_RATE_ALARM, COMPLAINT_RATE_ALARM) == (0.05, 0.001)
    for metric, threshold in (("Reputation.BounceRate", 0.05), ("Reputation.ComplaintRate", 0.001)):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/SES",
                "MetricName": metric,
                "Threshold": threshold,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
            },
        )


def test_the_dashboard_shows_every_alarm(template_json: Json) -> None:
    [dashboard] = _resources(template_json, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "NurtureFlow"
    body = _flat(dashboard["Properties"]["DashboardBody"])
    for logical_id in _alarms(template_json):
        assert f"<{logical_id}.Arn>" in body, logical_id


# --- logs ---------------------------------------------------------------------------------------


def test_the_broadcast_machine_logs_to_a_vended_logs_group(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """Step Functions delivers execution logs as vended logs; a group under /aws/vendedlogs/ keeps
    CloudWatch Logs' resource policy within its size limit:
    https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html"""
    machine = template_json["Resources"][_logical_id(stack.broadcasts.machine)]["Properties"]
    [destination] = machine["LoggingConfiguration"]["Destinations"]
    log_group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    name = template_json["Resources"][log_group]["Properties"]["LogGroupName"]
    assert name == "/aws/vendedlogs/states/NurtureFlowBroadcasts"


# --- with an alarm address ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_alarm_email(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> NurtureFlowStack:
    return synth(str(tmp_path_factory.mktemp("cdk.out.alarms")), alarmEmail="Ops@Acme.internal")


def test_an_alarm_email_is_subscribed_to_the_topic(with_alarm_email: NurtureFlowStack) -> None:
    template = Template.from_stack(with_alarm_email)
    template.resource_count_is("AWS::SNS::Subscription", 1)
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "email",
            "Endpoint": "Ops@Acme.internal",
            "TopicArn": {"Ref": _logical_id(with_alarm_email.observability.topic)},
        },
    )
    template.has_output("AlarmTopicArn", Match.object_like({"Value": Match.any_value()}))


def test_an_alarm_fires_when_an_upload_could_not_prune_old_versions(
    stack: NurtureFlowStack, template: Template, template_json: Json
) -> None:
    """Uploads prune versions in the admin function and count failures by its service name; 1,000
    versions a machine is Step Functions' limit:
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html"""
    service = _env(template_json, stack.functions.admin)["POWERTOOLS_SERVICE_NAME"]
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": NAMESPACE,
            "MetricName": VERSION_PRUNING_FAILED,
            "Dimensions": [{"Name": "service", "Value": service}],
            "Threshold": 1,
        },
    )


def test_tracked_events_wait_in_a_queue_read_at_bounded_concurrency_failed_ones_received_again(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """The flood model's finding (bench/event_flood.py): events go through an SQS queue that the
    trigger reads at most 50 invocations at once, reporting failed messages one by one; a failed
    message is received again after 30 minutes (six times the trigger's 5-minute timeout, as
    https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html advises), 5 times in
    all, then kept in its dead-letter queue."""
    intake = _logical_id(stack.events.intake)
    queue = template_json["Resources"][intake]["Properties"]
    assert queue["VisibilityTimeout"] == 30 * 60
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": _arn_of(_queue_ids(stack)["TrackedEventsFailed"]),
        "maxReceiveCount": 5,
    }
    [mapping] = _resources(template_json, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert properties["EventSourceArn"] == _arn_of(intake)
    assert properties["FunctionName"] == {"Ref": _logical_id(stack.functions.trigger)}
    assert properties["ScalingConfig"] == {"MaximumConcurrency": 50}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BatchSize"] == 10
    # The flood model (docs/scale.md) models this queue: the same numbers.
    deployed = {"max_concurrency": 50, "visibility_seconds": 1800, "max_receives": 5, "batch": 10}
    assert deployed == DEPLOYED_QUEUE
