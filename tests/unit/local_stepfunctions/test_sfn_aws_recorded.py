"""Differences found against executions recorded on real AWS, each checked against the developer guide.

Where the guide gives the rule, the test cites it; the exact values come from executions recorded on AWS
(LocalStack's AWS-validated snapshots, tests/aws/services/stepfunctions/v2/..., named in each docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow.local.stepfunctions import LocalStepFunctions

Runner = Callable[..., dict[str, Any]]
MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]

INTRINSICS = "https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html"


def evaluate(run: Runner, output: Output, expression: str, data: Any) -> Any:
    """The value of an intrinsic call in a Pass state's Parameters, ``data`` as ``$.FunctionInput``."""
    definition = {
        "StartAt": "State_0",
        "States": {"State_0": {"Type": "Pass", "Parameters": {"FunctionResult.$": expression}, "End": True}},
    }
    described = run(definition, {"FunctionInput": data})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    return output(described)["FunctionResult"]


def events_of(sfn: LocalStepFunctions, arn: str) -> list[dict[str, Any]]:
    return list(sfn.get_execution_history(arn)["events"])


def runtime_cause(state: str, entered_at: int, detail: str) -> str:
    where = f"the state '{state}' (entered at the event id #{entered_at})"
    return f"An error occurred while executing {where}. {detail}"


# -- intrinsic functions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "total"),
    [
        (-9, 3, -6),
        (1.49, 1.50, 3),
        (1.50, 1.51, 4),
        (-1.49, -1.50, -2),
        (-1.50, -1.51, -3),
        (0.5, 0, 1),
        (2.5, 0, 3),
        (-0.5, 0.5, 1),
        (-0.5, 0, 0),
        (-2.5, 0, -2),
        (-1.51, 0, -2),
    ],
)
def test_math_add_rounds_decimal_arguments_to_the_nearest_integer_half_up(
    run: Runner, output: Output, first: float, second: float, total: int
) -> None:
    """ "If you specify a non-integer value for one or both the arguments, Step Functions will round it off
    to the nearest integer"; ties go up, as Java's Math.round (recorded: intrinsic_functions/
    test_math_operations::test_math_add). https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html"""
    data = {"fst": first, "snd": second}
    assert evaluate(run, output, "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)", data) == total


def test_math_random_accepts_decimal_bounds_rounding_them(run: Runner, output: Output) -> None:
    """Decimal start and end are rounded to the nearest integer (recorded: test_math_random with 12.50,
    44.51 succeeds). https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html"""
    data = {"fst": 12.50, "snd": 44.51}
    value = evaluate(run, output, "States.MathRandom($.FunctionInput.fst, $.FunctionInput.snd, 7)", data)
    assert isinstance(value, int)
    assert 13 <= value <= 45


@pytest.mark.parametrize(
    ("text", "value"), [("", None), (" ", None), ("null", None), ("-0", 0), ("1.1", 1.1)]
)
def test_string_to_json_of_a_blank_string_is_null(run: Runner, output: Output, text: str, value: Any) -> None:
    """Recorded: test_json_manipulation::test_string_to_json ("" and " " give null).
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html"""
    assert evaluate(run, output, "States.StringToJson($.FunctionInput)", text) == value


@pytest.mark.parametrize(
    ("argument", "rendered"),
    [
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
        ([1, "HelloWorld", None, True, {"a": "b"}], "[1, HelloWorld, null, true, {a=b}]"),
        ('{"Arg1": 1, "Arg2": []}', '{"Arg1": 1, "Arg2": []}'),
        (None, "null"),
        (1.1, "1.1"),
    ],
)
def test_format_renders_objects_and_arrays_as_aws_does(
    run: Runner, output: Output, argument: Any, rendered: str
) -> None:
    """AWS formats an object argument as {key=value, ...} and an array as [a, b] (Java's toString), where
    the runtime refused them (recorded: test_string_operations::test_format_2, test_context_json_path).
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html"""
    result = evaluate(run, output, "States.Format('Formatting argument {}.', $.FunctionInput)", argument)
    assert result == f"Formatting argument {rendered}."


# -- context object --------------------------------------------------------------------------------------


def test_state_retry_count_is_in_the_context_of_task_parallel_and_map_states_only(
    run: Runner, invoker: Any, output: Output
) -> None:
    """The context object's State has RetryCount where a state can retry (Task, Parallel, Map); a Pass
    state's has none (recorded: context_object/test_context_object, scenarios/test_base_scenarios).
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html"""
    invoker.functions["echo"] = lambda payload: payload
    definition = {
        "StartAt": "Look",
        "States": {
            "Look": {"Type": "Pass", "Parameters": {"state.$": "$$.State"}, "Next": "Call"},
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:000000000000:function:echo",
                "Parameters": {"pass.$": "$.state", "task.$": "$$.State"},
                "End": True,
            },
        },
    }
    result = output(run(definition))
    assert "RetryCount" not in result["pass"]
    assert result["task"]["RetryCount"] == 0


# -- Map and Parallel states -----------------------------------------------------------------------------

MAP_STATE_RETRY = {
    "StartAt": "StartState",
    "States": {
        "StartState": {"Type": "Pass", "Result": [1], "ResultPath": "$.arr", "Next": "MapState"},
        "MapState": {
            "Type": "Map",
            "ResultPath": None,
            "InputPath": "$.arr",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "HandleItemFail",
                "States": {
                    "HandleItemFail": {
                        "Type": "Fail",
                        "Error": "HandleItemFailError",
                        "Cause": "HandleItemFailCause",
                    }
                },
            },
            "Retry": [{"ErrorEquals": ["HandleItemFailError"], "MaxAttempts": 2}],
            "Next": "Final",
        },
        "Final": {"Type": "Pass", "End": True},
    },
}


def test_a_retried_map_state_records_map_state_failed_only_when_it_gives_up(
    sfn: LocalStepFunctions, machine: MachineFactory
) -> None:
    """Recorded (scenarios/test_base_scenarios::test_map_state_retry): no MapStateFailed between attempts,
    the next MapStateStarted follows the failed iteration's last state event, and MapStateFailed comes
    once, at the end. https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    execution = sfn.start_execution(machine(MAP_STATE_RETRY), input="{}")["executionArn"]
    sfn.advance(timedelta(seconds=10))
    recorded = [(e["id"], e["previousEventId"], e["type"]) for e in events_of(sfn, execution)]
    assert recorded[3:] == [
        (4, 3, "MapStateEntered"),
        (5, 4, "MapStateStarted"),
        (6, 5, "MapIterationStarted"),
        (7, 6, "FailStateEntered"),
        (8, 7, "MapIterationFailed"),
        (9, 7, "MapStateStarted"),
        (10, 9, "MapIterationStarted"),
        (11, 10, "FailStateEntered"),
        (12, 11, "MapIterationFailed"),
        (13, 11, "MapStateStarted"),
        (14, 13, "MapIterationStarted"),
        (15, 14, "FailStateEntered"),
        (16, 15, "MapIterationFailed"),
        (17, 15, "MapStateFailed"),
        (18, 17, "ExecutionFailed"),
    ]


def test_a_retried_parallel_state_records_parallel_state_failed_only_when_it_gives_up(
    sfn: LocalStepFunctions, machine: MachineFactory
) -> None:
    """Recorded (scenarios/test_base_scenarios::test_parallel_state_retry).
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    branch = {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch],
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    execution = sfn.start_execution(machine(definition), input="{}")["executionArn"]
    sfn.advance(timedelta(seconds=10))
    recorded = [(e["id"], e["previousEventId"], e["type"]) for e in events_of(sfn, execution)]
    assert recorded == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "ParallelStateEntered"),
        (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"),
        (5, 4, "ParallelStateStarted"),
        (6, 5, "FailStateEntered"),
        (7, 6, "ParallelStateStarted"),
        (8, 7, "FailStateEntered"),
        (9, 8, "ParallelStateFailed"),
        (10, 9, "ExecutionFailed"),
    ]


def map_over(values: list[Any], **fields: Any) -> dict[str, Any]:
    processor = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}
    return {
        "StartAt": "MapState",
        "States": {"MapState": {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}},
    }


def test_max_concurrency_path_limits_the_iterations(run: Runner, output: Output) -> None:
    """MaxConcurrencyPath takes the limit from the input.
    https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html"""
    definition = map_over([], ItemsPath="$.Values", MaxConcurrencyPath="$.MaxConcurrencyValue")
    described = run(definition, {"MaxConcurrencyValue": 1, "Values": ["a", "b"]})
    assert output(described) == ["a", "b"]


@pytest.mark.parametrize(("value", "shown"), [("NoNumber", "NoNumber"), ({}, "{}")])
def test_a_max_concurrency_path_that_is_not_a_number_is_a_runtime_error(
    run: Runner, value: Any, shown: str
) -> None:
    """Recorded (scenarios/test_base_scenarios::test_max_concurrency_path): States.Runtime, AWS's cause.
    https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html"""
    definition = map_over([], ItemsPath="$.Values", MaxConcurrencyPath="$.MaxConcurrencyValue")
    described = run(definition, {"MaxConcurrencyValue": value, "Values": ["HelloWorld"]})
    detail = (
        f'The MaxConcurrencyPath field refers to value "{shown}" which is not a valid integer: '
        "$.MaxConcurrencyValue"
    )
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "States.Runtime",
        runtime_cause("MapState", 2, detail),
    )


# -- the wording of States.Runtime causes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "data", "detail"),
    [
        (
            {"Type": "Pass", "InputPath": "$.NoSuchInputPath", "End": True},
            {},
            "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
        ),
        (
            {"Type": "Pass", "OutputPath": "$.NoSuchOutputPath", "End": True},
            {},
            "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
        ),
        (
            {"Type": "Pass", "OutputPath": "$.no.such.result.path", "End": True},
            {},
            "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
        ),
        (
            {"Type": "Pass", "Parameters": {"value.$": "$.no_such_jsonpath"}, "End": True},
            {"a": 1},
            """The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in """
            """the input '{"a":1}'""",
        ),
        (
            {
                "Type": "Map",
                "ItemsPath": "$.items",
                "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": True,
            },
            {"items": {"foo": "bar"}},
            'Map state input must be an array but was: {"foo":"bar"}',
        ),
        (
            {"Type": "Wait", "SecondsPath": "$.input.waitSeconds", "End": True},
            {"input": {}},
            "The SecondsPath parameter does not reference an input value: $.input.waitSeconds",
        ),
        (
            {"Type": "Wait", "SecondsPath": "$.input.waitSeconds", "End": True},
            {"input": {"waitSeconds": -1}},
            "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1",
        ),
        (
            {"Type": "Wait", "SecondsPath": "$.input.waitSeconds", "End": True},
            {"input": {"waitSeconds": 1.5}},
            "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5",
        ),
        (
            {"Type": "Wait", "TimestampPath": "$.TimestampValue", "End": True},
            {"TimestampValue": "2016-12-05T21:29:29"},
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
            "format string: $.TimestampValue == 2016-12-05T21:29:29",
        ),
        (
            {"Type": "Wait", "Timestamp": "2016-12-05T25:29:29Z", "End": True},
            {},
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
            "2016-12-05T25:29:29Z",
        ),
    ],
)
def test_runtime_error_causes_read_as_aws_writes_them(
    run: Runner, state: dict[str, Any], data: Any, detail: str
) -> None:
    """States.Runtime causes, word for word as recorded on AWS (scenarios/test_base_scenarios,
    test_wait..., test_map...): "An error occurred while executing the state '<name>' (entered at the
    event id #<n>). <detail>". https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    described = run({"StartAt": "S", "States": {"S": state}}, data)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "States.Runtime",
        runtime_cause("S", 2, detail),
    )


# -- paths -----------------------------------------------------------------------------------------------


def test_bracket_paths_and_filter_literals_take_escaped_quotes(run: Runner, output: Output) -> None:
    """Bracket notation and filter literals take an escaped quote of their own kind (Jayway JsonPath, which
    Step Functions' paths follow). https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html"""
    parameters = {
        "single.$": "$['a\\'b']",
        "double.$": '$["x\\"y"]',
        "filtered.$": "$.people[?(@.name == 'O\\'Brien')].id",
    }
    definition = {"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": parameters, "End": True}}}
    data = {"a'b": 1, 'x"y': 2, "people": [{"name": "O'Brien", "id": 7}, {"name": "Ann", "id": 8}]}
    assert output(run(definition, data)) == {"single": 1, "double": 2, "filtered": [7]}


# -- an execution failed by a task timeout ---------------------------------------------------------------


def test_an_execution_failed_by_a_task_timeout_has_no_cause(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any
) -> None:
    """The timeout has no cause (docs/runtime-fidelity.md), so neither has the ExecutionFailed it leads to,
    nor DescribeExecution, nor the status-change event.
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html"""
    invoker.functions["ask"] = lambda payload: {}
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 60,
        "End": True,
    }
    execution = sfn.start_execution(machine({"StartAt": "Ask", "States": {"Ask": task}}))["executionArn"]
    sfn.advance(timedelta(minutes=2))
    failed = events_of(sfn, execution)[-1]
    assert failed["type"] == "ExecutionFailed"
    assert failed["executionFailedEventDetails"] == {"error": "States.Timeout"}
    assert "cause" not in sfn.describe_execution(execution)
    assert sfn.get_execution(execution).status_change_detail()["cause"] is None


def distributed_map(**fields: Any) -> dict[str, Any]:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Item",
        "States": {"Item": {"Type": "Pass", "End": True}},
    }
    map_state = {"Type": "Map", "ItemsPath": "$.Values", "ItemProcessor": processor, "End": True, **fields}
    return {"StartAt": "S", "States": {"S": map_state}}


@pytest.mark.parametrize(
    ("fields", "data", "detail"),
    [
        (
            {"ToleratedFailureCountPath": "$.ToleratedFailureCount"},
            {"ToleratedFailureCount": "NoNumber"},
            'The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer: '
            "$.ToleratedFailureCount",
        ),
        (
            {"ToleratedFailurePercentagePath": "$.ToleratedFailurePercentage"},
            {"ToleratedFailurePercentage": {}},
            'The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float: '
            "$.ToleratedFailurePercentage",
        ),
        (
            {"ToleratedFailurePercentagePath": "$.ToleratedFailurePercentage"},
            {"ToleratedFailurePercentage": 101},
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            {"ToleratedFailureCountPath": "$.ToleratedFailureCount"},
            {"ToleratedFailureCount": -1},
            "ToleratedFailureCount cannot be negative.",
        ),
    ],
)
def test_tolerated_failure_errors_read_as_aws_writes_them(
    run: Runner, fields: dict[str, Any], data: dict[str, Any], detail: str
) -> None:
    """Recorded: scenarios/test_base_scenarios::test_distributed_map_state_tolerated_failure...
    https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html"""
    described = run(distributed_map(**fields), {"Values": [1], **data})
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "States.Runtime",
        runtime_cause("S", 2, detail),
    )
