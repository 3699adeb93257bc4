"""Flags on a mined log with stories: ranking, conformance, the discovered model. Whether
each planted story is found is scored in test_findings_against_truth."""

from __future__ import annotations

from journeymine.mine import pm4py_adapter
from tests.mining import Mined


def test_the_biggest_planted_loss_ranks_first(mined_stories: Mined) -> None:
    _, _, flags, _ = mined_stories
    assert (flags[0].kind, flags[0].subject) == ("drop_off", "payment")
    assert [f.rank for f in flags] == list(range(1, len(flags) + 1))
    lost = [f.lost_goal_completions for f in flags]
    assert lost == sorted(lost, reverse=True)


def test_no_flag_on_a_log_without_stories(mined_clean: Mined) -> None:
    con, report, flags, _ = mined_clean
    assert flags == []
    assert con.execute("select count(*) from flags").fetchall() == [(0,)]
    c = report.conformance
    assert c.journeys > 3000
    assert (c.transition_fitness, c.conforming_journey_rate, c.token_replay_fitness) == (
        1.0,
        1.0,
        1.0,
    )
    assert c.design_coverage == 1.0


def test_stories_lower_conformance(mined_stories: Mined) -> None:
    _, report, _, _ = mined_stories
    c = report.conformance
    assert c.transition_fitness < 1.0 and c.conforming_journey_rate < 0.97


def test_discovered_model_is_exported(mined_stories: Mined, sample_map) -> None:  # type: ignore[no-untyped-def]
    _, report, _, _ = mined_stories
    assert report.model is not None
    assert "<pnml" in report.model.pnml.read_text(encoding="utf-8")
    # the BPMN reads back (through our own importer): its tasks are the map's touchpoints,
    # all but the rarest, which the noise threshold filters out
    document = pm4py_adapter.bpmn_to_map_document(report.model.bpmn)
    tasks = {t["id"] for t in document["touchpoints"]}
    assert tasks <= set(sample_map.touchpoints)
    assert len(tasks) >= 15
    assert {"payment", "checkout", "order_confirmed", "delivery_info"} <= tasks


def test_findings_do_not_depend_on_the_order_of_the_rules_rows(mined_stories: Mined) -> None:
    """The rules' SQL returns rows in no set order (DuckDB's threads, incremental inserts);
    ties between equally bad segments must be broken the same way whatever it is."""
    import random

    from journeymine.config import Mining
    from journeymine.flags import candidates, engine

    con = mined_stories[0]
    settings = Mining()
    rows = candidates(con, settings)
    expected = engine.findings(rows, settings)
    assert len(expected) >= 5
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert engine.findings(shuffled, settings) == expected


def test_the_flags_read_back_as_they_were_raised(mined_stories: Mined) -> None:
    """What the benchmark scores against the ground truth is the flags table the run wrote."""
    from journeymine.flags import read_flags

    con, _, flags, _ = mined_stories
    assert len(flags) > 3
    assert read_flags(con) == flags


def test_the_scorer_sets_apart_changes_after_new_customers_stop_arriving(
    mined_stories: Mined,
) -> None:
    """A change over time is not planted in a log without dated stories: a false positive,
    unless it begins once new customers stop arriving (the population's own change)."""
    import json
    from dataclasses import replace
    from datetime import date, timedelta

    from journeymine.truth import score, suggested

    con, _, flags, sample = mined_stories
    truth = json.loads((sample.out_dir / "ground_truth.json").read_text(encoding="utf-8"))
    until = date.fromisoformat(truth["arrivals"]["last_day"]) + timedelta(days=1)
    clean = score(flags, truth, suggested(con))
    assert clean.false_positives == [] and clean.after_arrivals == []
    last = flags[-1]
    rank = last.rank + 1
    before = replace(last, rank=rank, kind="regression", first_date=date(2026, 10, 1))
    after = replace(last, rank=rank, kind="regression", first_date=until)
    assert score([*flags, before], truth, suggested(con)).false_positives == [
        f"regression:{last.subject}"
    ]
    set_apart = score([*flags, after], truth, suggested(con))
    assert set_apart.false_positives == [] and set_apart.precision == clean.precision
    assert set_apart.after_arrivals == [
        f"regression:{last.subject} ({last.segment}={last.segment_value}, from {until})"
    ]
    dated = score([*flags, before], dict(truth, dated_stories=[{"kind": "incident"}]), set())
    assert dated.dated_changes and f"regression:{last.subject}" not in dated.false_positives
