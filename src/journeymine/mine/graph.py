"""The empirical journey graph as networkx, for graph questions (reachability, cycles)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import networkx as nx

START, END = "__start__", "__end__"


@dataclass(frozen=True)
class JourneyGraph:
    """The directly-follows graph of journeys: edges carry occurrences, journeys, timings and
    whether the map designs them; ``__start__`` and ``__end__`` are synthetic nodes."""

    graph: nx.DiGraph

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> JourneyGraph:
        rows = con.execute(
            "select from_touchpoint, to_touchpoint, occurrences, journeys, median_seconds, "
            "p90_seconds, designed from transitions"
        ).fetchall()
        g = nx.DiGraph()
        for a, b, occurrences, journeys, median, p90, designed in rows:
            g.add_edge(
                a,
                b,
                occurrences=occurrences,
                journeys=journeys,
                median_seconds=median,
                p90_seconds=p90,
                designed=designed,
            )
        return cls(g)

    def touchpoints(self) -> set[str]:
        return set(self.graph.nodes) - {START, END}

    def reaches(self, source: str, targets: set[str]) -> bool:
        """Does any observed path lead from ``source`` to one of ``targets``?"""
        if source not in self.graph:
            return False
        return bool(nx.descendants(self.graph, source) & targets)

    def unable_to_reach(self, goals: set[str]) -> set[str]:
        """Touchpoints from which no observed journey path leads to a goal."""
        return {t for t in self.touchpoints() - goals if not self.reaches(t, goals)}

    def cycles(self, max_length: int = 4) -> list[list[str]]:
        """Observed cycles of at most ``max_length`` touchpoints (loops customers take)."""
        g = self.graph.subgraph(self.touchpoints())
        return [c for c in nx.simple_cycles(g, length_bound=max_length)]

    def undesigned_edges(self) -> list[tuple[str, str]]:
        return [(a, b) for a, b, d in self.graph.edges(data=True) if not d["designed"]]
