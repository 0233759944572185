"""Template values resolved to the local stack's names: never the code's fallback defaults."""

from __future__ import annotations

import pytest

from nurtureflow.local.deployed.resolve import Names, UnresolvableError, resolve

RESOURCES = {
    "DataContacts1": {"type": "AWS::DynamoDB::Table"},
    "Bus": {"type": "AWS::Events::EventBus", "Name": "nurtureflow"},
    "Fn": {"type": "AWS::Lambda::Function"},
    "Keys": {"type": "AWS::SecretsManager::Secret"},
}
NAMES = Names(RESOURCES, secrets={"Keys": '{"k1":"s"}'})


def test_a_table_without_a_name_gets_one_from_the_stack_and_its_logical_id() -> None:
    assert resolve({"Ref": "DataContacts1"}, NAMES) == "NurtureFlow-DataContacts1"
    assert resolve({"Fn::GetAtt": ["DataContacts1", "Arn"]}, NAMES) == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/NurtureFlow-DataContacts1"
    )


def test_named_resources_keep_their_name_and_joins_and_subs_resolve() -> None:
    assert (
        resolve({"Fn::GetAtt": ["Bus", "Arn"]}, NAMES)
        == "arn:aws:events:us-east-1:123456789012:event-bus/nurtureflow"
    )
    joined = {"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":*"]]}
    assert resolve(joined, NAMES) == "arn:aws:lambda:us-east-1:123456789012:function:NurtureFlow-Fn:*"
    assert (
        resolve({"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}:${Bus}"}, NAMES)
        == "arn:aws:x:us-east-1:nurtureflow"
    )


def test_a_secrets_dynamic_reference_becomes_the_local_secret() -> None:
    reference = {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Keys"}, ":SecretString:::}}"]]}
    assert resolve(reference, NAMES) == '{"k1":"s"}'


def test_an_unknown_intrinsic_or_resource_is_refused_rather_than_guessed() -> None:
    with pytest.raises(UnresolvableError):
        resolve({"Fn::ImportValue": "x"}, NAMES)
    with pytest.raises(UnresolvableError):
        resolve({"Ref": "Missing"}, NAMES)
