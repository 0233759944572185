"""CloudFormation's intrinsic functions, resolved to the local stack's names and ARNs.

Physical names follow CloudFormation's habit of deriving them from the stack and the logical id,
never the defaults the code falls back on, so a function whose environment lacks a table's name
fails locally as it would in AWS (``ResourceNotFoundException``), not silently on a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

STACK = "NurtureFlow"
# The REST API's id locally: the URL built from it is replaced by the local gateway's.
LOCAL_API_ID = "local0api0"


class UnresolvableError(ValueError):
    """A template value the local stack cannot stand for (an intrinsic it does not know)."""


@dataclass(frozen=True)
class Names:
    """How the local stack names what the template creates."""

    resources: dict[str, dict[str, Any]]
    region: str = "us-east-1"
    account: str = "123456789012"
    # Dynamic references ({{resolve:secretsmanager:<arn>:SecretString:::}}) by the secret's logical id.
    secrets: dict[str, str] = field(default_factory=dict)

    def name(self, logical_id: str) -> str:
        spec = self._spec(logical_id)
        for key, value in spec.items():
            if key != "type":
                return str(value)
        return f"{STACK}-{logical_id}"

    def ref(self, logical_id: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK,
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        kind = self._spec(logical_id)["type"]
        if kind in ("AWS::StepFunctions::StateMachine", "AWS::SecretsManager::Secret", "AWS::SNS::Topic"):
            return self.arn(logical_id)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{self.name(logical_id)}"
        if kind == "AWS::ApiGateway::RestApi":
            return LOCAL_API_ID
        return self.name(logical_id)

    def arn(self, logical_id: str) -> str:
        kind, name = self._spec(logical_id)["type"], self.name(logical_id)
        where = f"{self.region}:{self.account}"
        arns = {
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{where}:table/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{where}:function:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{self.account}:role/{name}",
            "AWS::StepFunctions::StateMachine": f"arn:aws:states:{where}:stateMachine:{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{where}:event-bus/{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{where}:log-group:{name}:*",
            "AWS::SQS::Queue": f"arn:aws:sqs:{where}:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{where}:{name}",
            "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{where}:secret:{name}-AbCdEf",
            "AWS::SES::ConfigurationSet": f"arn:aws:ses:{where}:configuration-set/{name}",
            "AWS::SES::EmailIdentity": f"arn:aws:ses:{where}:identity/{name}",
            "AWS::Events::Connection": f"arn:aws:events:{where}:connection/{name}/local",
        }
        # An ARN the local stack does not model matches no real call: stricter, never looser.
        return arns.get(kind, f"arn:aws:unmodelled:{where}:{logical_id}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in ("Name", "TopicName", "QueueName", "StateMachineName"):
            return self.name(logical_id)
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute == "SecretArn":  # an EventBridge connection's secret, which EventBridge names
            secret = f"events!connection/{self.name(logical_id)}/local-AbCdEf"
            return f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{secret}"
        return f"unmodelled-{logical_id}-{attribute}"

    def _spec(self, logical_id: str) -> dict[str, Any]:
        try:
            return self.resources[logical_id]
        except KeyError:
            raise UnresolvableError(f"the template has no resource {logical_id}") from None


_DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:(?P<arn>.+?):SecretString:::\}\}")


def resolve(value: Any, names: Names) -> Any:
    """``value`` with every intrinsic function replaced by what it stands for locally."""
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    if isinstance(value, str):
        return _dynamic_references(value, names)
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return names.ref(argument)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return names.get_att(logical_id, attribute)
        if key == "Fn::Join":
            separator, parts = argument
            return _dynamic_references(separator.join(str(resolve(p, names)) for p in parts), names)
        if key == "Fn::Select":
            index, items = argument
            return resolve(items, names)[int(index)]
        if key == "Fn::Split":
            separator, text = argument
            return str(resolve(text, names)).split(separator)
        if key == "Fn::Sub":
            return _sub(argument, names)
        if key.startswith("Fn::") or key == "Condition":
            raise UnresolvableError(f"the local stack does not resolve {key}")
    return {key: resolve(item, names) for key, item in value.items()}


def _sub(argument: Any, names: Names) -> str:
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    local = {k: str(resolve(v, names)) for k, v in variables.items()}

    def replace(found: re.Match[str]) -> str:
        token = found.group(1)
        if token in local:
            return local[token]
        if "." in token:
            logical_id, attribute = token.split(".", 1)
            return names.get_att(logical_id, attribute)
        return names.ref(token)

    return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)


def _dynamic_references(text: str, names: Names) -> str:
    def secret(found: re.Match[str]) -> str:
        arn = found.group("arn")
        for logical_id, value in names.secrets.items():
            if names.arn(logical_id) == arn:
                return value
        raise UnresolvableError(f"no local value for the secret {arn}")

    return _DYNAMIC_SECRET.sub(secret, text)
