"""DynamoDB: one on-demand table per ``TableSpec``, and grants that also hand over the table's name."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import CfnElement, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.stack.nag import acknowledge
from infra.stack.settings_env import env_name
from nurtureflow.settings import TableSettings
from nurtureflow.store.tables import TABLES, TableSpec


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
        self.cost_rollups: dynamodb.Table = tables["cost_rollups_table"]
        self.stats: dynamodb.Table = tables["stats_table"]
        self.broadcasts: dynamodb.Table = tables["broadcasts_table"]
        self.rate_limits: dynamodb.Table = tables["rate_limits_table"]
        self.forecasts: dynamodb.Table = tables["forecasts_table"]
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
            # Every table holds user data: deleting the stack keeps them.
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=key(index.partition_key),
                sort_key=key(index.sort_key) if index.sort_key else None,
                projection_type=dynamodb.ProjectionType.KEYS_ONLY,
            )
        self._setting_of[table.node.id] = spec.setting
        return table

    def _acknowledge_indexes(self, table: dynamodb.Table, function: lambda_.Function) -> None:
        """CDK grants a table's indexes as ``<arn>/index/*``; our indexes are KEYS_ONLY (ids, no PII
        beyond the key) and every one is meant for whoever may read the table."""
        spec = next(s for s in TABLES if s.setting == self._setting_of[table.node.id])
        element = table.node.default_child
        if not spec.indexes or function.role is None or not isinstance(element, CfnElement):
            return
        acknowledge(
            function.role,
            f"AwsSolutions-IAM5[Resource::<{Stack.of(element).get_logical_id(element)}.Arn>/index/*]",
            f"the {spec.setting} indexes ({', '.join(i.name for i in spec.indexes)}) project keys only",
        )

    def grant(
        self,
        function: lambda_.Function,
        *,
        read_write: Iterable[dynamodb.Table] = (),
        read: Iterable[dynamodb.Table] = (),
        write: Iterable[dynamodb.Table] = (),
        update: Iterable[dynamodb.Table] = (),
    ) -> None:
        """Grant data access to ``function`` and tell it each table's name (and only those).

        ``update`` is UpdateItem alone: changing attributes of items that exist, never creating
        or deleting one (with ``read``, e.g. the track function stamping a send's first open).
        """
        for tables, grant in (
            (read_write, dynamodb.Table.grant_read_write_data),
            (read, dynamodb.Table.grant_read_data),
            (write, dynamodb.Table.grant_write_data),
            (update, _grant_update_item),
        ):
            for table in tables:
                grant(table, function)
                self._acknowledge_indexes(table, function)
                function.add_environment(
                    env_name(TableSettings, self._setting_of[table.node.id]), table.table_name
                )


def _grant_update_item(table: dynamodb.Table, function: lambda_.Function) -> None:
    table.grant(function, "dynamodb:UpdateItem")
