"""The rate-limits table: one counter item per limited subject and window, removed by its TTL."""

from __future__ import annotations

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table


class RateLimitRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def take(self, key: str, amount: int, limit: int, expires_at: int) -> bool:
        """Add ``amount`` to the counter ``key`` unless that would take it over ``limit``; False then.

        One conditional update: concurrent posts never both pass the last places of a window.
        """
        if amount > limit:
            return False
        try:
            self._table.update_item(
                Key={"pk": key},
                UpdateExpression="ADD #n :amount SET expires_at = if_not_exists(expires_at, :expires)",
                ConditionExpression="attribute_not_exists(#n) OR #n <= :room",
                ExpressionAttributeNames={"#n": "count"},
                ExpressionAttributeValues={
                    ":amount": amount,
                    ":room": limit - amount,
                    ":expires": expires_at,
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
