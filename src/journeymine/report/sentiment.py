"""The sentiment of customers' own words, per stage, from VADER: a lexicon model that ships
inside its package (vaderSentiment), so nothing is downloaded at run time.

Texts are collected in SQL (``sql/report/customer_texts.sql``: the most recent ones, at most
``SENTIMENT_SAMPLE``); each distinct text is scored once here. The report is built on
aggregates: this is the one loop in Python, and it is bounded by the sample, not the log.
The texts are read from a window of recent events, widened until it holds the sample or
every text, so a nightly report does not read the JSON of every chat and social event ever
loaded: the sample is exactly what reading them all would give.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
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
    rows = recent_texts(con, params, limit)
    scores = {text: score(text) for text in {r[2] for r in rows}}
    by_stage: dict[str, list[float]] = defaultdict(list)
    worst: dict[str, str] = {}
    for stage, _channel, text, _at in rows:
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


def recent_texts(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any], limit: int
) -> list[tuple[Any, ...]]:
    """The scope's ``limit`` most recent texts (stage, channel, text, written at), newest
    first: read from a window twice the span of the ``limit`` most recent chat and social
    events, quadrupled (a day at least) until it holds ``limit`` texts of the scope or reaches
    the first event. Every text at or after the window's start is read, so the most recent
    ``limit`` of the window are the most recent of all."""
    earliest, latest, since = sql.fetch(con, "report/text_window", {"limit": limit})[0]
    if earliest is None:  # no chat or social event at all
        return []
    # twice the span of the limit most recent events: not every event is a customer's text
    # (two in three on the generated log), and a window read again costs a query
    since = max(earliest, latest - max(latest - since, timedelta(days=1)) * 2)
    while True:
        rows = sql.fetch(con, "report/customer_texts", {**params, "limit": limit, "since": since})
        if len(rows) >= limit or since <= earliest:
            return rows
        # a span of at least a day: the latest events may share one time
        since = max(earliest, latest - max(latest - since, timedelta(days=1)) * 4)
