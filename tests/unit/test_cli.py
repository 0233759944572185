"""The ``nurtureflow`` command as a newcomer meets it: help with a sentence and a default for every
option, a version, and a clear refusal instead of a traceback."""

from __future__ import annotations

import argparse
from importlib.metadata import version
from pathlib import Path

import pytest

from nurtureflow.cli import main, parser

CART = Path(__file__).parents[2] / "catalog" / "cart-recovery"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    for action in parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_no_arguments_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "usage: nurtureflow" in err
    assert "local" in err
    assert "simulate" in err
    assert "examples:" in err


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"nurtureflow {version('nurtureflow')}"


@pytest.mark.parametrize("command", ["local", "simulate"])
def test_every_option_has_a_sentence_and_says_its_default(command: str) -> None:
    sub = _subcommands()[command]
    assert sub.description
    assert "``" not in sub.description
    assert sub.epilog
    assert "examples:" in sub.epilog
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, action.dest
        assert len(action.help.split()) >= 4, action.dest
        if action.option_strings and not action.required:
            assert "(default:" in action.help, action.dest


def test_the_top_level_help_lists_each_command_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "start the local stack" in out
    assert "forecast a workflow" in out


def test_local_outside_a_repository_says_so_in_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["local", "--root", str(tmp_path)])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "is not a NurtureFlow repository" in err
    assert "--root" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("chart", "says"),
    [("missing/dir/x.png", "does not exist"), (".", "must end in .png or .html")],
)
def test_a_chart_path_that_cannot_be_written_is_refused_before_anything_is_read(
    tmp_path: Path, chart: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The workflow file does not exist either: the chart is checked first, before the forecast."""
    with pytest.raises(SystemExit) as stopped:
        main(
            [
                "simulate",
                str(tmp_path / "no-such-workflow.json"),
                "--templates",
                str(CART / "templates"),
                "--chart",
                str(tmp_path / chart),
            ]
        )
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--chart" in err
    assert says in err
