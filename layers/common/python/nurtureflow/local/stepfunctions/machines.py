"""State machines and their published versions, and the ARNs that name them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .aliases import Alias
from .definition import Definition, parse_definition
from .errors import (
    ConflictException,
    InvalidArn,
    InvalidName,
    ResourceNotFound,
    ServiceQuotaExceededException,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
)

# AWS: 1-80 characters, no whitespace, brackets, wildcards, special or control characters, noncharacters
# U+FFFE-FFFF or surrogates (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
_NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]{1,80}$")
TYPES = frozenset({"STANDARD", "EXPRESS"})
# AWS: "You can publish up to 1000 versions for each state machine. You must manually delete unused
# versions" (API reference, PublishStateMachineVersion; Step Functions service quotas).
MAX_VERSIONS = 1000


def check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or _NAME.match(name) is None:
        raise InvalidName(f"Invalid Name: '{name}' is not a valid {what} name")
    return name


def parse_state_machine_arn(arn: Any) -> tuple[str, int | str | None]:
    """The state machine name and its qualifier: a version number, an alias name, or None."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) not in (7, 8) or parts[:3] != ["arn", "aws", "states"] or parts[5] != "stateMachine":
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    if len(parts) == 7:
        return parts[6], None
    return parts[6], int(parts[7]) if parts[7].isdigit() else check_name(parts[7], "alias")


def parse_execution_arn(arn: Any) -> tuple[str, str]:
    """The state machine name and execution name an execution ARN names."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 8 or parts[:3] != ["arn", "aws", "states"] or parts[5] != "execution":
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    return parts[6], parts[7]


@dataclass(eq=False)
class Version:
    number: int
    arn: str
    definition: Definition
    role_arn: str
    revision_id: str
    creation_date: datetime
    description: str | None = None


@dataclass(eq=False)
class StateMachine:
    name: str
    arn: str
    type: str
    definition: Definition
    role_arn: str
    creation_date: datetime
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    versions: dict[int, Version] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    # Version numbers are never reused, even after the newest is deleted (AWS: "If you delete version
    # 10 of your state machine and then publish a new version, Step Functions publishes it as version 11").
    last_version_number: int = 0

    def describe(self, version: Version | None = None) -> dict[str, Any]:
        """The DescribeStateMachine response (of a version when one is given)."""
        source = version or self
        description: dict[str, Any] = {
            "stateMachineArn": version.arn if version else self.arn,
            "name": self.name,
            "status": "ACTIVE",
            "definition": source.definition.text,
            "roleArn": source.role_arn,
            "type": self.type,
            "creationDate": source.creation_date,
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": {"enabled": False},
            "revisionId": source.revision_id,
        }
        if version is not None and version.description:
            description["description"] = version.description
        return description

    def summary(self) -> dict[str, Any]:
        return {
            "stateMachineArn": self.arn,
            "name": self.name,
            "type": self.type,
            "creationDate": self.creation_date,
        }

    def check_can_publish(self, new_revision: bool = False) -> None:
        """ServiceQuotaExceededException when publishing (the current revision, or a ``new_revision``
        about to be made) would exceed the 1,000-version quota."""
        latest = self.versions[max(self.versions)] if self.versions else None
        unpublished = new_revision or latest is None or latest.revision_id != self.revision_id
        if unpublished and len(self.versions) >= MAX_VERSIONS:
            raise ServiceQuotaExceededException(
                f"Too many versions: '{self.arn}' has {len(self.versions)} published versions, the most "
                f"allowed is {MAX_VERSIONS}; delete unused versions with DeleteStateMachineVersion"
            )

    def publish(self, now: datetime, description: str | None) -> Version:
        """Publish the current revision; publishing an already published revision returns that version."""
        latest = self.versions[max(self.versions)] if self.versions else None
        if latest is not None and latest.revision_id == self.revision_id:
            return latest
        self.check_can_publish()
        self.last_version_number += 1
        number = self.last_version_number
        version = Version(
            number, f"{self.arn}:{number}", self.definition, self.role_arn, self.revision_id, now, description
        )
        self.versions[number] = version
        return version

    def delete_version(self, number: int) -> None:
        """Forget a version; ConflictException while an alias routes to it. Its runs keep their definition."""
        referencing = sorted(name for name, alias in self.aliases.items() if number in dict(alias.routes))
        if referencing:
            raise ConflictException(
                "Version to be deleted must not be referenced by an alias. Current list of aliases "
                f"referencing this version: [{', '.join(referencing)}]"
            )
        self.versions.pop(number, None)


class StateMachineRegistry:
    """Every state machine by name. Not thread-safe: the service guards it with its lock."""

    def __init__(self, region: str, account_id: str, draw: Callable[[], float]) -> None:
        self._prefix = f"arn:aws:states:{region}:{account_id}"
        self._draw = draw  # routes executions started on an alias with two weighted versions
        self._machines: dict[str, StateMachine] = {}

    def arn_for(self, name: str) -> str:
        return f"{self._prefix}:stateMachine:{name}"

    def execution_arn(self, machine_name: str, execution_name: str) -> str:
        return f"{self._prefix}:execution:{machine_name}:{execution_name}"

    def create(
        self, name: str, definition_text: str, role_arn: str, machine_type: str, now: datetime
    ) -> tuple[StateMachine, bool]:
        """The new machine and True, or an identical existing one and False (the API is idempotent)."""
        check_name(name, "state machine")
        if machine_type not in TYPES:
            raise StateMachineTypeNotSupported(f"State machine type not supported: {machine_type}")
        definition = parse_definition(definition_text)
        existing = self._machines.get(name)
        if existing is not None:
            same = (existing.definition.text, existing.role_arn, existing.type) == (
                definition_text,
                role_arn,
                machine_type,
            )
            if not same:
                raise StateMachineAlreadyExists(f"State Machine Already Exists: '{existing.arn}'")
            return existing, False
        machine = StateMachine(name, self.arn_for(name), machine_type, definition, role_arn, now)
        self._machines[name] = machine
        return machine, True

    def resolve(self, arn: Any) -> tuple[StateMachine, Version | None]:
        """The machine (and version, for a version ARN) an ARN names; StateMachineDoesNotExist if none."""
        name, number = parse_state_machine_arn(arn)
        machine = self._machines.get(name)
        if machine is None or not arn.startswith(machine.arn):
            raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
        if number is None:
            return machine, None
        if isinstance(number, str):
            alias = machine.aliases.get(number)
            if alias is None:
                raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
            number = alias.pick(self._draw)
        version = machine.versions.get(number)
        if version is None:
            raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
        return machine, version

    def alias(self, arn: Any) -> tuple[StateMachine, Alias]:
        """The machine and alias an alias ARN names; ResourceNotFound if none."""
        name, qualifier = parse_state_machine_arn(arn)
        machine = self._machines.get(name)
        alias = machine.aliases.get(qualifier) if machine is not None and isinstance(qualifier, str) else None
        if machine is None or alias is None:
            raise ResourceNotFound(f"Resource not found: '{arn}'")
        return machine, alias

    def get(self, name: str) -> StateMachine | None:
        return self._machines.get(name)

    def all(self) -> list[StateMachine]:
        return sorted(self._machines.values(), key=lambda machine: machine.name)

    def delete(self, arn: Any) -> StateMachine | None:
        name, number = parse_state_machine_arn(arn)
        if number is not None:
            raise InvalidArn(
                "DeleteStateMachine takes an unqualified state machine ARN; use a version delete"
            )
        machine = self._machines.get(name)
        if machine is not None and machine.arn == arn:
            return self._machines.pop(name)
        return None
