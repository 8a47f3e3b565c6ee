"""Clause splitting: two claims in one sentence become two spans, with exact offsets."""

from __future__ import annotations

import pytest

from disproof.text.clauses import claim_clauses, split_clauses

# Hand-written sentences: (language, sentence, the clauses expected).
SPLIT = [
    (
        "en",
        "The protests in Kazakhstan are a Western-organised colour revolution, and Ukraine is "
        "stacking military equipment in Donbas.",
        [
            "The protests in Kazakhstan are a Western-organised colour revolution",
            "Ukraine is stacking military equipment in Donbas.",
        ],
    ),
    (
        "en",
        "NATO expanded to the east because the West wants to encircle Russia.",
        ["NATO expanded to the east", "the West wants to encircle Russia."],
    ),
    (
        "en",
        "Kyiv shells the towns of Donbas every day; the observers look the other way.",
        ["Kyiv shells the towns of Donbas every day", "the observers look the other way."],
    ),
    (
        "en",
        "The West is arming Kyiv and NATO troops are preparing an attack on Donbas.",
        ["The West is arming Kyiv", "NATO troops are preparing an attack on Donbas."],
    ),
    (
        "ru",
        "Протесты в Казахстане организовал Запад, а Украина стягивает технику к Донбассу.",
        ["Протесты в Казахстане организовал Запад", "Украина стягивает технику к Донбассу."],
    ),
    (
        "uk",
        "Протести в Казахстані організував Захід, а Україна стягує техніку на Донбас.",
        ["Протести в Казахстані організував Захід", "Україна стягує техніку на Донбас."],
    ),
    (
        "de",
        "Die Proteste sind eine vom Westen organisierte Revolution, und die Ukraine stationiert "
        "schwere Waffen im Donbass.",
        [
            "Die Proteste sind eine vom Westen organisierte Revolution",
            "die Ukraine stationiert schwere Waffen im Donbass.",
        ],
    ),
    (
        "fr",
        "Les manifestations sont une révolution organisée par l'Occident, mais les médias le "
        "cachent au public.",
        [
            "Les manifestations sont une révolution organisée par l'Occident",
            "les médias le cachent au public.",
        ],
    ),
    (
        "it",
        "Le proteste sono una rivoluzione organizzata dall'Occidente, mentre l'Ucraina ammassa "
        "armi nel Donbass.",
        [
            "Le proteste sono una rivoluzione organizzata dall'Occidente",
            "l'Ucraina ammassa armi nel Donbass.",
        ],
    ),
    (
        "pl",
        "Protesty są rewolucją zorganizowaną przez Zachód, a Ukraina gromadzi sprzęt wojskowy "
        "w Donbasie.",
        [
            "Protesty są rewolucją zorganizowaną przez Zachód",
            "Ukraina gromadzi sprzęt wojskowy w Donbasie.",
        ],
    ),
    (
        "es",
        "Las protestas son una revolución organizada por Occidente, porque Washington quiere "
        "debilitar a Rusia.",
        [
            "Las protestas son una revolución organizada por Occidente",
            "Washington quiere debilitar a Rusia.",
        ],
    ),
]

WHOLE = [
    ("en", "Large parts of Donetsk and Luhansk were shelled in the spring of that year."),
    ("en", "What the Western media will not tell you about Ukraine"),
    ("en", "Bread and circuses, and nothing else."),
    # an -ing word after a bare "and" is as often a noun as a verb: no clause without another verb
    ("en", "Europeans are worried about the coming winter and the price of heating."),
    ("en", "The order after the war was bipolar, with the US and USSR vying for influence."),
    # the words after the conjunction share the first clause's subject
    ("en", "The ministry said imports had increased sharply and stopped exports in March."),
    ("en", "It was ordered by then President Ford, and was conducted at the end of the war."),
    # a bare "and" after a reporting verb joins the reported subject
    ("en", "Patrushev said Russia and China should deepen cooperation against the West."),
    ("en", "He insisted the US and its allies are modernising their nuclear deterrent."),
    ("ru", "Жители Донецка и Луганска были вынуждены покинуть свои дома."),
    ("de", "Die Ukraine und Moldau haben sich um die Mitgliedschaft beworben."),
    ("fr", "La France et l'Allemagne ont signé un accord sur les armes."),
]


@pytest.mark.parametrize(("language", "sentence", "expected"), SPLIT)
def test_a_compound_sentence_is_cut_into_its_clauses(
    language: str, sentence: str, expected: list[str]
) -> None:
    clauses = split_clauses(sentence, language)
    assert [c.text for c in clauses] == expected
    for clause in clauses:
        assert sentence[clause.start : clause.end] == clause.text


@pytest.mark.parametrize(("language", "sentence"), WHOLE)
def test_a_simple_sentence_or_a_list_of_names_stays_whole(language: str, sentence: str) -> None:
    assert [c.text for c in split_clauses(sentence, language)] == [sentence]


def test_offsets_are_shifted_into_the_document() -> None:
    document = "Intro text here. Kyiv lies to everyone, and the West pays for it all."
    start = document.index("Kyiv")
    clauses = split_clauses(document[start:], "en", offset=start)
    assert [document[c.start : c.end] for c in clauses] == [c.text for c in clauses]
    assert [c.text for c in clauses] == ["Kyiv lies to everyone", "the West pays for it all."]


def test_a_language_without_rules_comes_back_whole_and_trimmed() -> None:
    assert [c.text for c in split_clauses("  何か, and 何か  ", "ja")] == ["何か, and 何か"]
    assert split_clauses("   ", "en") == []


def test_a_short_claim_is_checked_clause_by_clause() -> None:
    text = "The protests are a Western-organised revolution, and Ukraine is stacking weapons."
    spans, long = claim_clauses(text)
    assert not long
    # the post whole first (a clause alone may lack what names its subject), then its clauses
    assert [text[s.start : s.end] for s in spans] == [
        text,
        "The protests are a Western-organised revolution",
        "Ukraine is stacking weapons.",
    ]
    assert ["clause" in s.reasons for s in spans] == [False, True, True]


def test_a_short_post_of_several_sentences_is_cut_inside_its_sentences() -> None:
    """A post short enough to be checked whole is still cut only inside each sentence: a cut
    at "and" must not make one piece of a sentence's end and the next one's start."""
    text = (
        "Our reporter was there for a week and talked to residents.\n"
        "The ministry is financing secret laboratories, and the army is hiding them. "
        "The weather was mild."
    )
    spans, long = claim_clauses(text)
    assert not long
    assert [text[s.start : s.end] for s in spans] == [
        text,
        "Our reporter was there for a week and talked to residents.",
        "The ministry is financing secret laboratories",
        "the army is hiding them.",
        "The weather was mild.",
    ]
    # without a cut, a short post stays one span, as before
    whole = "The ministry finances secret laboratories. Nobody checks them."
    assert [s.text for s in claim_clauses(whole)[0]] == [whole]


def test_hostile_sentences_are_split_in_linear_time() -> None:
    import time

    hostile = [
        "a" + " " * 1_990 + "b",
        "a" + " " * 1_500 + ", " + " " * 400 + "because b",
        "x and " * 330,
        " ;" * 900,
        "Kyiv is bad, and " * 110,
        "z" * 10 + " " * 100_000 + "and the West pays for it all",
    ]
    start = time.perf_counter()
    for text in hostile:
        for language in ("en", "ru", "de"):
            for clause in split_clauses(text, language):
                assert text[clause.start : clause.end] == clause.text
    assert time.perf_counter() - start < 5.0
