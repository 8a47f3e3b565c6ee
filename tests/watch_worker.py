"""A real ``disproof watch`` process for the kill test: ``python -m tests.watch_worker DB``.

It matches with the fake embedder (no model to load), prints ``recorded N`` after each item is
committed (the test kills it mid-poll from there), then runs the command line's ``watch``.
"""

from __future__ import annotations

import sys


def main() -> None:
    import disproof.embed
    import disproof.match.calibration as calibration
    from disproof.cli import main as cli
    from disproof.store.sightings import SightingRecords
    from tests.fakes import FAKE_CALIBRATION, FakeEmbedder

    embedder = FakeEmbedder()
    disproof.embed.load_embedder = lambda name=None, **_: (embedder, [])  # type: ignore[assignment]
    calibration.calibration_for = lambda model_id: FAKE_CALIBRATION  # type: ignore[assignment]
    record = SightingRecords.record
    count = 0

    def counted(self: SightingRecords, *args: object, **kwargs: object) -> int | None:
        nonlocal count
        done = record(self, *args, **kwargs)  # type: ignore[arg-type]
        count += 1
        print(f"recorded {count}", flush=True)
        return done

    SightingRecords.record = counted  # type: ignore[method-assign]
    cli(["--db", sys.argv[1], "watch", *sys.argv[2:]])


if __name__ == "__main__":
    main()
