"""Constructs of the NurtureFlow stack, one module per concern; ``nurtureflow.py`` wires them."""

from infra.stack.config import StackConfig
from infra.stack.nurtureflow import NurtureFlowStack

__all__ = ["NurtureFlowStack", "StackConfig"]
