"""Results: every figure beside its baseline from the same run and the ratio; table and JSON output."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_JSON = REPO / "bench" / "results" / "latest.json"


@dataclass
class Figure:
    """One measured value and the baseline it is compared with (measured in the same run)."""

    metric: str
    value: float
    unit: str
    baseline: float | None
    baseline_label: str
    #: ``value / baseline`` (``None`` without a baseline).
    ratio: float | None = None
    #: What the performance issue asks for, as text; reported, never asserted.
    goal: str = ""

    def __post_init__(self) -> None:
        if self.ratio is None and self.baseline:
            self.ratio = self.value / self.baseline


@dataclass
class BenchResult:
    name: str
    figures: list[Figure] = field(default_factory=list)
    #: Requests sent / accepted with the expected status, per phase; failures by status or exception.
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        """Every run completed and every request got its expected status (speed is never judged)."""
        if self.errors:
            return False
        return all(r.get("failed", 0) == 0 and r.get("accepted", 0) > 0 for r in self.runs.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
    return f"{text} {unit}".strip()


def table(results: list[BenchResult]) -> str:
    """A Markdown table (readable in a terminal and pasteable into the README)."""
    header = ["benchmark", "metric", "ours", "baseline", "baseline is", "ratio", "goal"]
    rows = [header, ["---"] * len(header)]
    for result in results:
        for f in result.figures:
            rows.append(
                [
                    result.name,
                    f.metric,
                    _fmt(f.value, f.unit),
                    _fmt(f.baseline, f.unit),
                    f.baseline_label,
                    "-" if f.ratio is None else f"{f.ratio:.2f}x",
                    f.goal,
                ]
            )
    for result in results:
        for phase, run in result.runs.items():
            failures = run.get("failures") or {}
            rows.append(
                [
                    result.name,
                    f"{phase}: accepted/sent",
                    f"{run.get('accepted', 0)}/{run.get('sent', 0)}",
                    "",
                    "",
                    "",
                    "all accepted" if not run.get("failed") else "FAILURES " + json.dumps(failures),
                ]
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for r in rows:
        if r[0] == "---":
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        else:
            lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def environment(quick: bool) -> dict[str, Any]:
    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        load = None
    return {
        "mode": "quick" if quick else "full",
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": load,
        "database": "DATABASE_URL server (fresh database per run)" if os.environ.get("DATABASE_URL") else "embedded pgserver",
    }


def write_json(path: Path, env: dict[str, Any], results: list[BenchResult], total_s: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "environment": env,
        "total_duration_s": round(total_s, 1),
        "ok": all(r.ok for r in results),
        "benchmarks": {r.name: r.to_json() for r in results},
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
