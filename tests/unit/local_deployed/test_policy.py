"""IAM's evaluation of identity-based policies, as the local stack applies it to every AWS call.

Semantics from https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(explicit deny wins, then an allow, else the implicit deny) and the wildcard rules of
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html.
"""

from __future__ import annotations

from nurtureflow.local.deployed.policy import Policy, Request

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/contacts"


def _allow(action: object, resource: object, **extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_nothing_is_allowed_without_a_statement_that_allows_it() -> None:
    assert not Policy(()).allows(Request("dynamodb:GetItem", TABLE))
    assert not Policy((_allow("dynamodb:PutItem", TABLE),)).allows(Request("dynamodb:GetItem", TABLE))


def test_actions_match_without_case_and_resources_with_it() -> None:
    policy = Policy((_allow("DynamoDB:getitem", TABLE),))
    assert policy.allows(Request("dynamodb:GetItem", TABLE))
    assert not policy.allows(Request("dynamodb:GetItem", TABLE.replace("contacts", "Contacts")))


def test_a_star_spans_slashes_and_colons_and_a_question_mark_one_character() -> None:
    policy = Policy((_allow("states:*", "arn:aws:states:us-east-1:123456789012:execution:nurtureflow-*"),))
    assert policy.allows(
        Request("states:StopExecution", "arn:aws:states:us-east-1:123456789012:execution:nurtureflow-a:b/c")
    )
    assert not policy.allows(
        Request("states:StopExecution", "arn:aws:states:us-east-1:123456789012:execution:other:x")
    )
    one = Policy((_allow("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t?"),))
    assert one.allows(Request("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t1"))
    assert not one.allows(Request("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t12"))


def test_a_table_grant_does_not_reach_its_indexes() -> None:
    policy = Policy((_allow("dynamodb:Query", TABLE),))
    assert not policy.allows(Request("dynamodb:Query", f"{TABLE}/index/by_email"))


def test_an_explicit_deny_wins_over_any_allow() -> None:
    policy = Policy(
        (_allow("dynamodb:*", "*"), {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE})
    )
    assert policy.allows(Request("dynamodb:PutItem", TABLE))
    assert not policy.allows(Request("dynamodb:DeleteItem", TABLE))


def test_not_action_and_not_resource_allow_everything_else() -> None:
    policy = Policy(({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "NotResource": TABLE},))
    other = TABLE.replace("contacts", "events")
    assert policy.allows(Request("dynamodb:PutItem", other))
    assert not policy.allows(Request("dynamodb:DeleteItem", other))
    assert not policy.allows(Request("dynamodb:PutItem", TABLE))


def test_pass_role_holds_only_for_the_service_the_condition_names() -> None:
    role = "arn:aws:iam::123456789012:role/machines"
    policy = Policy(
        (
            _allow(
                "iam:PassRole",
                role,
                Condition={"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}},
            ),
        )
    )
    assert policy.allows(Request("iam:PassRole", role, (("iam:PassedToService", "states.amazonaws.com"),)))
    assert not policy.allows(
        Request("iam:PassRole", role, (("iam:PassedToService", "lambda.amazonaws.com"),))
    )


def test_a_condition_the_local_stack_cannot_evaluate_makes_an_allow_not_apply_and_a_deny_apply() -> None:
    unknown = {"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    assert not Policy((_allow("dynamodb:GetItem", TABLE, Condition=unknown),)).allows(
        Request("dynamodb:GetItem", TABLE)
    )
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": unknown}
    assert not Policy((_allow("dynamodb:GetItem", TABLE), deny)).allows(Request("dynamodb:GetItem", TABLE))
