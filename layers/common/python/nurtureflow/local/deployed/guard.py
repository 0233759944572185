"""Every AWS call a function makes locally, checked against its role's policy before it is sent.

A call the policy does not allow fails as AWS answers it: ``AccessDeniedException`` (``AccessDenied``
for the Query-protocol services), with AWS's wording, and nothing reaches moto or the runtime. Calls
made outside any function (the local stack setting itself up, a test reading a table) are not
checked: they stand for the operator's own credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from nurtureflow.local.deployed.policy import Policy, Request
from nurtureflow.local.deployed.requests import Account, TokenMachine, requests_for

_QUERY_PROTOCOL = ("query", "ec2")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a function's role and the name Lambda gives its session."""

    role_arn: str
    session: str
    policy: Policy

    def denial(self, request: Request) -> str:
        role = self.role_arn.rsplit("/", 1)[-1]
        account = self.role_arn.split(":")[4]
        return (
            f"User: arn:aws:sts::{account}:assumed-role/{role}/{self.session} is not authorized to "
            f"perform: {request.action} on resource: {request.resource} because no identity-based "
            f"policy allows the {request.action} action"
        )


# One request at a time runs in the local stack (the gateway serialises them), and a handler's
# worker threads must see its identity too: a module global, not a context variable.
_principal: Principal | None = None


@contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    global _principal
    previous, _principal = _principal, principal
    try:
        yield
    finally:
        _principal = previous


class AccessGuard:
    """The botocore hook: ``before-parameter-build`` sees the operation and its parameters."""

    def __init__(self, account: Account, token_machine: TokenMachine) -> None:
        self._account, self._token_machine = account, token_machine

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        principal = _principal
        if principal is None:
            return
        service = model.service_model
        prefix = service.signing_name or service.endpoint_prefix
        for request in requests_for(prefix, model.name, params, self._account, self._token_machine):
            if not principal.policy.allows(request):
                code = "AccessDenied" if service.protocol in _QUERY_PROTOCOL else "AccessDeniedException"
                raise ClientError(
                    {
                        "Error": {"Code": code, "Message": principal.denial(request)},
                        "ResponseMetadata": {"HTTPStatusCode": 400},
                    },
                    model.name,
                )
