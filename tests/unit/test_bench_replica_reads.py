"""The replica-reads benchmark's pure parts: its read plan, its lag summary and its pooling of rounds."""

from __future__ import annotations

from collections import Counter

from bench.load import LoadResult
from bench.replica_reads import PARK, PROOF, SUMMARY, lag_summary, pooled, read_plan


def test_the_read_plan_sends_proofs_at_one_size_then_the_summary_and_the_park_report() -> None:
    plan = read_plan([3, 1, 4, 1, 5, 9, 2], 1080, "park/chengdu-1", 3)
    assert len(plan) == 2  # the last index does not fill a round, and is left out
    assert plan[0] == [
        (PROOF, "/v1/entries/3/inclusion-proof?tree_size=1080"),
        (PROOF, "/v1/entries/1/inclusion-proof?tree_size=1080"),
        (PROOF, "/v1/entries/4/inclusion-proof?tree_size=1080"),
        (SUMMARY, "/v1/reports/summary"),
        (PARK, "/v1/reports/parks/park/chengdu-1"),  # ids contain "/", which the route accepts
    ]
    assert [path for kind, path in plan[1] if kind == PROOF][0] == "/v1/entries/1/inclusion-proof?tree_size=1080"


def test_the_park_id_is_quoted_in_its_path() -> None:
    assert read_plan([0], 5, "高新 park", 1)[0][-1] == (PARK, "/v1/reports/parks/%E9%AB%98%E6%96%B0%20park")


def test_lag_counts_only_reports_on_a_smaller_tree_than_the_primary_had() -> None:
    # (primary checkpoint size just before, report tree size)
    sizes = [(100, 100), (120, 118), (130, 131), (140, 130), (150, 149)]
    assert lag_summary(sizes) == {"reports": 5, "behind": 3, "max_entries_behind": 10, "median_entries_behind": 2}
    assert lag_summary([]) == {"reports": 0, "behind": 0, "max_entries_behind": 0, "median_entries_behind": 0}


def test_pooled_rounds_add_up() -> None:
    first = LoadResult(sent=3, accepted=2, elapsed_s=1.5, latencies=[0.1, 0.3], failures=Counter({"500": 1}), samples=["500: x"])
    second = LoadResult(sent=2, accepted=2, elapsed_s=0.5, latencies=[0.2, 0.4])
    both = pooled([first, second])
    assert (both.sent, both.accepted, both.failed, both.elapsed_s) == (5, 4, 1, 2.0)
    assert sorted(both.latencies) == [0.1, 0.2, 0.3, 0.4]
    assert both.latency_ms(50) == 200.0
    assert first.sent == 3 and len(first.latencies) == 2  # the rounds themselves are left as they were
