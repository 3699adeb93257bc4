"""A mined warehouse to build reports from, and a copy of it full of hostile strings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from journeymine.analysis import analyse
from journeymine.config import load_config
from journeymine.generate import GeneratedSample
from journeymine.identity import stitch
from journeymine.mapping import load_map
from journeymine.warehouse import connect
from tests.conftest import ingest_all, write_config

# Markup that would run, load or link something if the report pasted it in unescaped. The
# attribute it sets, and the host it points at, are what the tests look for.
PWN = "document.documentElement.setAttribute('data-pwned','1')"
HOSTILE_LABEL = f"<script>window.__pwned=1;{PWN}</script>"


def hostile_strings(port: int) -> dict[str, str]:
    """Hostile values per place, pointing at a local server on ``port`` that counts requests."""
    remote = f"http://127.0.0.1:{port}"
    return {
        "touchpoint_label": HOSTILE_LABEL,
        "stage_label": f'<img src="{remote}/img.png" onerror="{PWN}">',
        "emotion": f'"><svg onload="{PWN}"><link rel="stylesheet" href="{remote}/x.css">',
        "chat_text": f'<a href="javascript:{PWN}">click</a> javascript:{PWN}',
        "evidence": f'<iframe src="{remote}/frame"></iframe>'
        f"<style>@import '{remote}/i.css';</style>",
        "segment_value": f'<script src="{remote}/s.js"></script>',
    }


@pytest.fixture(scope="session")
def mined_warehouse(sample: GeneratedSample, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample ingested, stitched, mined and flagged, the way a nightly run leaves it."""
    directory = tmp_path_factory.mktemp("report-warehouse")
    config = load_config(write_config(directory, sample.out_dir))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        assert config.map_path is not None
        analyse(con, config, load_map(config.map_path))
    return config.warehouse_path


def make_hostile(source: Path, target: Path, port: int) -> Path:
    """A copy of a mined warehouse whose map, log, segments and flags hold hostile strings:
    what a hostile map (labels, emotions) and log (chat text, attributes) put there. The
    report reads nothing but the warehouse, so this covers every string it shows."""
    shutil.copyfile(source, target)
    h = hostile_strings(port)
    with connect(target) as con:
        con.execute(
            "update map_touchpoints set label = ? where touchpoint = 'payment'",
            [h["touchpoint_label"]],
        )
        con.execute("update map_touchpoints set label = label || ?", [h["touchpoint_label"]])
        con.execute(
            "update map_stages set label = ?, emotion = ?", [h["stage_label"], h["emotion"]]
        )
        con.execute(
            "update events set attributes = json_merge_patch(attributes, json_object('text', ?)) "
            "where channel in ('chat', 'social') and attributes->>'text' is not null",
            [h["chat_text"]],
        )
        con.execute(
            "update flags set evidence = ? || evidence, related = ?", [h["evidence"], h["evidence"]]
        )
        con.execute(
            "update jm_internal.int_profile_segments set segment_value = ? "
            "where segment = 'persona' and segment_value = 'researcher'",
            [h["segment_value"]],
        )
        con.execute("update map_suggestions set evidence = ?", [h["evidence"]])
    return target
