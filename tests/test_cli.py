"""The command line: generate, help, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeymine.cli import main


def test_generate_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--events", "800", "--out", str(tmp_path / "a")]) == 0
    assert main(["generate", "--events", "800", "--out", str(tmp_path / "b")]) == 0
    assert "ground truth" in capsys.readouterr().out
    for rel in ("web/clickstream.csv", "social/interactions.jsonl", "chat/messages.jsonl"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    truth = json.loads((tmp_path / "a" / "ground_truth.json").read_text())
    assert truth["stories"]["drop_off"] == "payment"
    assert 600 < truth["touchpoint_events"] < 1000  # "about" the number asked for


def test_the_committed_sample_is_what_make_sample_generates(tmp_path: Path) -> None:
    repo_sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    assert main(["generate", "--events", "6000", "--out", str(tmp_path)]) == 0
    for rel in ("web/clickstream.csv", "social/interactions.jsonl", "chat/messages.jsonl"):
        assert (tmp_path / rel).read_bytes() == (repo_sample / rel).read_bytes(), rel


@pytest.mark.parametrize("command", [[], ["run"], ["generate"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: journeymine" in capsys.readouterr().out


def test_config_error_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml: cannot read" in capsys.readouterr().err
