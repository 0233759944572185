"""The common Lambda layer: the ``nurtureflow`` package and its dependencies, for arm64 / Python 3.12."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from scripts.build_layer import build_layer

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


class CommonLayer(Construct):
    """Builds ``.build/layer`` offline at synth time (pip from ``.build/wheels``, no Docker)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Raises WheelhouseMissingError ("run `make wheels`") when the wheelhouse is empty.
        directory = build_layer()
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(str(directory)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="nurtureflow package with pydantic, Powertools, Jinja2 (arm64, Python 3.12)",
        )
