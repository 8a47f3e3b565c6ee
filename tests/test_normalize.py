"""Tests for disproof.normalize: countries, languages, keywords and lists."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disproof.normalize import (
    country_name,
    is_known_country,
    is_known_language,
    keyword_key,
    language_name,
    normalize_country,
    normalize_keyword,
    normalize_language,
    split_list,
)

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "euvsdisinfo"

# Values of the EUvsDisinfo "origin" column that are keywords typed into the wrong column,
# not places; they stay unknown on purpose (see scripts/build_vocab.py).
NON_PLACES = {"Al-Qaeda", "Daesh", "David Icke", "Erdogan", "Islam"}


def _vocab(name: str) -> dict[str, Any]:
    text = resources.files("disproof.data.vocab").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


# --------------------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("czech republic ", "CZ"),
        ("  CZECH\u00a0  republic", "CZ"),
        ("Česko", "CZ"),
        ("USA", "US"),
        ("US", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("America", "US"),
        ("США", "US"),
        ("UK", "GB"),
        ("Great Britain", "GB"),
        ("Britain", "GB"),
        ("United Kingdom", "GB"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("Россия", "RU"),
        ("Russland", "RU"),
        ("Ukraine", "UA"),
        ("Украина", "UA"),
        ("україна", "UA"),
        ("Moldova", "MD"),
        ("Republic of Moldova", "MD"),
        ("Молдавия", "MD"),
        ("Belarus", "BY"),
        ("Белоруссия", "BY"),
        ("Syria", "SY"),
        ("Syrian Arab Republic", "SY"),
        ("Iran", "IR"),
        ("North Macedonia", "MK"),
        ("Macedonia", "MK"),
        ("FYROM", "MK"),
        ("Kosovo", "XK"),
        ("Vatican", "VA"),
        ("The Vatican", "VA"),
        ("Holy See", "VA"),
        ("Palestine", "PS"),
        ("South Korea", "KR"),
        ("North Korea", "KP"),
        ("Venezuela", "VE"),
        ("Bolivia", "BO"),
        ("Taiwan", "TW"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("turkiye", "TR"),
        ("The Netherlands", "NL"),
        ("Kirgizstan", "KG"),
        ("Myanmar/Burma", "MM"),
        ("Bosnia & Herzegovina", "BA"),
        ("Côte d\u2019Ivoire", "CI"),
        ("Georgia", "GE"),
        ("Грузия", "GE"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("de", "DE"),
        ("ua", "UA"),
        ("The West", "The West"),
        ("the west", "The West"),
        ("West", "The West"),
        ("EU", "EU"),
        ("European Union", "EU"),
        ("Евросоюз", "EU"),
        ("NATO", "NATO"),
        ("Baltic states", "Baltic states"),
        ("Baltics", "Baltic states"),
        ("Crimea", "Crimea"),
        ("Крым", "Crimea"),
        ("Donbass", "Donbas"),
        ("Transnistria", "Transnistria"),
        ("Georgian region of Abkhazia", "Abkhazia"),
        ("Georgian region of South Ossetia", "South Ossetia"),
        ("Nagorno Karabakh", "Nagorno-Karabakh"),
        ("Soviet Union", "USSR"),
        ("GDR", "GDR"),
        ("Austria-Hungary", "Austria-Hungary"),
        ("Middle East and Africa", "Middle East and Africa"),
        ("Worldwide", "Worldwide"),
    ],
)
def test_normalize_country(value: str, expected: str) -> None:
    assert normalize_country(value) == expected
    assert is_known_country(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Atlantis", "Atlantis"),
        ("  New   Atlantis ", "New Atlantis"),
        ("Al-Qaeda", "Al-Qaeda"),
        ("", ""),
        ("   ", ""),
        ("and", "and"),  # alpha-3 codes that are English words are not aliases
    ],
)
def test_unknown_country_is_preserved(value: str, expected: str) -> None:
    assert normalize_country(value) == expected
    assert not is_known_country(value)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("UA", "Ukraine"),
        ("CZ", "Czech Republic"),
        ("GB", "UK"),
        ("US", "US"),
        ("XK", "Kosovo"),
        ("The West", "The West"),
        ("Crimea", "Crimea"),
        ("ua", "Ukraine"),
        ("ZZ", "ZZ"),
        ("Atlantis", "Atlantis"),
    ],
)
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Русский", "ru"),
        ("russian", "ru"),
        ("Russian", "ru"),
        ("RUSSIAN ", "ru"),
        ("Russisch", "ru"),
        ("rus", "ru"),
        ("ru", "ru"),
        ("Ukrainian", "uk"),
        ("Українська", "uk"),
        ("Spanish", "es"),
        ("Castilian", "es"),
        ("Español", "es"),
        ("Moldavian", "ro"),
        ("Moldovan", "ro"),
        ("Flemish", "nl"),
        ("Dutch", "nl"),
        ("Farsi", "fa"),
        ("Persian", "fa"),
        ("Serbo-Croatian", "sh"),
        ("Montenegrin", "cnr"),
        ("Bosnian", "bs"),
        ("Greek", "el"),
        ("Abkhazian", "ab"),
        ("Português (Brazil)", "pt"),
        ("Latin", "la"),
        ("Georgian", "ka"),
        ("ქართული", "ka"),
        ("Azerbaijani", "az"),
        # a country name given as a language -> the country's main language
        ("Spain", "es"),
        ("Bulgaria", "bg"),
        ("Lithuania", "lt"),
        ("Moldova", "ro"),
        ("Romania", "ro"),
        ("Serbia", "sr"),
        ("Germany", "de"),
        ("Venezuela", "es"),
        ("Belarus", "ru"),
        ("Georgia", "ka"),
        ("Ukraine", "uk"),
        ("Montenegro", "cnr"),
    ],
)
def test_normalize_language(value: str, expected: str) -> None:
    assert normalize_language(value) == expected
    assert is_known_language(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Klingon", "Klingon"), ("  High  Valyrian ", "High Valyrian"), ("Europe", "Europe")],
)
def test_unknown_language_is_preserved(value: str, expected: str) -> None:
    assert normalize_language(value) == expected
    assert not is_known_language(value)


@pytest.mark.parametrize(
    ("code", "name"),
    [("ru", "Russian"), ("el", "Greek"), ("cnr", "Montenegrin"), ("xx", "xx"), ("RU", "Russian")],
)
def test_language_name(code: str, name: str) -> None:
    assert language_name(code) == name


# --------------------------------------------------------------------------- tables


def test_every_table_entry_round_trips() -> None:
    countries = _vocab("countries.json")
    for section in ("countries", "regions"):
        for canonical, entry in countries[section].items():
            for value in (canonical, entry["name"], *entry["aliases"]):
                assert normalize_country(value) == canonical, value
    languages = _vocab("languages.json")
    for code, entry in languages["languages"].items():
        for value in (code, entry["name"], *entry["aliases"]):
            assert normalize_language(value) == code, value


def test_tables_are_consistent() -> None:
    countries = _vocab("countries.json")
    languages = _vocab("languages.json")
    assert countries["version"] == languages["version"] == 1
    assert len(countries["countries"]) >= 249
    assert all(len(code) == 2 and code.isupper() for code in countries["countries"])
    for country, language in languages["country_languages"].items():
        assert country in countries["countries"], country
        assert language in languages["languages"], language


# --------------------------------------------------------------------------- keywords


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Russophobia ", "Russophobia"),
        ("Russia\u2019s  \u201cwar\u201d \u2014 lies.", 'Russia\'s "war" - lies'),
        ("Russo\u2013Georgian War", "Russo-Georgian War"),
        ("Nazi Ukraine!!", "Nazi Ukraine"),
        ("Hello...", "Hello"),
        ("U.S.", "U.S."),
        ("Washington D.C.", "Washington D.C."),
        (", Sanctions;", "Sanctions"),
        ("Cre\u0300me", "Cr\u00e8me"),  # NFC
        ("zero\u200bwidth", "zerowidth"),
        ("MH17", "MH17"),
    ],
)
def test_normalize_keyword(value: str, expected: str) -> None:
    assert normalize_keyword(value) == expected


def test_keyword_key() -> None:
    assert keyword_key("Crème brûlée") == keyword_key("CREME BRULEE") == "creme brulee"
    assert keyword_key("Russia\u2019s war.") == keyword_key("russia's WAR") == "russia's war"
    assert keyword_key("Straße") == keyword_key("STRASSE")
    assert keyword_key("Ёлка") == keyword_key("елка")


@pytest.mark.parametrize(
    ("value", "separators", "expected"),
    [
        ("Russia, The West, Ukraine", ",", ["Russia", "The West", "Ukraine"]),
        ("Spanish+Castilian", "+", ["Spanish", "Castilian"]),
        ("a, b;c , ,", ",;", ["a", "b", "c"]),
        ("Russia, russia ,RUSSIA", ",", ["Russia"]),
        ("Crème, creme", ",", ["Crème"]),
        ("  spaced   out  ", ",", ["spaced out"]),
        ("a+b", "", ["a+b"]),
        ("a]b^c-d\\e", "]^-\\", ["a", "b", "c", "d", "e"]),
        ("", ",", []),
    ],
)
def test_split_list(value: str, separators: str, expected: list[str]) -> None:
    assert split_list(value, separators) == expected


# --------------------------------------------------------------------------- properties

# Text that hits the interesting code paths: letters in several scripts, accents,
# whitespace, typographic quotes and dashes and punctuation.
_ALPHABET = "abcUSAeéÉiİıßſ ёЁйЙ\u0301\u0308\u0345¯ǅ \t\u00a0\u200b"
_ALPHABET += ".,;:!?+-\u2013\u2014'\u2019\"\u201c&()/"
_interesting = st.text(st.sampled_from(list(_ALPHABET)), max_size=30)
_texts = st.one_of(st.text(max_size=40), _interesting)


@given(_texts)
def test_normalize_country_is_idempotent(value: str) -> None:
    once = normalize_country(value)
    assert normalize_country(once) == once
    assert is_known_country(once) == is_known_country(value)


@given(_texts)
def test_normalize_language_is_idempotent(value: str) -> None:
    once = normalize_language(value)
    assert normalize_language(once) == once
    assert is_known_language(once) == is_known_language(value)


@given(_texts)
def test_normalize_keyword_is_idempotent(value: str) -> None:
    once = normalize_keyword(value)
    assert normalize_keyword(once) == once
    assert keyword_key(once) == keyword_key(value)


@given(_texts)
def test_display_names_never_raise(value: str) -> None:
    assert isinstance(country_name(value), str)
    assert isinstance(language_name(value), str)


@given(_texts)
def test_keyword_key_is_idempotent_and_casefold_insensitive(value: str) -> None:
    key = keyword_key(value)
    assert keyword_key(key) == key
    assert keyword_key(value.casefold()) == key


@given(st.text(st.sampled_from(list("aAbBéÉöÖ жЖ")), max_size=20))
def test_keyword_key_ignores_case(value: str) -> None:
    assert keyword_key(value.upper()) == keyword_key(value.lower()) == keyword_key(value)


@given(_texts, st.text(",;+|/", min_size=1, max_size=3))
def test_split_list_items_are_clean_and_unique(value: str, separators: str) -> None:
    items = split_list(value, separators)
    assert all(item and item == " ".join(item.split()) for item in items)
    assert all(not set(item) & set(separators) for item in items)
    keys = [keyword_key(item) for item in items]
    assert len(keys) == len(set(keys))
    assert split_list(separators[0].join(items), separators) == items


# --------------------------------------------------------------------------- real data


def _reference_values() -> tuple[set[str], set[str]]:
    countries: set[str] = set()
    languages: set[str] = set()
    countries.update(json.loads((DATA_DIR / "vocab" / "countryregion_codes.json").read_text()))
    languages.update(json.loads((DATA_DIR / "vocab" / "language_codes.json").read_text()))
    with (DATA_DIR / "cases_2015_2017.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            countries.update(split_list(row["origin"], ","))
            languages.update(split_list(row["language"], ","))
    with (DATA_DIR / "case_index_2015_2019.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            countries.update(split_list(row["countries"], "+"))
            languages.update(split_list(row["languages"], "+"))
    return countries, languages


@pytest.mark.slow
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="EUvsDisinfo reference data not available")
def test_every_reference_name_is_known() -> None:
    countries, languages = _reference_values()
    assert len(countries) > 100
    assert len(languages) > 30
    unknown_countries = sorted(v for v in countries - NON_PLACES if not is_known_country(v))
    unknown_languages = sorted(v for v in languages if not is_known_language(v))
    assert unknown_countries == []
    assert unknown_languages == []
