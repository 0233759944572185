"""The cost report from rollups against the same report summed from every ledger line.

``python -m bench.costs [--lines N] [--days D] [--repeat R]``: writes N send lines over D days for 5
workflows (each line with its three rollups, in one transaction) into moto's DynamoDB in-process,
then times ``GET /admin/costs``'s read (rollups of the range, grouped by workflow) against the
baseline the rollups replace (every line of the range, summed); best of R. Also times the write of
a line with its rollups against a bare ``put_item`` of the line alone: what the rollups cost a send.
That second ratio is moto's more than DynamoDB's: moto copies every table before a transaction (to
roll it back), so its transactions slow down as the tables grow; DynamoDB bills a transaction's
items twice (8 write units here) and answers it in milliseconds.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, timedelta
from decimal import Decimal

from bench.compile import best_of

START = date(2026, 1, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for name, value in {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

    import boto3
    from moto import mock_aws

    from nurtureflow.costs.ledger import LedgerEntry, Usage, cost_usage, to_item
    from nurtureflow.costs.prices import load_price_table
    from nurtureflow.costs.report import build_report, build_report_from_rollups
    from nurtureflow.settings import TableSettings
    from nurtureflow.store.cost_rollups import CostRollupRepository
    from nurtureflow.store.ledger import LedgerRepository
    from nurtureflow.store.tables import create_tables

    prices = load_price_table()
    usage = Usage(emails=1, lambda_gb_seconds=Decimal("0.05"), dynamodb_read_units=2, dynamodb_write_units=13)

    def line(n: int, prefix: str) -> LedgerEntry:
        return LedgerEntry(
            entry_id=f"{prefix}{n}",
            day=START + timedelta(days=n % args.days),
            kind="send",
            workflow=f"workflow-{n % 5}",
            template=f"template-{n % 7}",
            usage=usage,
            usd=cost_usage(usage, prices),
        )

    with mock_aws():
        names = TableSettings()
        create_tables(boto3.client("dynamodb"), names)
        ledger, rollups = (
            LedgerRepository(names.ledger_table, names.cost_rollups_table),
            CostRollupRepository(names.cost_rollups_table),
        )
        table = boto3.resource("dynamodb").Table(names.ledger_table)
        sample = min(50, args.lines)
        bare = best_of(
            1,
            lambda: [
                table.put_item(Item={**to_item(line(n, "b")), "pk": "x", "sk": f"b{n}"})
                for n in range(sample)
            ],
        )
        with_rollups = best_of(1, lambda: [ledger.record(line(n, "r")) for n in range(sample)])
        for n in range(sample, args.lines):
            ledger.record(line(n, "r"))
        end = START + timedelta(days=args.days - 1)
        from_lines = best_of(
            args.repeat, lambda: build_report(ledger.between(START, end), START, end, "workflow")
        )
        from_rollups = best_of(
            args.repeat,
            lambda: build_report_from_rollups(
                rollups.between("workflow", START, end), START, end, "workflow"
            ),
        )
        same = build_report(ledger.between(START, end), START, end, "workflow") == build_report_from_rollups(
            rollups.between("workflow", START, end), START, end, "workflow"
        )
    print(f"costs: {args.lines} send lines over {args.days} days, 5 workflows, moto DynamoDB in-process")
    print(f"baseline report summed from every line:  {from_lines * 1000:9.1f} ms")
    print(f"report read from rollups:                {from_rollups * 1000:9.1f} ms")
    print(
        f"ratio (lines / rollups):                 {from_lines / from_rollups:9.1f}x  (reports equal: {same})"
    )
    print(f"baseline bare put_item of a line:        {bare / sample * 1000:9.2f} ms")
    print(f"line with its rollups (one transaction): {with_rollups / sample * 1000:9.2f} ms")
    print(f"ratio (transaction / put_item):          {with_rollups / bare:9.1f}x")


if __name__ == "__main__":
    main()
