"""The command line: generate, help, errors."""

from __future__ import annotations

import json
import re
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
    assert {"kind": "drop_off", "touchpoint": "payment", "segment": None}.items() <= next(
        s for s in truth["stories"] if s["kind"] == "drop_off"
    ).items()
    assert 600 < truth["touchpoint_events"] < 1000  # "about" the number asked for


def test_the_committed_sample_is_what_make_sample_generates(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    repo_sample = repo / "data" / "sample"
    make_sample = re.search(
        r"journeymine generate --events (\d+) --out data/sample", (repo / "Makefile").read_text()
    )
    assert make_sample is not None
    assert main(["generate", "--events", make_sample[1], "--out", str(tmp_path)]) == 0
    for rel in ("web/clickstream.csv", "social/interactions.jsonl", "chat/messages.jsonl"):
        assert (tmp_path / rel).read_bytes() == (repo_sample / rel).read_bytes(), rel


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--incident", "checkout:device=mobile:2026-10-06..2026-10-12",
         "use one of device_type, utm_source, entry_channel, variant"),
        ("--incident", "checkout:device_type=phone:2026-10-06..2026-10-12",
         "device_type is one of desktop, mobile, tablet"),
        ("--incident", "checkout:device_type=mobile:2026-10-12..2026-10-06", "comes before"),
        ("--incident", "checkout:mobile", "expected TOUCHPOINT:KEY=VALUE:FIRST..LAST[:SHARE]"),
        ("--fix", "referral:2026-10-19", "referral is a goal"),
        ("--fix", "payment:2027-01-05", "outside the simulated days 2026-09-01..2026-10-30"),
        ("--fix", "payment:19/10/2026", "is not a date such as"),
        ("--arms", "cart:1.5", "a share of journeys, in (0, 1]"),
        ("--seasonality", "homepage", "unknown touchpoint 'homepage'"),
    ],
)  # fmt: skip
def test_a_dated_story_option_says_what_it_allows(
    option: str, value: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--out", str(tmp_path), option, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: {value}: " in err and says in err, err


def test_dated_story_options_replace_the_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident = "cart:utm_source=tiktok:2026-09-20..2026-09-22:0.9"
    assert (
        main(["generate", "--events", "800", "--out", str(tmp_path), "--incident", incident]) == 0
    )
    assert "dated story: incident at cart for utm_source=tiktok" in capsys.readouterr().out
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    (story,) = truth["dated_stories"]
    assert story["segment"] == {"key": "attribute:utm_source", "value": "tiktok"}
    assert (story["first_date"], story["last_date"], story["effect"]) == (
        "2026-09-20", "2026-09-22", {"share_leaving": 0.9},
    )  # fmt: skip
    assert main(["generate", "--events", "800", "--out", str(tmp_path), "--no-dated-stories"]) == 0
    assert json.loads((tmp_path / "ground_truth.json").read_text())["dated_stories"] == []
    code = main(
        ["generate", "--out", str(tmp_path), "--no-dated-stories", "--fix", "cart:2026-10-01"]
    )
    assert code == 2
    assert "--no-dated-stories plants none" in capsys.readouterr().err


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


def test_run_help_says_what_a_run_does_and_its_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for stage in ("ingest", "stitch", "mine", "flag", "report", "publish"):
        assert f" {stage} " in text, stage
    assert "exit codes:" in text
    assert "2  configuration error" in text


def _without_secret_config(tmp_path: Path, sample_dir: Path) -> Path:
    from tests.conftest import write_config

    path = write_config(tmp_path, sample_dir)
    path.write_text(
        path.read_text().replace(
            "allow_development_secret: true", "allow_development_secret: false"
        )
    )
    return path


@pytest.mark.parametrize(("secret", "expected"), [(None, "is not set"), ("short", "at least 16")])
def test_a_missing_or_short_secret_is_one_line_and_exit_2_before_prefect_starts(
    tmp_path: Path, secret: str | None, expected: str
) -> None:
    import os
    import subprocess
    import sys

    from journeymine.generate import generate

    sample = generate(tmp_path / "data", 300, seed=3)
    config = _without_secret_config(tmp_path, sample.out_dir)
    env = {k: v for k, v in os.environ.items() if k != "JOURNEYMINE_PII_SECRET"}
    if secret is not None:
        env["JOURNEYMINE_PII_SECRET"] = secret
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    code = (
        "import sys\n"
        "from journeymine.cli import main\n"
        f"rc = main(['run', '--config', {str(config)!r}])\n"
        "print('prefect imported:', 'prefect' in sys.modules)\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stdout.strip() == "prefect imported: False"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("journeymine: error: environment variable JOURNEYMINE_PII_SECRET")
    assert expected in lines[0]
    assert not (tmp_path / "prefect-home").exists()  # the orchestrator never started
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_a_failing_generator_leaves_the_previous_output_and_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sample"
    assert main(["generate", "--events", "300", "--out", str(out)]) == 0
    (out / "journeymine.yaml").write_text("kept: true\n")  # not the generator's: never touched
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()

    from journeymine import generate as generator

    real = generator._write_lines

    def broken(con, model, path):  # type: ignore[no-untyped-def]
        if model == "generate/chat_lines":
            raise OSError(28, "No space left on device")
        return real(con, model, path)

    monkeypatch.setattr(generator, "_write_lines", broken)
    assert main(["generate", "--events", "900", "--seed", "5", "--out", str(out)]) == 2

    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "generating the sample failed" in err[0]
    assert "No space left on device" in err[0]
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample"]  # no partial folder left


def test_the_wheel_installs_one_top_level_package(tmp_path: Path) -> None:
    """journeymine ships its SQL and flows inside itself: nothing named `pipelines` collides."""
    import subprocess
    import sys
    import zipfile

    repo = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(repo)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("journeymine-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"journeymine"}
    assert "journeymine/pipelines/nightly.py" in names
    assert "journeymine/_sql/mine/transitions.sql" in names
    assert "journeymine/report/templates/report.html.j2" in names  # the report's template
    # the installed CLI finds the flows inside the package, not a checkout's pipelines/
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        f"import sys; sys.path.insert(0, {str(target)!r})\n"
        "from journeymine.cli import _nightly_module\n"
        "from journeymine.sql import sql_dir\n"
        "print(_nightly_module().__file__); print(sql_dir())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    flows, sql_folder = done.stdout.split()
    assert flows == str(target / "journeymine" / "pipelines" / "nightly.py")
    assert sql_folder == str(target / "journeymine" / "_sql")


def test_generate_writes_daily_deliveries_with_late_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "--events", "800", "--out", str(tmp_path / "daily"),
                 "--daily-files", "--late-share", "0.1"]) == 0  # fmt: skip
    days = sorted(p.name for p in (tmp_path / "daily" / "web").iterdir())
    assert len(days) > 30 and days[0].startswith("clickstream-2026-")
    truth = json.loads((tmp_path / "daily" / "ground_truth.json").read_text())
    assert truth["deliveries"] == len(days) and truth["late_events"] > 0
    assert f"{len(days)} daily deliveries" in capsys.readouterr().out
    assert main(["generate", "--events", "800", "--out", str(tmp_path / "x"),
                 "--late-share", "0.1"]) == 2  # fmt: skip
    assert "--late-share" in capsys.readouterr().err
