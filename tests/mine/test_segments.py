"""Every metric breaks down by entry channel, persona and configured attributes, and the
breakdowns add up to the whole."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from journeymine.config import Config, load_config
from journeymine.generate import GeneratedSample
from journeymine.identity import stitch
from journeymine.mapping import load_map
from journeymine.mine import mine, scope
from journeymine.warehouse import connect
from tests.conftest import ingest_all, write_config
from tests.mining import SAMPLE_MAP, Mined


def test_segments_partition_the_journeys(mined_stories: Mined) -> None:
    con, _, _, _ = mined_stories
    segments = dict(
        con.execute(
            "select segment, sum(journeys) from touchpoint_stats "
            "where level = 'stage' and node = 'awareness' group by segment"
        ).fetchall()
    )
    assert set(segments) == {
        "all",
        "entry_channel",
        "persona",
        "attribute:utm_source",
        "attribute:device_type",
    }
    assert len(set(segments.values())) == 1  # each breakdown adds up to all journeys
    personas = {
        r[0]
        for r in con.execute(
            "select distinct segment_value from touchpoint_stats where segment = 'persona'"
        ).fetchall()
    }
    assert personas == {
        "returning_customer", "instagram_shopper", "social_shopper", "researcher", "unassigned",
    }  # fmt: skip
    # instagram_shopper: a journey with an event whose utm_source is instagram
    wrong = con.execute(
        """
        select count(*) from journeys as j
        where j.persona = 'instagram_shopper' and not exists (
            select 1 from journey_steps as s
            join events as e on e.source = s.source and e.event_id = s.event_id
            where s.journey_id = j.journey_id and e.attributes->>'utm_source' = 'instagram'
        )
        """
    ).fetchall()
    assert wrong == [(0,)]
    # researcher (the map's last rule): a journey that visits compare and matches no earlier
    # rule; so every researcher visited compare, and no unassigned journey did
    visited = con.execute(
        """
        select distinct persona, visited from (
            select j.persona, bool_or(s.touchpoint = 'compare') as visited
            from journeys as j join journey_steps as s on s.journey_id = j.journey_id
            where j.persona in ('researcher', 'unassigned')
            group by j.persona, j.journey_id
        )
        """
    ).fetchall()
    assert set(visited) == {("researcher", True), ("unassigned", False)}


def test_touchpoint_counts_add_up_across_segments(mined_stories: Mined) -> None:
    con, _, _, _ = mined_stories
    mismatches = con.execute(
        """
        select a.node, a.journeys, s.journeys, a.drop_offs, s.drop_offs
        from touchpoint_stats as a
        join (
            select level, node, sum(journeys) as journeys, sum(drop_offs) as drop_offs
            from touchpoint_stats where segment = 'entry_channel' group by all
        ) as s on s.level = a.level and s.node = a.node
        where a.segment = 'all'
            and (a.journeys <> s.journeys or a.drop_offs is distinct from s.drop_offs)
        """
    ).fetchall()
    assert mismatches == []


def test_funnel_and_journeys_agree(mined_stories: Mined) -> None:
    con, report, _, _ = mined_stories
    entered, goal_reached = con.execute(
        "select max(journeys_entered), (select count(*) from journeys where reached_goal) "
        "from stage_funnel where segment = 'all'"
    ).fetchall()[0]
    assert entered == report.conformance.journeys
    purchase = con.execute(
        "select journeys_reached from stage_funnel where segment = 'all' and stage = 'purchase'"
    ).fetchall()[0][0]
    assert purchase >= goal_reached > 0  # every purchase got at least to the purchase stage


def test_without_segment_attributes_the_segments_are_the_built_in_ones(
    sample: GeneratedSample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, sample.out_dir)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["journeys"]["segment_attributes"] = []
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = load_config(path)
    names: list[tuple[str]] = []
    finish = scope.finish

    def reading_the_attributes(con: duckdb.DuckDBPyConnection, config: Config) -> None:
        # a full build keeps its attributes in a working table, dropped when it finishes
        names.extend(
            con.execute(
                "select distinct name from jm_internal.jm_work__int_journey_attributes "
                "order by name"
            ).fetchall()
        )
        finish(con, config)

    monkeypatch.setattr(scope, "finish", reading_the_attributes)
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        mine(con, config, load_map(SAMPLE_MAP))
        segments = {
            s for (s,) in con.execute("select distinct segment from touchpoint_stats").fetchall()
        }
    assert segments == {"all", "entry_channel", "persona"}
    assert names == [("utm_source",)]  # what the map's persona rules read, nothing else
