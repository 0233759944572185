"""State machine aliases: a name that routes new executions to one or two published versions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import ResourceNotFound, ValidationException


@dataclass(eq=False)
class Alias:
    name: str
    arn: str
    routes: list[tuple[int, int]]  # (version number, weight in percent)
    version_arn_prefix: str
    creation_date: datetime
    update_date: datetime
    description: str | None = None

    def pick(self, draw: Callable[[], float]) -> int:
        """The version a new execution runs, by the routes' weights (as AWS routes them)."""
        point, ceiling = draw() * 100, 0
        for number, weight in self.routes:
            ceiling += weight
            if point < ceiling:
                return number
        return self.routes[-1][0]

    def describe(self) -> dict[str, Any]:
        return {
            "stateMachineAliasArn": self.arn,
            "name": self.name,
            "description": self.description or "",
            "routingConfiguration": [
                {"stateMachineVersionArn": f"{self.version_arn_prefix}:{number}", "weight": weight}
                for number, weight in self.routes
            ],
            "creationDate": self.creation_date,
            "updateDate": self.update_date,
        }


def parse_routes(routing: Any, machine_arn: str, versions: set[int]) -> list[tuple[int, int]]:
    """One or two routes to published versions of this machine, weights adding up to 100."""
    if not isinstance(routing, list) or not 1 <= len(routing) <= 2:
        raise ValidationException("routingConfiguration takes one or two routes")
    routes = []
    for route in routing:
        arn, weight = route.get("stateMachineVersionArn"), route.get("weight")
        qualifier = arn.removeprefix(f"{machine_arn}:") if isinstance(arn, str) else ""
        if not qualifier.isdigit() or not isinstance(weight, int) or not 0 <= weight <= 100:
            raise ValidationException(f"Invalid route: {route}")
        if int(qualifier) not in versions:
            raise ResourceNotFound(f"Resource not found: '{arn}'")
        routes.append((int(qualifier), weight))
    if sum(weight for _, weight in routes) != 100:
        raise ValidationException("The weights of routingConfiguration must add up to 100")
    return routes
