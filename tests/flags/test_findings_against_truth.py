"""Precision and recall of the flags against the generator's ground truth, over seeds and sizes.

Every planted story must be found, as the top flag of its kind, with the segment it lives in;
a log without stories must raise no flag at all. The smallest size (about 480 journeys, where
each story has just enough journeys to be judged) runs ten seeds, 20k events three and 200k
one (the whole pipeline each time, with and without stories), to keep make test within its
ten minutes; each prints its precision and recall.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeymine.config import load_config
from journeymine.flags import Flag, raise_flags
from journeymine.generate import generate
from journeymine.identity import stitch
from journeymine.mapping import load_map
from journeymine.mine import mine
from journeymine.truth import Score, score, suggested
from journeymine.warehouse import connect
from tests.conftest import ingest_all, write_config

CASES = [
    pytest.param(2_000, range(1, 11), id="2k"),
    pytest.param(20_000, range(1, 4), id="20k"),
    pytest.param(200_000, (1,), id="200k", marks=pytest.mark.slow),
]


def _run(tmp: Path, events: int, seed: int, stories: bool) -> tuple[list[Flag], Score]:
    sample = generate(tmp / "data", events, seed=seed, stories=stories)
    config = load_config(write_config(tmp, sample.out_dir))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        assert config.map_path is not None
        mine(con, config, load_map(config.map_path))
        flags = raise_flags(con, config.mining)
        truth = json.loads((sample.out_dir / "ground_truth.json").read_text(encoding="utf-8"))
        return flags, score(flags, truth, suggested(con))


@pytest.mark.parametrize(("events", "seeds"), CASES)
def test_flags_find_every_planted_story_and_nothing_else(
    events: int, seeds: range, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scores = {seed: _run(tmp_path / str(seed), events, seed, True)[1] for seed in seeds}
    clean = {seed: _run(tmp_path / f"clean{seed}", events, seed, False)[0] for seed in seeds}

    tp = sum(len(s.true_positives) for s in scores.values())
    fp = sum(len(s.false_positives) for s in scores.values())
    missed = sum(len(s.missed) for s in scores.values())
    clean_flags = sum(len(f) for f in clean.values())
    with capsys.disabled():
        print(
            f"\n{events} events, {len(scores)} seeds: precision {tp / max(tp + fp, 1):.2f}, "
            f"recall {tp / max(tp + missed, 1):.2f} ({tp} found, {fp} false, {missed} missed); "
            f"flags on logs without stories: {clean_flags}"
        )
    for seed, s in scores.items():
        assert s.missed == [], (seed, s)
        assert s.false_positives == [], (seed, s)
        assert s.not_top_of_kind == [], (seed, s)
    assert {seed: [f"{f.kind}:{f.subject}" for f in flags] for seed, flags in clean.items()} == {
        seed: [] for seed in clean
    }
