"""Pruning old Step Functions versions of a workflow's state machine after each upload.

AWS allows 1,000 published versions per state machine ("You can publish up to 1000 versions for
each state machine. You must manually delete unused versions",
https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html),
and every upload publishes one: without pruning, a workflow's 1,001st upload would fail.

The rule: keep the newest ``keep_newest`` versions, the version the workflow's record and ``live``
alias point to, and every version with a run still in flight; delete the rest, oldest first, at most
``MAX_DELETIONS_PER_UPLOAD`` per upload. Deleting a version leaves its running executions going
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachineVersion.html);
a version is still deleted only once nothing runs on it, so that whatever refers to a run's version
(ListExecutions by version ARN, DescribeStateMachine of it) finds it until the run has ended.
The workflow's own version records stay, marked ``pruned_at``: their documents remain readable.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from aws_lambda_powertools import Logger

from nurtureflow.aws.stepfunctions import VersionInUseError
from nurtureflow.clock import Clock

logger = Logger(child=True)

# Each deletion costs two API calls (ListExecutions, DeleteStateMachineVersion) inside the upload's
# request: a workflow with hundreds of versions from before pruning sheds them over a few uploads
# rather than making one upload outlast API Gateway's 29 seconds.
MAX_DELETIONS_PER_UPLOAD = 25


class MachineVersions(Protocol):
    """The published versions of a state machine (``StateMachineVersions`` over boto3)."""

    def published(self, machine_arn: str) -> list[str]: ...
    def running_on(self, version_arn: str) -> bool: ...
    def delete(self, version_arn: str) -> None: ...


class PrunedRecords(Protocol):
    """Where a workflow's version records are marked as no longer in Step Functions."""

    def mark_pruned(self, workflow_id: str, version: int, at: str) -> None: ...


class PruningAlarm(Protocol):
    def pruning_failed(self, workflow: str) -> None: ...


@dataclass
class PruneReport:
    """What one pruning pass did, by version number."""

    deleted: list[int] = field(default_factory=list)
    kept_running: list[int] = field(default_factory=list)
    kept_in_use: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    listing_failed: bool = False


def version_number(version_arn: str) -> int:
    """The version number a version ARN ends with (``…:stateMachine:<name>:<n>``)."""
    return int(version_arn.rsplit(":", 1)[1])


def versions_to_prune(published: Iterable[int], keep_newest: int, protected: Collection[int]) -> list[int]:
    """The versions outside the newest ``keep_newest`` and not ``protected``, oldest first."""
    newest_first = sorted(set(published), reverse=True)
    return sorted(number for number in newest_first[keep_newest:] if number not in protected)


class VersionPruner:
    """Deletes a workflow's old state machine versions; never raises (pruning is best-effort)."""

    def __init__(
        self,
        machines: MachineVersions,
        records: PrunedRecords,
        keep_newest: int,
        alarm: PruningAlarm,
        clock: Clock,
        max_deletions: int = MAX_DELETIONS_PER_UPLOAD,
    ) -> None:
        if keep_newest < 1:
            raise ValueError("keep_newest must be at least 1: the newest version is the live one")
        self._machines, self._records, self._alarm, self._clock = machines, records, alarm, clock
        self._keep, self._max_deletions = keep_newest, max_deletions

    def prune(self, workflow_id: str, machine_arn: str, live_version_arn: str) -> PruneReport:
        """Delete what the rule allows after an upload published ``live_version_arn``."""
        report = PruneReport()
        try:
            arns = {version_number(arn): arn for arn in self._machines.published(machine_arn)}
        except Exception:  # best-effort: the upload has succeeded whatever happens here
            logger.exception("listing state machine versions failed", extra={"workflow": workflow_id})
            self._alarm.pruning_failed(workflow_id)
            report.listing_failed = True
            return report
        protected = {version_number(live_version_arn)}
        for number in versions_to_prune(arns, self._keep, protected)[: self._max_deletions]:
            self._prune_one(workflow_id, number, arns[number], report)
        if report.failed:
            self._alarm.pruning_failed(workflow_id)
        if report.deleted or report.failed:
            logger.info("pruned state machine versions", extra={"workflow": workflow_id, **vars(report)})
        return report

    def _prune_one(self, workflow_id: str, number: int, arn: str, report: PruneReport) -> None:
        try:
            if self._machines.running_on(arn):
                report.kept_running.append(number)
                return
            self._machines.delete(arn)
        except VersionInUseError:
            # An alias still routes to it, or another upload is changing the machine: the next
            # upload tries again.
            report.kept_in_use.append(number)
            return
        except Exception:  # best-effort, as above; logged and counted
            logger.exception("deleting a state machine version failed", extra={"version_arn": arn})
            report.failed.append(number)
            return
        report.deleted.append(number)
        try:
            self._records.mark_pruned(workflow_id, number, self._clock.now().isoformat())
        except Exception:  # the version is gone; only its record's flag is missing
            logger.exception("marking a version pruned failed", extra={"workflow": workflow_id})
            report.failed.append(number)
