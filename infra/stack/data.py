"""DynamoDB: one on-demand table per ``TableSpec``, and grants that also hand over the table's name."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.stack.settings_env import env_name
from nurtureflow.settings import TableSettings
from nurtureflow.store.tables import TABLES, TableSpec

# Idempotency records are disposable (they expire within hours); every other table is user data.
_DISPOSABLE = {"idempotency_table"}


class Data(Construct):
    """The tables, as typed attributes, built from ``nurtureflow.store.tables.TABLES``."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._setting_of: dict[str, str] = {}
        tables = {spec.setting: self._table(spec) for spec in TABLES}
        self.contacts: dynamodb.Table = tables["contacts_table"]
        self.events: dynamodb.Table = tables["events_table"]
        self.workflows: dynamodb.Table = tables["workflows_table"]
        self.templates: dynamodb.Table = tables["templates_table"]
        self.runs: dynamodb.Table = tables["runs_table"]
        self.sends: dynamodb.Table = tables["sends_table"]
        self.ledger: dynamodb.Table = tables["ledger_table"]
        self.idempotency: dynamodb.Table = tables["idempotency_table"]
        self.broadcasts: dynamodb.Table = tables["broadcasts_table"]
        self.all: tuple[dynamodb.Table, ...] = tuple(tables.values())

    def _table(self, spec: TableSpec) -> dynamodb.Table:
        def key(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)

        table = dynamodb.Table(
            self,
            spec.setting.removesuffix("_table").capitalize(),
            partition_key=key(spec.partition_key),
            sort_key=key(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            removal_policy=RemovalPolicy.DESTROY if spec.setting in _DISPOSABLE else RemovalPolicy.RETAIN,
        )
        self._setting_of[table.node.id] = spec.setting
        return table

    def grant(
        self,
        function: lambda_.Function,
        *,
        read_write: Iterable[dynamodb.Table] = (),
        read: Iterable[dynamodb.Table] = (),
        write: Iterable[dynamodb.Table] = (),
    ) -> None:
        """Grant data access to ``function`` and tell it each table's name (and only those)."""
        for tables, grant in (
            (read_write, dynamodb.Table.grant_read_write_data),
            (read, dynamodb.Table.grant_read_data),
            (write, dynamodb.Table.grant_write_data),
        ):
            for table in tables:
                grant(table, function)
                function.add_environment(
                    env_name(TableSettings, self._setting_of[table.node.id]), table.table_name
                )
