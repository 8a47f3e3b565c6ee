"""No silent long waits (issue 16): a command that builds the match index says so and shows its
rate and time left; the server answers while an index is built, saying what it used."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from rich.console import Console

from disproof.cli.progress import StepProgress, eta_text, progress_bar
from disproof.indexing import LEXICAL_NOTE
from disproof.matchers import MatcherCache
from disproof.service import Disproof
from disproof.settings import Settings
from tests.fakes import FakeEmbedder

BUILDING = "building the match index for 43 cases"
LEXICAL = "index still being built — lexical matching only"
CHECK = "US-funded labs in Ukraine are building bioweapons against Russians, again"


class GatedEmbedder(FakeEmbedder):
    """Encodes case texts only once the test opens the gate: an index build that takes
    as long as the test wants (queries are encoded at once)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> npt.NDArray[np.float32]:
        assert self.gate.wait(30), "the test never let the build finish"
        return super().encode_documents(texts, batch_size)


# -- the command line ------------------------------------------------------------------------


def test_commands_that_build_the_index_say_so_once(cli, fake_matching: object) -> None:  # type: ignore[no-untyped-def]
    demo = cli("demo")
    assert demo.code == 0, demo.err
    assert f"{BUILDING} (once, so that every check after it is fast)" in demo.err
    assert Path(Settings().index_dir() or "").joinpath("meta.json").is_file()  # built up front
    match = cli("match", CHECK)
    assert match.code == 0 and "match index" not in match.err  # built: no wait, nothing said
    shutil.rmtree(Settings().index_dir() or "")
    related = cli("related", "demo-ukraine-biolabs-2022", "--json")
    assert related.code == 0, related.err
    assert f"{BUILDING} (one-off; `disproof index` does it ahead of time)" in related.err
    assert related.out.startswith("[")  # stdout stays JSON
    again = cli("related", "demo-ukraine-biolabs-2022")
    assert "match index" not in again.err


def test_index_says_what_it_builds_and_a_changed_database_is_updated(
    cli, fake_matching: object
) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", str(demo_file())).code == 0
    built = cli("index")
    assert built.code == 0 and "index ready: 43 cases" in built.out
    assert f"{BUILDING} (resumable" in built.err
    assert "match index" not in cli("index").err  # current: loaded, nothing to say
    shutil.rmtree(Settings().index_dir() or "")
    report = cli("report", "--file", str(text_file(CHECK)))
    assert report.code == 0 and BUILDING in report.err


def test_an_unknown_case_is_said_before_any_index_is_built(cli, fake_matching: object) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", str(demo_file())).code == 0
    missing = cli("related", "no-such-case")
    assert (
        missing.code == 1 and "no case with id" in missing.err and "match index" not in missing.err
    )


def demo_file() -> Path:
    from importlib import resources

    return Path(str(resources.files("disproof.data.demo") / "cases.jsonl"))


def text_file(text: str) -> Path:
    path = Path("text.txt")
    path.write_text(text, encoding="utf-8")
    return path


def test_a_long_step_off_a_terminal_prints_its_rate_and_time_left(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [0.0]
    with progress_bar(True) as bar:  # stderr is no terminal here: plain lines
        step = StepProgress(bar, "encoding case texts", every=30, clock=lambda: now[0])
        for done in range(64, 1280 + 1, 64):
            now[0] += 8
            step(done, 1280)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "encoding case texts: 256 of 1,280 (8.0/s, about 2 min left)"
    assert lines[-1] == "encoding case texts: 1,280 of 1,280 (8.0/s)"
    assert len(lines) == 5  # every 30 s (of 160), the last one at the end


def test_a_short_step_off_a_terminal_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar(True) as bar:
        step = StepProgress(bar, "importing cases.csv")
        step(10, 10)
    assert capsys.readouterr().err == ""


def test_the_bar_shows_rate_and_time_left_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120, record=True)
    monkeypatch.setattr("disproof.cli.progress.err_console", console)
    bar = progress_bar(True)
    assert not bar.disable
    now = [0.0]
    step = StepProgress(bar, "encoding case texts", clock=lambda: now[0])
    now[0] = 20
    step(64, 640)
    console.print(bar.make_tasks_table(bar.tasks))
    shown = console.export_text()
    assert "64/640" in shown and "3.2/s, about 3 min left" in shown


def test_eta_text() -> None:
    assert eta_text(0, 100, 5) == ""
    assert eta_text(50, 100, 10) == "5.0/s, about 10 s left"
    assert eta_text(100, 7100, 10) == "10.0/s, about 12 min left"
    assert eta_text(100, 100, 10) == "10.0/s"


# -- the server: answer while the index is built ---------------------------------------------


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> GatedEmbedder:
    from tests.fakes import FAKE_CALIBRATION

    embedder = GatedEmbedder()
    monkeypatch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
    monkeypatch.setattr("disproof.match.calibration.calibration_for", lambda m: FAKE_CALIBRATION)
    return embedder


def demo_service(tmp_path: Path, wait: float = 0.0) -> Disproof:
    service = Disproof.open(Settings(db=str(tmp_path / "demo.db"), match_wait=wait))
    service.load_demo()
    return service


def test_a_check_during_the_build_answers_lexically_and_says_so(
    tmp_path: Path, gated: GatedEmbedder
) -> None:
    service = demo_service(tmp_path)
    during = service.match(CHECK, wait=0)
    assert during.notes[0].startswith(LEXICAL) and "(0 of" not in during.notes[0]
    assert during.matches[0].case_id == "demo-ukraine-biolabs-2022"  # BM25 finds its words
    assert {r for m in during.matches for r in m.why.retrievers} <= {"bm25_title", "bm25_summary"}
    gated.gate.set()
    service.matchers.wait(30)
    after = service.match(CHECK, wait=0)
    assert not any(LEXICAL in note for note in after.notes)
    assert any(r.startswith("dense") for m in after.matches for r in m.why.retrievers)


def test_the_api_answers_during_the_build_with_a_note(tmp_path: Path, gated: GatedEmbedder) -> None:
    from fastapi.testclient import TestClient

    from disproof.api.app import create_app

    service = demo_service(tmp_path)
    with TestClient(create_app(service.settings, service=service)) as client:
        answer = client.post("/api/v1/match", json={"text": CHECK})
        assert answer.status_code == 200
        assert answer.json()["notes"][0].startswith(LEXICAL)
        page = client.post("/check", data={"text": CHECK})
        assert page.status_code == 200 and LEXICAL in page.text
        case = client.get("/cases/demo-ukraine-biolabs-2022")  # related cases: not blocked
        assert case.status_code == 200
        gated.gate.set()
        service.matchers.wait(30)
        assert not client.post("/api/v1/match", json={"text": CHECK}).json()["notes"]


def test_an_edit_during_a_rebuild_answers_from_the_previous_index(tmp_path: Path) -> None:
    release = threading.Event()
    built: list[object] = []

    class Stub:
        notes: list[str] = []

    def build(progress: object = None) -> Stub:
        if built:
            assert release.wait(30)
        built.append(Stub())
        return built[-1]  # type: ignore[return-value]

    cache = MatcherCache(build, lambda: "same", check_every=3600)  # type: ignore[arg-type]
    first = cache.get()
    cache.invalidate()
    during = cache.get(wait=0)
    assert during is not first and during.notes[0].startswith("index being updated")
    release.set()
    cache.wait(30)
    assert cache.get(wait=0) is built[1]


def test_the_lexical_note_says_how_far_the_build_is() -> None:
    from disproof.indexing import progress_text

    note = LEXICAL_NOTE.format(progress=progress_text(640, 14_302))
    assert note.startswith(LEXICAL) and note.endswith("(640 of 14,302 case texts encoded)")


def test_serve_starts_building_the_index_in_the_background(  # type: ignore[no-untyped-def]
    cli, fake_matching: object, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    started: list[Disproof] = []
    monkeypatch.setattr("disproof.api.serve.run", started.append)
    assert cli("import", str(demo_file())).code == 0
    served = cli("serve")
    assert served.code == 0 and len(started) == 1
    started[0].matchers.wait(30)
    said = served.err + capsys.readouterr().err  # the build goes on after start-up
    assert f"{BUILDING} (in the background; until it is ready" in said
    assert "match index ready: 86 case texts encoded" in said
    assert started[0].matchers.get(wait=0).embedder is not None  # the built one, not BM25


def test_a_failed_build_is_said_and_tried_again(tmp_path: Path, gated: GatedEmbedder) -> None:
    service = demo_service(tmp_path)
    broken = {"yes": True}
    encode = GatedEmbedder.encode_documents

    def flaky(self: GatedEmbedder, texts: Sequence[str], batch_size: int = 32) -> object:
        if broken["yes"]:
            raise RuntimeError("out of memory")
        return encode(self, texts, batch_size)

    gated.gate.set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GatedEmbedder, "encode_documents", flaky)
        service.matchers.start().join(30)
        failed = service.match(CHECK, wait=0)
        assert failed.notes[0].startswith("the match index could not be built (RuntimeError")
        broken["yes"] = False
        service.matchers.wait(30)  # the check above started another build (it may fail too)
        service.matchers.start().join(30)  # the next one, as the next check would
        assert not service.match(CHECK, wait=0).notes
