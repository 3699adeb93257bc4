"""The designed map: the sample's is valid, mistakes are reported one by one, BPMN imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from journeymine.cli import main
from journeymine.errors import MapError
from journeymine.mapping import load_map
from journeymine.mine.maptables import goal_reachable
from tests.conftest import REPO

SAMPLE_MAP = REPO / "data" / "sample" / "journey_map.yaml"

SMALL = """\
name: small
stages:
  - {id: awareness}
  - {id: purchase}
touchpoints:
  - {id: ad, stage: awareness, channel: social}
  - {id: home, stage: awareness, channel: web}
  - {id: cart, stage: purchase, channel: web}
  - {id: paid, stage: purchase, channel: web}
transitions:
  - {from: ad, to: home}
  - {from: home, to: cart}
  - {from: cart, to: paid}
entries: [ad, home]
goals: [paid]
"""


def test_the_sample_map_is_valid_and_resolved() -> None:
    m = load_map(SAMPLE_MAP)
    assert len(m.stages) == 5 and len(m.touchpoints) == 18
    assert ("payment", "order_confirmed") in m.transitions
    assert ("payment", "checkout") not in m.transitions  # the planted loop is undesigned
    assert ("social_ad", "checkout") not in m.transitions  # so is the planted shortcut
    assert m.targets["payment"]["max_drop_off_rate"] == 0.25  # stage target
    assert m.targets["home"]["max_drop_off_rate"] == 0.5  # default
    assert all(goal_reachable(m).values())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{from: home, to: cart}",
            "{from: home, to: chekout}",
            "line 12, transitions[1].to: unknown touchpoint 'chekout'; "
            "touchpoints are: ad, home, cart, paid",
        ),
        (
            "{id: cart, stage: purchase",
            "{id: home, stage: purchase",
            "line 8, touchpoints[2].id: duplicate touchpoint id 'home' (first at touchpoints[1])",
        ),
        (
            "{id: paid, stage: purchase",
            "{id: paid, stage: advocacy",
            "line 9, touchpoints[3].stage: unknown stage 'advocacy'; "
            "stages are: awareness, purchase",
        ),
        (
            "{from: cart, to: paid}",
            "{from: paid, to: cart}",
            "line 15, goals[0]: goal 'paid' is unreachable from every entry (ad, home)",
        ),
        (
            "{from: ad, to: home}",
            "{from: cart, to: home}",
            "line 11, transitions[0]: 'cart' (purchase) -> 'home' (awareness) goes back to an "
            "earlier stage",
        ),
        (
            "goals: [paid]",
            "goals: [paid, refund]",
            "line 15, goals[1]: unknown touchpoint 'refund'",
        ),
        (
            "{id: ad, stage: awareness, channel: social}",
            "{id: ad, stage: awareness, channel: email}",
            "line 6, touchpoints[0].channel: Input should be 'web', 'social' or 'chat' "
            "(found 'email')",
        ),
        (
            "stages:\n  - {id: awareness}\n  - {id: purchase}",
            "stages:\n  - {id: awareness}\n  - {id: awareness}\n  - {id: purchase}",
            "line 4, stages[1].id: duplicate stage id 'awareness'",
        ),
    ],
)
def test_each_map_error_names_line_and_key(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in SMALL
    path = _write(tmp_path, SMALL.replace(old, new))
    with pytest.raises(MapError) as err:
        load_map(path)
    assert str(err.value).startswith(f"{path}: invalid journey map")
    assert expected in str(err.value)


def test_back_transitions_are_allowed_when_marked(tmp_path: Path) -> None:
    text = SMALL.replace(
        "{from: ad, to: home}", "{from: ad, to: home}\n  - {from: cart, to: home, back: true}"
    )
    assert ("cart", "home") in load_map(_write(tmp_path, text)).transitions


def test_stage_shorthand_expands_to_every_touchpoint(tmp_path: Path) -> None:
    text = SMALL.replace("{from: home, to: cart}", "{from: 'stage:awareness', to: cart}")
    transitions = load_map(_write(tmp_path, text)).transitions
    assert {("ad", "cart"), ("home", "cart")} <= transitions


def test_targets_must_name_known_touchpoints(tmp_path: Path) -> None:
    text = SMALL + "targets:\n  touchpoints:\n    carts: {max_drop_off_rate: 0.2}\n"
    with pytest.raises(MapError, match=r"line 18, targets\.touchpoints\.carts: unknown touchpoint"):
        load_map(_write(tmp_path, text))


def test_targets_read_max_drop_off_by_its_former_name(tmp_path: Path) -> None:
    text = SMALL + "targets:\n  touchpoints:\n    cart: {max_drop_off: 0.2}\n"
    m = load_map(_write(tmp_path, text))
    assert m.targets["cart"]["max_drop_off_rate"] == 0.2
    assert m.targets["home"]["max_drop_off_rate"] == 0.5


def test_bpmn_import(capsys: pytest.CaptureFixture[str]) -> None:
    m = load_map(REPO / "tests" / "fixtures" / "small_journey.bpmn")
    assert [s.id for s in m.stages] == ["awareness", "consideration", "purchase"]
    assert {t.id: (t.stage, t.channel) for t in m.touchpoints.values()} == {
        "social_ad": ("awareness", "social"),
        "home_page": ("awareness", "web"),
        "product_page": ("consideration", "web"),
        "pre_sales_chat": ("consideration", "chat"),
        "cart": ("purchase", "web"),
        "payment": ("purchase", "web"),
    }
    # the gateway after the start event is followed through: both tasks are entries
    assert sorted(m.entries) == ["home_page", "social_ad"]
    assert m.goals == ["payment"]
    assert m.transitions == {
        ("social_ad", "product_page"),
        ("home_page", "product_page"),
        ("product_page", "pre_sales_chat"),
        ("pre_sales_chat", "product_page"),
        ("product_page", "cart"),
        ("cart", "payment"),
    }


def test_validate_map_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-map", str(SAMPLE_MAP)]) == 0
    assert "18 touchpoints, 32 designed transitions" in capsys.readouterr().out
    bad = _write(tmp_path, SMALL.replace("goals: [paid]", "goals: [nope]"))
    assert main(["validate-map", str(bad)]) == 2
    assert "unknown touchpoint 'nope'" in capsys.readouterr().err
    assert (
        main(
            [
                "validate-map",
                str(REPO / "tests" / "fixtures" / "small_journey.bpmn"),
                "--print-yaml",
            ]
        )
        == 0
    )
    printed: Any = yaml.safe_load(capsys.readouterr().out.split("\n", 1)[1])
    assert (
        load_map(_write(tmp_path, yaml.safe_dump(printed))).transitions
        == load_map(REPO / "tests" / "fixtures" / "small_journey.bpmn").transitions
    )


def test_a_persona_attribute_needs_its_value(tmp_path: Path) -> None:
    text = SMALL + "personas:\n  - {id: insta, attribute: utm_source}\n"
    with pytest.raises(
        MapError, match=r"line 17, personas\[0\]: Value error, attribute and equals"
    ):
        load_map(_write(tmp_path, text))
