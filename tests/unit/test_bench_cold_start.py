"""The cold-start benchmark (``python -m bench.ingest --cold-only``) times each handler's import
against ``import boto3`` in pairs of fresh interpreters, so that its ratio is taken within a pair."""

from __future__ import annotations

from bench.ingest import ROOT, paired_import


def test_a_handler_s_import_is_timed_against_boto3_alone_in_fresh_interpreters() -> None:
    handler, boto3, ratio = paired_import(ROOT / "functions" / "step", 1)
    assert 0 < boto3 < handler  # the handler imports boto3 and the platform besides
    assert ratio == handler / boto3  # one pair: its own ratio
