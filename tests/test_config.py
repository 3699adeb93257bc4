"""Configuration mistakes are reported with the file, the key path, what was found and what is
allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from journeymine.config import load_config
from journeymine.errors import ConfigError
from tests.conftest import REPO, SAMPLE_CONFIG


def _write(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_the_sample_configuration_is_valid() -> None:
    config = load_config(SAMPLE_CONFIG)
    assert [s.name for s in config.sources] == ["web", "social", "chat"]
    assert config.warehouse_path == REPO / "data" / "warehouse" / "journeymine.duckdb"
    assert config.pii.allow_development_secret  # generated data: the public secret is fine


def test_the_configuration_people_copy_never_allows_the_public_secret() -> None:
    """journeymine.yaml is the starting point for real data: it needs a real secret."""
    template = load_config(REPO / "journeymine.yaml")
    sample = load_config(SAMPLE_CONFIG)
    assert not template.pii.allow_development_secret
    assert "allow_development_secret" not in (REPO / "journeymine.yaml").read_text()
    # otherwise the same sources, so the template works on the sample with a secret set
    assert [t.model_copy(update={"path": ""}) for t in template.sources] == [
        s.model_copy(update={"path": ""}) for s in sample.sources
    ]
    assert [template.resolve(t.path) for t in template.sources] == [
        sample.resolve(s.path) for s in sample.sources
    ]
    assert template.warehouse_path == sample.warehouse_path


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["sources"][0].update(channel="email"),
            "sources[web].channel: Input should be 'web', 'social' or 'chat' (found 'email')",
        ),
        (
            lambda r: r["sources"][0]["fields"].update(occured_at="x"),
            "sources[web].fields.occured_at.[key]: Input should be 'event_id', 'occurred_at'",
        ),
        (
            lambda r: r["sources"][1]["fields"].pop("occurred_at"),
            "sources[social]: Value error, fields must map occurred_at",
        ),
        (
            lambda r: r["sources"][0]["touchpoints"].append({"touchpoint": "x"}),
            "sources[web].touchpoints[14]: Value error, a rule needs at least one condition",
        ),
        (
            lambda r: r["sources"][0]["touchpoints"][6].update(url_path="(unclosed"),
            "sources[web].touchpoints[6].url_path: Value error, not a regular expression",
        ),
        (
            lambda r: r["sources"][2].update(name="web"),
            "source names must be unique; repeated: web",
        ),
        (
            lambda r: r["sources"][0].update(encoding="utf-9"),
            "sources[web].encoding: Value error, unknown encoding; use a Python codec name",
        ),
        (
            lambda r: r.update(memory_limit="lots"),
            "memory_limit: String should match pattern",
        ),
        (
            lambda r: r["sources"][0].update(formatt="csv"),
            "sources[web].formatt: Extra inputs are not permitted",
        ),
    ],
)
def test_errors_name_the_key_and_what_is_allowed(tmp_path: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, mutate)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: invalid configuration")
    assert expected in message


def test_yaml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("warehouse: x.duckdb\nsources:\n  - name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.yaml: line 4, column 1: not valid YAML"):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: cannot read"):
        load_config(tmp_path / "nope.yaml")


BAD = """\
warehouse: w.duckdb
sources:
  - name: web
    channel: web
    path: web/*.csv
    format: csv
    fields: {occurred_at: ts, event_name: ev, cookie_id: ck}
    touchpoints:
      - {event_name: view, url_path: '^/bikes/?$', touchpoint: product_list}
      - {event_name: view, url_path: '^/checkout(?!/payment)', touchpoint: checkout}
  - name: chat
    channel: chat
    path: ../../elsewhere/*.jsonl
    format: jsonl
    fields: {occurred_at: ts, event_name: ev, email: e}
    touchpoints:
      - {event_name: started, touchpoint: chat}
"""


def test_errors_give_the_line_of_the_key(tmp_path: Path) -> None:
    """Each problem on its own line of the message, with the YAML line it is on."""
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{path}: invalid configuration (2 problem(s))"
    # a lookahead is valid for Python's re but not for RE2, the engine that runs it
    assert lines[1].startswith(
        "  line 10, sources[web].touchpoints[1].url_path: Value error, not a regular "
        "expression DuckDB (RE2 syntax) accepts: invalid perl operator: (?!"
    )
    assert lines[2] == (
        "  line 13, sources[chat].path: Value error, leads out of the configuration's folder; "
        "write an absolute path to read files elsewhere (found '../../elsewhere/*.jsonl')"
    )


def test_an_absolute_source_path_may_point_anywhere(tmp_path: Path) -> None:
    text = BAD.replace("'^/checkout(?!/payment)'", "'^/checkout'").replace(
        "../../elsewhere/*.jsonl", str(tmp_path.parent / "elsewhere" / "*.jsonl")
    )
    path = tmp_path / "good.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path).source("chat").path.startswith(str(tmp_path.parent))
