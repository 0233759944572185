"""The synthesised NurtureFlow stack: resources, wiring, least privilege and cdk-nag."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_cdk import CfnElement, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

from infra.stack import NurtureFlowStack
from infra.stack.settings_env import env_name
from nurtureflow.api.routes import ROUTES
from nurtureflow.settings import (
    AuthSettings,
    BroadcastSettings,
    BusSettings,
    EndpointSettings,
    ForecastSettings,
    PriceSettings,
    RateLimitSettings,
    RetentionSettings,
    SendingSettings,
    SiteSettings,
    TableSettings,
    TrackingSettings,
    WorkflowSettings,
)
from nurtureflow.store.tables import TABLES

Json = dict[str, Any]


# --- helpers over the template JSON -------------------------------------------------------------


def _resources(template_json: Json, kind: str) -> dict[str, Json]:
    return {k: r for k, r in template_json["Resources"].items() if r["Type"] == kind}


def _logical_id(construct: Any) -> str:
    element = construct.node.default_child if not isinstance(construct, CfnElement) else construct
    return Stack.of(element).resolve(element.logical_id)  # type: ignore[no-any-return]


def _role_id(template_json: Json, function: lambda_.Function) -> str:
    role = template_json["Resources"][_logical_id(function)]["Properties"]["Role"]
    return role["Fn::GetAtt"][0]  # type: ignore[no-any-return]


def _statements(template_json: Json, role_id: str) -> list[Json]:
    statements: list[Json] = []
    for policy in _resources(template_json, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _actions(statement: Json) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def _resource_list(statement: Json) -> list[Any]:
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def _env(template_json: Json, function: lambda_.Function) -> Json:
    return template_json["Resources"][_logical_id(function)]["Properties"]["Environment"]["Variables"]  # type: ignore[no-any-return]


def _flat(value: Any) -> str:
    """An intrinsic rendered as text, good enough to look for a literal inside it."""
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_flat(part) for part in value["Fn::Join"][1])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    return str(value)


# --- data ---------------------------------------------------------------------------------------


def test_every_table_spec_is_an_on_demand_table_with_its_keys_and_ttl(template_json: Json) -> None:
    def shape(keys: list[tuple[str, str]], ttl: str | None) -> tuple[Any, ...]:
        return (tuple(keys), ttl)

    expected = Counter(
        shape([(s.partition_key, "HASH")] + ([(s.sort_key, "RANGE")] if s.sort_key else []), s.ttl_attribute)
        for s in TABLES
    )
    tables = _resources(template_json, "AWS::DynamoDB::Table").values()
    found = Counter(
        shape(
            [(k["AttributeName"], k["KeyType"]) for k in t["Properties"]["KeySchema"]],
            t["Properties"].get("TimeToLiveSpecification", {}).get("AttributeName"),
        )
        for t in tables
    )
    assert len(TABLES) == 12
    assert found == expected
    for table in tables:
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert all(a["AttributeType"] == "S" for a in table["Properties"]["AttributeDefinitions"])


def test_every_table_is_kept_when_the_stack_is_deleted(template_json: Json) -> None:
    policies = {k: t["DeletionPolicy"] for k, t in _resources(template_json, "AWS::DynamoDB::Table").items()}
    assert set(policies.values()) == {"Retain"}


def test_table_settings_are_exactly_the_table_specs() -> None:
    assert set(TableSettings.model_fields) == {spec.setting for spec in TABLES}


def test_each_table_variable_names_the_table_with_that_settings_key(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    table_keys = {
        k: [key["AttributeName"] for key in t["Properties"]["KeySchema"]]
        for k, t in _resources(template_json, "AWS::DynamoDB::Table").items()
    }
    for function in stack.functions.all:
        for spec in TABLES:
            value = _env(template_json, function).get(env_name(TableSettings, spec.setting))
            if value is not None:
                assert table_keys[value["Ref"]][0] == spec.partition_key
    assert _env(template_json, stack.functions.send)["NURTUREFLOW_SENDS_TABLE"] == {
        "Ref": _logical_id(stack.data.sends)
    }
    # The send path claims its send record instead of Powertools Idempotency: no grant on that table.
    assert all("NURTUREFLOW_IDEMPOTENCY_TABLE" not in _env(template_json, f) for f in stack.functions.all)


# --- functions and layer ------------------------------------------------------------------------


def test_seven_arm64_python312_functions_use_the_common_layer(
    stack: NurtureFlowStack, template: Template
) -> None:
    layer_id = _logical_id(stack.layer.layer)
    # The seven, and CDK's own BucketDeployment function that uploads the console at deploy time.
    template.resource_count_is("AWS::Lambda::Function", 8)
    template.resource_properties_count_is(
        "AWS::Lambda::Function",
        {
            "Architectures": ["arm64"],
            "Runtime": "python3.12",
            "Handler": "handler.handler",
            "MemorySize": Match.any_value(),
            "TracingConfig": {"Mode": "Active"},
            "Layers": [{"Ref": layer_id}],
            "LoggingConfig": {"LogGroup": Match.any_value()},
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "POWERTOOLS_SERVICE_NAME": Match.any_value(),
                        "POWERTOOLS_METRICS_NAMESPACE": "NurtureFlow",
                        "PYDANTIC_DISABLE_PLUGINS": "__all__",
                    }
                )
            },
        },
        7,
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": "send"})}, "Timeout": 30},
    )
    # Handlers are small (256 MB); the admin function runs forecasts on a full vCPU, and the forecast
    # function a 100,000-contact job (about 2 GB) with Lambda's whole 15 minutes.
    template.resource_properties_count_is("AWS::Lambda::Function", {"MemorySize": 256}, 5)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": "forecast"})},
            "MemorySize": 3008,
            "Timeout": 900,
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": "admin"})},
            "MemorySize": 1769,
        },
    )


def test_the_layer_is_built_for_arm64_and_python312(template: Template) -> None:
    template.resource_count_is("AWS::Lambda::LayerVersion", 2)  # ours, and BucketDeployment's AWS CLI
    template.has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {"CompatibleArchitectures": ["arm64"], "CompatibleRuntimes": ["python3.12"]},
    )


def test_every_function_log_group_has_a_retention(template: Template) -> None:
    template.all_resources_properties("AWS::Logs::LogGroup", {"RetentionInDays": Match.any_value()})


def test_every_settings_variable_is_a_field_of_a_settings_part(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    parts = (
        TableSettings, EndpointSettings, TrackingSettings, SendingSettings, AuthSettings,
        SiteSettings, BusSettings, WorkflowSettings, PriceSettings, RetentionSettings,
        BroadcastSettings, RateLimitSettings, ForecastSettings,
    )  # fmt: skip
    known = {env_name(part, field) for part in parts for field in part.model_fields}
    for function in stack.functions.all:
        ours = {name for name in _env(template_json, function) if name.startswith("NURTUREFLOW_")}
        assert ours <= known, f"{function.node.id}: {ours - known}"


# --- API ----------------------------------------------------------------------------------------


def _method_routes(stack: NurtureFlowStack, template_json: Json) -> set[tuple[str, str, str]]:
    """(method, path, function logical id) of every API method, paths rebuilt from the resources."""
    resources = _resources(template_json, "AWS::ApiGateway::Resource")

    def path(resource_id: Any) -> str:
        if "Fn::GetAtt" in resource_id:  # the root resource
            return ""
        properties = resources[resource_id["Ref"]]["Properties"]
        return f"{path(properties['ParentId'])}/{properties['PathPart']}"

    found = set()
    for method in _resources(template_json, "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        assert properties["Integration"]["Type"] == "AWS_PROXY"
        uri_parts = properties["Integration"]["Uri"]["Fn::Join"][1]
        function_id = next(p["Fn::GetAtt"][0] for p in uri_parts if isinstance(p, dict) and "Fn::GetAtt" in p)
        found.add((properties["HttpMethod"], path(properties["ResourceId"]), function_id))
    return found


def test_the_rest_api_has_one_proxy_method_per_route(stack: NurtureFlowStack, template_json: Json) -> None:
    handlers = {"track": _logical_id(stack.functions.track), "admin": _logical_id(stack.functions.admin)}
    expected = {(r.method, r.path, handlers[r.function]) for r in ROUTES}
    assert len(_resources(template_json, "AWS::ApiGateway::Method")) == len(ROUTES) == 39
    assert _method_routes(stack, template_json) == expected
    assert ("POST", "/u/{token}", handlers["track"]) in expected
    assert ("GET", "/admin/costs", handlers["admin"]) in expected
    assert ("GET", "/openapi.json", handlers["track"]) in expected


def test_the_api_is_regional_with_an_access_logged_throttled_v1_stage(template: Template) -> None:
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["REGIONAL"]}}
    )
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "AccessLogSetting": {"DestinationArn": Match.any_value(), "Format": Match.any_value()},
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {"ThrottlingRateLimit": Match.any_value(), "ThrottlingBurstLimit": Match.any_value()}
                    )
                ]
            ),
        },
    )


def test_path_parameters_are_validated_before_lambda_runs(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "GET",
            "RequestParameters": {"method.request.path.token": True},
            "RequestValidatorId": Match.any_value(),
        },
    )


# --- workflows ----------------------------------------------------------------------------------


def test_the_state_machine_role_may_only_invoke_the_step_and_send_functions(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    role_id = _logical_id(stack.workflows.role)
    trust = template_json["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "states.amazonaws.com"}]

    step, send = _logical_id(stack.functions.step), _logical_id(stack.functions.send)
    statements = _statements(template_json, role_id)
    lambda_statements = [s for s in statements if any(a.startswith("lambda:") for a in _actions(s))]
    assert [_actions(s) for s in lambda_statements] == [["lambda:InvokeFunction"]]
    invoked = {_flat(r) for r in _resource_list(lambda_statements[0])}
    assert invoked == {f"<{step}.Arn>", f"<{send}.Arn>", f"<{step}.Arn>:*", f"<{send}.Arn>:*"}
    others = {a for s in statements if s not in lambda_statements for a in _actions(s)}
    assert all(a.startswith(("logs:", "xray:")) for a in others)


def test_the_admin_function_passes_only_the_workflow_role_to_step_functions(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    statements = _statements(template_json, _role_id(template_json, stack.functions.admin))
    pass_role = [s for s in statements if "iam:PassRole" in _actions(s)]
    assert len(pass_role) == 1
    assert _resource_list(pass_role[0]) == [{"Fn::GetAtt": [_logical_id(stack.workflows.role), "Arn"]}]
    assert pass_role[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}}
    env = _env(template_json, stack.functions.admin)
    assert env["NURTUREFLOW_STATE_MACHINE_ROLE_ARN"] == {
        "Fn::GetAtt": [_logical_id(stack.workflows.role), "Arn"]
    }
    assert env["NURTUREFLOW_STEP_FUNCTION_ARN"] == {"Fn::GetAtt": [_logical_id(stack.functions.step), "Arn"]}


def test_step_functions_permissions_are_limited_to_the_name_prefix(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    broadcasts = f"<{_logical_id(stack.broadcasts.machine)}>"
    for function in stack.functions.all:
        for statement in _statements(template_json, _role_id(template_json, function)):
            if any(a.startswith("states:") for a in _actions(statement)):
                for resource in _resource_list(statement):
                    flat = _flat(resource)
                    if flat == broadcasts or flat.endswith(":execution:NurtureFlowBroadcasts:*"):
                        continue  # the broadcast machine: see the test below
                    assert _flat(resource).endswith(
                        (":stateMachine:nurtureflow-*", ":execution:nurtureflow-*")
                    )


# --- least privilege spot checks ----------------------------------------------------------------


def _all_actions(template_json: Json, function: lambda_.Function) -> set[str]:
    return {a for s in _statements(template_json, _role_id(template_json, function)) for a in _actions(s)}


def test_functions_have_only_the_services_they_need(stack: NurtureFlowStack, template_json: Json) -> None:
    fns = stack.functions
    services = {f.node.id: {a.split(":")[0] for a in _all_actions(template_json, f)} for f in fns.all}
    base = {"logs", "xray", "dynamodb"}
    # sqs: the on-failure destination of the two functions invoked asynchronously.
    assert services == {
        # events: a segment backfill hands its parts over through the bus (enrolment/backfill.py).
        "Trigger": base | {"states", "sqs", "events"},
        "Step": base | {"states", "events"},
        "Send": base | {"ses"},
        "Track": base | {"events", "sqs"},
        "Admin": base | {"states", "iam", "events", "lambda"},  # lambda: starts forecast jobs
        "Broadcast": base | {"ses"},
        "Forecast": base,
    }
    assert (
        _all_actions(template_json, fns.step) & {"states:StartExecution", "states:CreateStateMachine"}
        == set()
    )


def test_the_track_function_has_no_step_functions_permission(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    assert not [a for a in _all_actions(template_json, stack.functions.track) if a.startswith("states:")]


def test_the_track_function_only_stamps_sends_and_never_touches_workflows(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """Opens and clicks stamp the send record's first time (``SendRepository.mark``, an UpdateItem):
    track may update a send, never create or delete one."""
    statements = _statements(template_json, _role_id(template_json, stack.functions.track))
    sends, workflows = _logical_id(stack.data.sends), _logical_id(stack.data.workflows)
    on_sends: set[str] = set()
    for statement in statements:
        targets = {_flat(r) for r in _resource_list(statement)}
        assert f"<{workflows}.Arn>" not in targets
        if f"<{sends}.Arn>" in targets:
            on_sends |= set(_actions(statement))
    assert "dynamodb:UpdateItem" in on_sends
    assert not {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & on_sends


def test_the_send_function_sends_only_from_the_sender_domain_through_the_configuration_set(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    statements = _statements(template_json, _role_id(template_json, stack.functions.send))
    ses = [s for s in statements if any(a.startswith("ses:") for a in _actions(s))]
    assert len(ses) == 1
    assert sorted(_actions(ses[0])) == ["ses:SendEmail", "ses:SendRawEmail"]
    suffixes = sorted(_flat(r).rsplit(":", 1)[1] for r in _resource_list(ses[0]))
    assert suffixes == [
        "configuration-set/nurtureflow",
        "identity/*@nurtureflow.internal",
        "identity/nurtureflow.internal",
    ]
    env = _env(template_json, stack.functions.send)
    assert env["NURTUREFLOW_CONFIGURATION_SET"] == "nurtureflow"
    assert "secretsmanager" in _flat(env["NURTUREFLOW_LINK_KEYS"])  # a dynamic reference, no literal key


# --- SES, EventBridge, Scheduler ----------------------------------------------------------------


def test_ses_events_of_the_configuration_set_reach_the_track_function(
    stack: NurtureFlowStack, template: Template
) -> None:
    template.has_resource_properties(
        "AWS::SES::ConfigurationSet",
        {"Name": "nurtureflow", "ReputationOptions": {"ReputationMetricsEnabled": True}},
    )
    template.has_resource_properties(
        "AWS::SES::ConfigurationSetEventDestination",
        {
            "EventDestination": {
                "Enabled": True,
                "EventBridgeDestination": {"EventBusArn": Match.any_value()},
                "MatchingEventTypes": Match.array_equals(
                    # what the track function records; opens and clicks are our own pixel's and links'
                    ["delivery", "bounce", "complaint", "reject", "deliveryDelay"]
                ),
            }
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": "default",
            "EventPattern": {
                "source": ["aws.ses"],
                "detail": {"mail": {"tags": {"ses:configuration-set": ["nurtureflow"]}}},
            },
            "Targets": [
                Match.object_like({"Arn": {"Fn::GetAtt": [_logical_id(stack.functions.track), "Arn"]}})
            ],
        },
    )


def test_tracked_events_and_run_status_changes_reach_the_trigger_function(
    stack: NurtureFlowStack, template: Template
) -> None:
    trigger = {"Fn::GetAtt": [_logical_id(stack.functions.trigger), "Arn"]}
    template.has_resource_properties("AWS::Events::EventBus", {"Name": "nurtureflow"})
    # Tracked events through the trigger's intake queue (its event source: test_operations.py).
    intake = {"Fn::GetAtt": [_logical_id(stack.events.intake), "Arn"]}
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": {"Ref": _logical_id(stack.events.bus)},
            "EventPattern": {"source": ["nurtureflow.track"]},
            "Targets": [Match.object_like({"Arn": intake})],
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {"stateMachineArn": [{"prefix": Match.any_value()}]},
            },
            "Targets": [Match.object_like({"Arn": trigger})],
        },
    )
    template.resource_count_is("AWS::Events::Rule", 3)


def test_only_track_step_admin_and_trigger_may_put_events_on_the_bus(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    # track: website and email events; step: task_created; admin: manual enrolments; trigger:
    # the parts of a segment backfill or sweep.
    publishers = {
        f.node.id for f in stack.functions.all if "events:PutEvents" in _all_actions(template_json, f)
    }
    assert publishers == {"Track", "Step", "Admin", "Trigger"}


def test_a_daily_schedule_invokes_the_trigger_function(stack: NurtureFlowStack, template: Template) -> None:
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": Match.string_like_regexp(r"^cron\("),
            "Target": Match.object_like(
                {
                    "Arn": {"Fn::GetAtt": [_logical_id(stack.functions.trigger), "Arn"]},
                    "Input": '{"action":"daily"}',
                }
            ),
        },
    )


# --- cdk-nag ------------------------------------------------------------------------------------


def test_cdk_nag_reports_no_unacknowledged_finding(stack: NurtureFlowStack, template: Template) -> None:
    report = AwsSolutionsChecks().validate_scope(stack)
    assert [v.rule_name for v in report.violations] == []
    assert report.success
    assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []


def test_the_send_function_may_record_its_email_sent_events(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    # Delivery writes an email_sent event into the contact's history after each send.
    events = _logical_id(stack.data.events)
    env = _env(template_json, stack.functions.send)
    assert env["NURTUREFLOW_EVENTS_TABLE"] == {"Ref": events}
    statements = _statements(template_json, _role_id(template_json, stack.functions.send))
    writes = [
        s
        for s in statements
        if "dynamodb:PutItem" in _actions(s) and f"<{events}.Arn>" in {_flat(r) for r in _resource_list(s)}
    ]
    assert writes, "the send function needs to write the events table"


def test_the_step_function_reads_sends_for_engagement_but_cannot_write_them(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    sends = _logical_id(stack.data.sends)
    assert _env(template_json, stack.functions.step)["NURTUREFLOW_SENDS_TABLE"] == {"Ref": sends}
    statements = _statements(template_json, _role_id(template_json, stack.functions.step))
    on_sends = [s for s in statements if f"<{sends}.Arn>" in {_flat(r) for r in _resource_list(s)}]
    assert any("dynamodb:GetItem" in _actions(s) for s in on_sends)
    assert not any("dynamodb:PutItem" in _actions(s) for s in on_sends)


def test_send_records_are_indexed_by_contact_for_export_and_erasure(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by_contact",
                    "KeySchema": [{"AttributeName": "contact_id", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ]
        },
    )


def _stats_actions(stack: NurtureFlowStack, template_json: Json, function: lambda_.Function) -> set[str]:
    stats = _logical_id(stack.data.stats)
    statements = _statements(template_json, _role_id(template_json, function))
    on_stats = [s for s in statements if f"<{stats}.Arn>" in {_flat(r) for r in _resource_list(s)}]
    return {action for s in on_stats for action in _actions(s)}


def test_stats_are_counted_by_track_trigger_send_and_step_and_only_read_by_admin(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    fns = stack.functions
    for writer in (fns.track, fns.trigger, fns.send, fns.step):  # step: a holdout's groups
        # A count is a TransactWriteItems of a marker Put and counter Updates.
        assert {"dynamodb:PutItem", "dynamodb:UpdateItem"} <= _stats_actions(stack, template_json, writer)
    admin = _stats_actions(stack, template_json, fns.admin)
    assert "dynamodb:Query" in admin
    assert not admin & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def test_the_admin_function_may_list_and_stop_workflow_runs_to_archive(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    statements = _statements(template_json, _role_id(template_json, stack.functions.admin))
    resources = {action: {_flat(r) for r in _resource_list(s)} for s in statements for action in _actions(s)}
    assert any(":stateMachine:nurtureflow-*" in r for r in resources["states:ListExecutions"])
    assert any(":execution:nurtureflow-*" in r for r in resources["states:StopExecution"])


def test_template_previews_sign_links_like_sends_and_show_the_postal_address(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    admin, send = _env(template_json, stack.functions.admin), _env(template_json, stack.functions.send)
    for name in ("NURTUREFLOW_PUBLIC_BASE_URL", "NURTUREFLOW_LINK_KEYS", "NURTUREFLOW_LINK_KEY_ID"):
        assert admin[name] == send[name]
    assert admin["NURTUREFLOW_POSTAL_ADDRESS"] == send["NURTUREFLOW_POSTAL_ADDRESS"]


def test_the_send_function_reads_workflow_names_but_cannot_write_workflows(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    workflows = f"<{_logical_id(stack.data.workflows)}.Arn>"
    statements = _statements(template_json, _role_id(template_json, stack.functions.send))
    on_workflows = [s for s in statements if workflows in {_flat(r) for r in _resource_list(s)}]
    actions = {action for s in on_workflows for action in _actions(s)}
    assert "dynamodb:GetItem" in actions
    assert not actions & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


# --- broadcasts -----------------------------------------------------------------------------------


def test_the_broadcast_machine_invokes_only_the_broadcast_function_and_logs_without_data(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    machine = template_json["Resources"][_logical_id(stack.broadcasts.machine)]["Properties"]
    assert machine["StateMachineName"] == "NurtureFlowBroadcasts"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False
    broadcast = _logical_id(stack.functions.broadcast)
    assert machine["DefinitionSubstitutions"] == {"BroadcastFunctionArn": {"Fn::GetAtt": [broadcast, "Arn"]}}
    statements = _statements(template_json, _logical_id(stack.broadcasts.machine.role))
    invoked = {
        _flat(r) for s in statements if "lambda:InvokeFunction" in _actions(s) for r in _resource_list(s)
    }
    assert invoked == {f"<{broadcast}.Arn>", f"<{broadcast}.Arn>:*"}


def test_the_broadcast_machine_starts_only_its_own_children_and_successors(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    statements = _statements(template_json, _logical_id(stack.broadcasts.machine.role))
    granted = {
        action: {_flat(r) for s in statements if action in _actions(s) for r in _resource_list(s)}
        for action in ("states:StartExecution", "states:DescribeExecution", "states:StopExecution")
    }
    arn = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>"
    assert granted["states:StartExecution"] == {f"{arn}:stateMachine:NurtureFlowBroadcasts"}
    # execution:<machine>:* is the form of AWS's Distributed Map IAM example and of CDK's own grant
    # (StateMachine.grantExecution); <machine>/* covers a map run's labelled child executions.
    executions = {f"{arn}:execution:NurtureFlowBroadcasts:*", f"{arn}:execution:NurtureFlowBroadcasts/*"}
    assert granted["states:DescribeExecution"] == executions
    assert granted["states:StopExecution"] == executions
    definition = template_json["Resources"][_logical_id(stack.broadcasts.machine)]["Properties"]
    assert '"Mode": "DISTRIBUTED"' in _flat(definition["DefinitionString"])


def test_only_the_admin_function_starts_and_stops_broadcasts(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    machine = f"<{_logical_id(stack.broadcasts.machine)}>"
    admin = _statements(template_json, _role_id(template_json, stack.functions.admin))
    starts = [s for s in admin if "states:StartExecution" in _actions(s)]
    assert any({_flat(r) for r in _resource_list(s)} == {machine} for s in starts)
    stops = [_flat(r) for s in admin if "states:StopExecution" in _actions(s) for r in _resource_list(s)]
    assert any(r.endswith(":execution:NurtureFlowBroadcasts:*") for r in stops)
    env = _env(template_json, stack.functions.admin)
    assert env["NURTUREFLOW_BROADCAST_STATE_MACHINE_ARN"] == {"Ref": _logical_id(stack.broadcasts.machine)}
    for function in stack.functions.all:
        if function is not stack.functions.admin:
            for statement in _statements(template_json, _role_id(template_json, function)):
                assert machine not in {_flat(r) for r in _resource_list(statement)}


def test_functions_load_the_xray_sdk_only_when_context_asks(template_json: Json) -> None:
    """Active tracing stays on everywhere; the SDK's variable appears only with ``-c xraySdk=true``."""
    from infra.stack.functions import Functions

    functions = _resources(template_json, "AWS::Lambda::Function").values()
    assert not any("NURTUREFLOW_XRAY_SDK" in f["Properties"]["Environment"]["Variables"] for f in functions)

    stack = Stack()
    layer = lambda_.LayerVersion.from_layer_version_arn(
        stack, "Layer", "arn:aws:lambda:us-east-1:123456789012:layer:common:1"
    )
    Functions(stack, "Functions", layer=layer, xray_sdk=True)
    with_sdk = Template.from_stack(stack)
    with_sdk.resource_properties_count_is(
        "AWS::Lambda::Function",
        {
            "TracingConfig": {"Mode": "Active"},
            "Environment": {"Variables": Match.object_like({"NURTUREFLOW_XRAY_SDK": "true"})},
        },
        7,
    )
