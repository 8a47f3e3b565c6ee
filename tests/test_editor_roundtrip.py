"""The web editor changes nothing nobody edited (issue 15, item 4).

Property tests over generated cases full of what case text contains — commas, pipes, line
breaks, quotes, markup, right-to-left and combining characters, emoji: load the editor, submit
the form as a browser would (``tests.webform`` parses the rendered HTML), and

- unchanged, the stored case is byte-identical (and no new version is made);
- with only the rating changed, every other field is as it was;
- with a keyword, an appearance and an evidence link added (so those fields are parsed back
  from what the page showed, not kept as stored), the old values are all still there, exact
  (an evidence URL stored as "" stays "", an appearance with nothing in it stays, in its place).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disproof.api.app import create_app
from disproof.auth import Role
from disproof.models import Appearance, Case, CaseCreate, CasePublic, CaseUpdate, Link
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import cases as cases_table
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases, sign_in_cookie
from tests.webform import as_data, browser_form, replace

#: Pieces of hostile text; a generated value is a few of them joined.
PIECES = [
    "Kyiv",
    ", ",
    ",",
    "|",
    " | ",
    "<script>alert(1)</script>",
    "&amp;",
    '"',
    "'",
    "\t",
    "é",
    "e\u0301",
    "Жовтень",
    "بيان",
    "🙂",
    "\u202e",
    ";",
    "  ",
    "\\",
    "{{ 1 }}",
    "%0a",
    "https://x.example/a?b=1|2,3",
    "NATO",
    "nato",
]
NEWLINE = ["\n", "\n\n", " \n "]
NARRATIVES = ["nato-aggression", "decadent-west", "not|a,known id"]
LANGUAGES = ["ru", "Russian", "de", "Klingon, maybe"]
COUNTRIES = ["UA", "Ukraine", "The West", "Kyiv, Ukraine"]


def text(newlines: bool, min_size: int = 0) -> st.SearchStrategy[str]:
    pieces = st.sampled_from(PIECES + (NEWLINE if newlines else []))
    return st.lists(pieces, min_size=min_size, max_size=6).map("".join)


def items(newlines: bool, extra: list[str] | None = None) -> st.SearchStrategy[list[str]]:
    one = text(newlines, 1) | st.sampled_from(extra) if extra else text(newlines, 1)
    return st.lists(one, max_size=4)


def dates() -> st.SearchStrategy[dt.date | None]:
    return st.none() | st.dates(dt.date(1000, 1, 1), dt.date(9998, 12, 31))


def case_data(newlines: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A case as an editor would find it; ``newlines``: line breaks inside one-line values too
    (which only ever come from imports)."""
    line = text(newlines)
    return st.fixed_dictionaries(
        {
            "title": text(newlines, 1),
            "summary": text(True),
            "disproof": text(True),
            "date": dates(),
            "appearances": st.lists(
                st.fixed_dictionaries(
                    {"outlet": line, "url": line, "archive_url": line, "date": dates()},
                    optional={"language": st.sampled_from(LANGUAGES)},
                ),
                max_size=3,
            ),
            "keywords": items(newlines),
            "countries": items(newlines, COUNTRIES),
            "languages": items(newlines, LANGUAGES),
            "narratives": st.lists(st.sampled_from(NARRATIVES), max_size=3, unique=True),
            "related": items(newlines),
            "evidence": st.lists(
                st.fixed_dictionaries({"url": text(newlines, 1), "title": line}), max_size=3
            ),
            "rating": line,
            "reviewed_by": line,
            "source": st.just({"dataset": "generated", "record": "x|y, z"}),
            "extra": st.just({"kept": "as it is"}),
        }
    )


class Site:
    def __init__(self, client: TestClient, service: Disproof) -> None:
        self.client = client
        self.service = service
        self.ids = itertools.count()

    def add(self, data: dict[str, Any]) -> CasePublic | None:
        """Store a generated case (None when the models refuse it, e.g. a title of only
        spaces), as an import or the API would."""
        data = {**data, "id": f"https://example.org/report/case-{next(self.ids)}/"}
        try:
            return self.service.create_case(CaseCreate.model_validate(data), "seed")
        except ValueError:
            return None

    def doc(self, case_id: str) -> str:
        with self.service.store.engine.connect() as connection:
            query = sa.select(sa.cast(cases_table.c.doc, sa.Text)).where(
                cases_table.c.id == case_id
            )
            return str(connection.execute(query).scalar_one())

    def form(self, case_id: str) -> list[tuple[str, str]]:
        page = self.client.get(self.edit(case_id))
        assert page.status_code == 200
        return browser_form(page.text)

    def save(self, case_id: str, fields: list[tuple[str, str]]) -> None:
        saved = self.client.post(self.edit(case_id), data=as_data(fields))
        assert saved.status_code == 303, saved.text[:3000]

    @staticmethod
    def edit(case_id: str) -> str:
        return f"/cases/{quote(case_id, safe='')}/edit"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with pytest.MonkeyPatch.context() as patch:
        embedder = FakeEmbedder()
        patch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
        patch.setattr(
            "disproof.match.calibration.calibration_for", lambda model_id: FAKE_CALIBRATION
        )
        settings_ = Settings(db=str(tmp_path_factory.mktemp("editor") / "editor.db"))
        service = Disproof.open(settings_)
        app = create_app(settings_, service=service)
        with TestClient(app, follow_redirects=False) as client:
            sign_in_cookie(client, service.tokens.create("editor", Role.editor))
            yield Site(client, service)


#: Random examples on every run (``EDITOR_EXAMPLES=N`` runs more of them). They were
#: derandomized while random runs found a counterexample one run in three; those are fixed and
#: kept as tests of their own below.
EXAMPLES = settings(
    max_examples=int(os.environ.get("EDITOR_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@EXAMPLES
@given(data=case_data(newlines=True))
def test_saving_the_editor_unchanged_changes_nothing(site: Site, data: dict[str, Any]) -> None:
    case = site.add(data)
    if case is None:
        return
    before = site.doc(case.id)
    site.save(case.id, site.form(case.id))
    assert site.doc(case.id) == before
    assert site.service.get_public(case.id).version == case.version


@EXAMPLES
@given(data=case_data(newlines=True))
def test_changing_the_rating_changes_only_the_rating(site: Site, data: dict[str, Any]) -> None:
    case = site.add(data)
    if case is None:
        return
    site.save(case.id, replace(site.form(case.id), "rating", "Changed, | only this"))
    after = site.service.get_public(case.id)
    assert after.rating == "Changed, | only this"
    assert after.content() | {"rating": None} == case.content() | {"rating": None}


def _append(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """Add a line to the textarea ``name``."""
    old = dict(fields)[name]
    return replace(fields, name, f"{old}\r\n{value}" if old else value)


def _fill_blank_row(fields: list[tuple[str, str]], row: dict[str, str]) -> list[tuple[str, str]]:
    """Type ``row`` into the first blank row of its inputs (``outlets_url`` …)."""
    group = next(iter(row)).split("_", 1)[0] + "_"
    columns: dict[str, list[str]] = {}
    for key, value in fields:
        if key.startswith(group):
            columns.setdefault(key, []).append(value)
    size = len(next(iter(columns.values())))
    blank = next(i for i in range(size) if not any(c[i].strip() for c in columns.values()))
    seen: Counter[str] = Counter()
    out = []
    for key, value in fields:
        if key in columns:
            if seen[key] == blank and key in row:
                value = row[key]
            seen[key] += 1
        out.append((key, value))
    return out


@EXAMPLES
@given(data=case_data(newlines=False))
def test_lists_and_rows_are_parsed_back_exactly(site: Site, data: dict[str, Any]) -> None:
    case = site.add(data)
    if case is None:
        return
    fields = _append(site.form(case.id), "keywords", "Added, with a comma")
    fields = _append(fields, "related", "another|case, id")
    fields = _fill_blank_row(
        fields, {"outlets_outlet": "New | outlet", "outlets_url": "https://n.example/?a=1|2"}
    )
    fields = _fill_blank_row(
        fields, {"evidence_url": "https://e.example/x|y", "evidence_title": "A, b"}
    )
    site.save(case.id, fields)
    after = site.service.get_public(case.id)
    assert after.keywords[: len(case.keywords)] == case.keywords
    assert after.keywords[len(case.keywords) :] in (["Added, with a comma"], [])  # [] if a dup
    assert (
        after.related == [*case.related, "another|case, id"] or "another|case, id" in case.related
    )
    new_appearance = Appearance(outlet="New | outlet", url="https://n.example/?a=1|2")
    assert after.appearances == [*case.appearances, new_appearance]
    assert after.evidence == [*case.evidence, Link(url="https://e.example/x|y", title="A, b")]
    same = {"title", "summary", "disproof", "date", "countries", "languages", "narratives"}
    assert {k: v for k, v in after.content().items() if k in same} == {
        k: v for k, v in case.content().items() if k in same
    }


def test_the_issue_example_kyiv_ukraine_keeps_its_comma(site: Site) -> None:
    case = site.add(
        {
            "title": "A claim about Kyiv",
            "keywords": ["Kyiv, Ukraine"],
            "evidence": [{"url": "https://e.example/a|b", "title": "Evidence"}],
            "appearances": [{"outlet": "Outlet | One", "url": "https://o.example/?x=1|2"}],
        }
    )
    assert case is not None
    site.save(case.id, replace(site.form(case.id), "rating", "Disinformation"))
    after = site.service.get_public(case.id)
    assert after.keywords == ["Kyiv, Ukraine"] and after.rating == "Disinformation"
    assert after.evidence == case.evidence and after.appearances == case.appearances
    # and an outlet or URL with "|" typed into the form saves (it was a 422 "… is not a date")
    fields = _fill_blank_row(
        site.form(case.id), {"outlets_outlet": "A | B", "outlets_url": "https://x.example/|"}
    )
    site.save(case.id, fields)
    assert site.service.get_public(case.id).appearances[-1].outlet == "A | B"


def test_an_edit_respells_only_the_keywords_it_adds(site: Site) -> None:
    """Keywords take the database's spelling when added; an edit of another field re-spelled
    the case's own ("nato" became "NATO" when only the rating changed)."""
    add_cases(
        site.service,
        Case(id="spelled-a", title="First", keywords=["NATO", "Gas"]),
        Case(id="spelled-b", title="Second", keywords=["nato"]),
    )
    rated = site.service.update_case("spelled-b", CaseUpdate(rating="False"), "ed")
    assert rated.keywords == ["nato"]
    added = site.service.update_case("spelled-b", CaseUpdate(keywords=["nato", "gas"]), "ed")
    assert added.keywords == ["nato", "Gas"]


def _set_row(
    fields: list[tuple[str, str]], number: int, row: dict[str, str]
) -> list[tuple[str, str]]:
    """Type ``row`` into row ``number`` (1, 2 …) of its inputs, replacing what they show."""
    seen: Counter[str] = Counter()
    out = []
    for key, value in fields:
        if key in row:
            seen[key] += 1
            if seen[key] == number:
                value = row[key]
        out.append((key, value))
    return out


# Counterexamples the property tests found, each kept as a test of its own.


def test_an_evidence_url_stored_empty_stays_empty_when_links_are_edited(site: Site) -> None:
    """An evidence link stored with URL "" came back with no URL (None) from an edit that
    added a link: the form shows both as an empty input, and parsed the row again."""
    case = site.add({"title": "Empty URL", "evidence": [{"url": " ", "title": "Kyiv"}]})
    assert case is not None and case.evidence == [Link(url="", title="Kyiv")]
    new = {"evidence_url": "https://e.example/new", "evidence_title": ""}
    site.save(case.id, _fill_blank_row(site.form(case.id), new))
    after = site.service.get_public(case.id)
    assert after.evidence == [Link(url="", title="Kyiv"), Link(url="https://e.example/new")]
    # a change to the link's title keeps the URL nobody changed
    site.save(case.id, _set_row(site.form(case.id), 1, {"evidence_title": "Kyiv, again"}))
    assert site.service.get_public(case.id).evidence[0] == Link(url="", title="Kyiv, again")


def test_an_empty_appearance_keeps_its_place_when_an_outlet_is_added(site: Site) -> None:
    """An appearance with nothing in it shows as a blank row: the new outlet went into that
    row, before the others, and the empty appearance was gone (seen as an appearance lost)."""
    case = site.add({"title": "Empty appearance", "appearances": [{}, {"archive_url": "Kyiv"}]})
    assert case is not None and case.appearances == [Appearance(), Appearance(archive_url="Kyiv")]
    new = {"outlets_outlet": "New", "outlets_url": "https://n.example/"}
    site.save(case.id, _fill_blank_row(site.form(case.id), new))
    after = site.service.get_public(case.id)
    assert after.appearances == [
        *case.appearances,
        Appearance(outlet="New", url=new["outlets_url"]),
    ]


def test_a_row_typed_into_edits_its_item_and_an_emptied_row_removes_it(site: Site) -> None:
    case = site.add(
        {"title": "Rows", "appearances": [{}, {"outlet": "Gone", "language": "ru"}, {"url": "u"}]}
    )
    assert case is not None
    fields = _set_row(site.form(case.id), 1, {"outlets_outlet": "Typed into the empty row"})
    fields = _set_row(fields, 2, {"outlets_outlet": "", "outlets_language": ""})
    site.save(case.id, fields)
    assert site.service.get_public(case.id).appearances == [
        Appearance(outlet="Typed into the empty row"),
        Appearance(url="u"),
    ]


@pytest.mark.parametrize("number", ["0", "4", "-1", "1.0", "١", "9" * 5000, "x"])
def test_a_row_naming_no_stored_item_is_a_new_row(site: Site, number: str) -> None:
    """The hidden item number is posted back by the client: one naming no stored item makes
    its row a new appearance (or nothing, when blank), never an error or a stored item."""
    case = site.add({"title": "Item numbers", "appearances": [{"outlet": "A"}]})
    assert case is not None
    fields = _set_row(site.form(case.id), 2, {"outlets_item": number, "outlets_outlet": "B"})
    fields = _set_row(fields, 3, {"outlets_item": number})
    site.save(case.id, fields)
    after = site.service.get_public(case.id).appearances
    assert after == [Appearance(outlet="A"), Appearance(outlet="B")]


def test_an_appearance_text_survives_edits_of_its_row(site: Site) -> None:
    """The editor has no input for an appearance's text (a quote): a row typed into keeps it,
    as does a row only shown (even one with nothing else in it)."""
    quote = "Die Krim ist freiwillig beigetreten"
    case = site.add(
        {
            "title": "Quoted",
            "appearances": [{"outlet": "RT DE", "text": quote}, {"text": "only a quote"}],
        }
    )
    assert case is not None
    site.save(case.id, _set_row(site.form(case.id), 1, {"outlets_language": "de"}))
    after = site.service.get_public(case.id).appearances
    assert after == [
        Appearance(outlet="RT DE", language="de", text=quote),
        Appearance(text="only a quote"),
    ]
