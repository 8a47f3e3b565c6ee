"""Emerging-keyword replay on the EUvsDisinfo case index (7,197 cases, 2015–2019).

    python -m benchmarks.emerging_replay [--data ../shared/data] [--follow 3] [--by narrative]

Imports the case index into a temporary database, then, for every month from 2016-01 to
2019-12, runs the keyword detector as it would have run at the end of that month (recent window =
that month, baseline = the 12 months before) and prints the top alerts. An alert is *sustained*
when the keyword's case count in each of the ``--follow`` months after the alert stays above its
baseline monthly mean. Precision of "sustained" is given for alerts whose follow-up lies inside
the data, beside the same rate for every (month, keyword) with as many recent cases that was
not flagged — the base rate an alert has to beat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from disproof.service import Disproof
from disproof.settings import Settings
from disproof.trends.emerging import MIN_COUNT
from disproof.trends.periods import labels_between, shift

FILE = "euvsdisinfo/case_index_2015_2019.csv"
FIRST, LAST = "2016-01", "2019-12"
BASELINE = 12


def sustained(counts: list[int], at: int, baseline_mean: float, follow: int) -> bool | None:
    """Whether each of the ``follow`` periods after ``at`` is above ``baseline_mean`` (None when
    the data ends before)."""
    after = counts[at + 1 : at + 1 + follow]
    if len(after) < follow:
        return None
    return all(c > baseline_mean for c in after)


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--follow", type=int, default=3)
    parser.add_argument("--show", type=int, default=3, help="alerts printed per month")
    parser.add_argument(
        "--by",
        choices=["keyword", "narrative"],
        default="keyword",
        help="what to watch: keywords, or narratives (those the keywords imply)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "replay.db")))
        service.import_file(args.data / FILE)
        matrix = service.trends(args.by, "month", top=1_000_000)
        index = {p: i for i, p in enumerate(matrix.periods)}
        counts = {s.key: s.counts for s in matrix.series}
        alerts = evaluated = kept = new_alerts = new_kept = 0
        others = others_kept = 0
        started = time.perf_counter()
        print("| month | cases | tested | alerts | top alerts (recent / expected, q) |")
        print("|---|---:|---:|---:|---|")
        for month in labels_between(FIRST, LAST, "month"):
            start = dt.date.fromisoformat(month + "-01")
            end = shift(start, "month", 1) - dt.timedelta(days=1)
            report = service.emerging(
                start,
                until=end,
                by=args.by,
                period="month",
                baseline_periods=BASELINE,
                clusters=False,
            )
            at = index[month]
            flagged = {s.key for s in report.series}
            for s in report.series:
                alerts += 1
                outcome = sustained(counts[s.key], at, s.baseline / BASELINE, args.follow)
                if outcome is not None:
                    evaluated += 1
                    kept += outcome
                    new_alerts += s.new
                    new_kept += s.new and outcome
            for key, series in counts.items():  # the base rate: unflagged, as many cases
                if key in flagged or series[at] < MIN_COUNT:
                    continue
                mean = sum(series[max(0, at - BASELINE) : at]) / BASELINE
                outcome = sustained(series, at, mean, args.follow)
                if outcome is not None:
                    others += 1
                    others_kept += outcome
            top = "; ".join(
                f"{s.label}{' (new)' if s.new else ''} {s.recent}/{s.expected:.1f}, "
                f"q={s.q_value:.0e}"
                for s in report.series[: args.show]
            )
            print(
                f"| {month} | {report.recent_total} | {report.tested} | {len(report.series)} "
                f"| {top or '—'} |"
            )
        elapsed = time.perf_counter() - started
        print()
        print("| measure | value |")
        print("|---|---:|")
        print(f"| months replayed | {len(labels_between(FIRST, LAST, 'month'))} |")
        print(f"| alerts (FDR q ≤ 0.05, ≥ {MIN_COUNT} recent cases) | {alerts} |")
        print(f"| alerts with {args.follow} months of follow-up | {evaluated} |")
        print(f"| sustained precision, all alerts | {_rate(kept, evaluated)} |")
        print(f"| sustained precision, rising (seen before) | "
              f"{_rate(kept - new_kept, evaluated - new_alerts)} |")  # fmt: skip
        print(f"| sustained precision, new terms | {_rate(new_kept, new_alerts)} |")
        print(f"| base rate: unflagged term-months with ≥ {MIN_COUNT} cases | "
              f"{_rate(others_kept, others)} |")  # fmt: skip
        print(f"| replay time (48 detector runs) | {elapsed:.1f} s |")
        service.store.engine.dispose()


if __name__ == "__main__":
    main()
