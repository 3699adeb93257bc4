"""The sentiment of customers' own words, per stage, from VADER: a lexicon model that ships
inside its package (vaderSentiment), so nothing is downloaded at run time.

Texts are collected in SQL (``sql/report/customer_texts.sql``: the most recent ones, at most
``SENTIMENT_SAMPLE``); each distinct text is scored once here. The report is built on
aggregates: this is the one loop in Python, and it is bounded by the sample, not the log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from journeymine import sql

# How many of the most recent customer texts are scored for the emotion lane.
SENTIMENT_SAMPLE = 20_000

# VADER's usual cut-offs on the compound score.
NEGATIVE, POSITIVE = -0.05, 0.05


@dataclass(frozen=True)
class StageSentiment:
    stage: str
    texts: int
    mean: float  # VADER compound score, -1 (negative) to +1 (positive)
    negative_share: float
    # the most negative text, shown as a quote (as text: the template escapes it)
    worst_text: str
    worst_score: float


@cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score(text: str) -> float:
    """VADER's compound score of one text."""
    return float(_analyzer().polarity_scores(text)["compound"])


def stage_sentiment(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any], limit: int = SENTIMENT_SAMPLE
) -> tuple[dict[str, StageSentiment], int]:
    """The sentiment per stage over the most recent ``limit`` texts, and how many were read.

    Reads the scope's journeys from ``jm_report_scope`` (``scope.materialise``)."""
    rows = sql.fetch(con, "report/customer_texts", {**params, "limit": limit})
    scores = {text: score(text) for text in {r[2] for r in rows}}
    by_stage: dict[str, list[float]] = defaultdict(list)
    worst: dict[str, str] = {}
    for stage, _channel, text in rows:
        by_stage[stage].append(scores[text])
        if stage not in worst or scores[text] < scores[worst[stage]]:
            worst[stage] = text
    out = {
        stage: StageSentiment(
            stage,
            len(values),
            sum(values) / len(values),
            sum(v <= NEGATIVE for v in values) / len(values),
            worst[stage],
            scores[worst[stage]],
        )
        for stage, values in by_stage.items()
    }
    return out, len(rows)
