"""The 23 persuasion techniques of SemEval-2023 Task 3, in the project's own words.

Names are exactly the labels of the task's data (and of ``--jsonl`` output); the display names and
one-line definitions are written for people reading a highlighted text, not copied from the
task's guidelines.
"""

from __future__ import annotations

from dataclasses import dataclass

from disproof.errors import DisproofError


@dataclass(frozen=True)
class Technique:
    """One technique: its label, the name people see, its family and what it means."""

    name: str
    display: str
    category: str
    definition: str


_ATTACK = "Attack on reputation"
_JUSTIFY = "Justification"
_DISTRACT = "Distraction"
_SIMPLIFY = "Simplification"
_CALL = "Call"
_WORDING = "Manipulative wording"

#: In the task's order (grouped by category).
TECHNIQUES: tuple[Technique, ...] = (
    Technique("Name_Calling-Labeling", "Name calling", _ATTACK,
              "Pins a loaded label on someone so the label does the arguing."),
    Technique("Guilt_by_Association", "Guilt by association", _ATTACK,
              "Discredits a target by tying it to something the reader already rejects."),
    Technique("Doubt", "Casting doubt", _ATTACK,
              "Undermines trust in a person or institution without showing they are wrong."),
    Technique("Appeal_to_Hypocrisy", "Appeal to hypocrisy", _ATTACK,
              "Answers an argument by accusing its author of inconsistency."),
    Technique("Questioning_the_Reputation", "Questioning the reputation", _ATTACK,
              "Attacks a person's character or record instead of what they say."),
    Technique("Flag_Waving", "Flag-waving", _JUSTIFY,
              "Justifies a stance by appeal to national or group pride and loyalty."),
    Technique("Appeal_to_Authority", "Appeal to authority", _JUSTIFY,
              "Treats a claim as settled because some authority is said to back it."),
    Technique("Appeal_to_Popularity", "Appeal to popularity", _JUSTIFY,
              "Says a view is right because many people (or 'everyone') hold it."),
    Technique("Appeal_to_Values", "Appeal to values", _JUSTIFY,
              "Leans on revered values (freedom, tradition, faith) in place of reasons."),
    Technique("Appeal_to_Fear-Prejudice", "Appeal to fear or prejudice", _JUSTIFY,
              "Pushes a view by stirring fear of a threat or prejudice against a group."),
    Technique("Straw_Man", "Straw man", _DISTRACT,
              "Refutes a distorted version of an opponent's position rather than the real one."),
    Technique("Red_Herring", "Red herring", _DISTRACT,
              "Steers attention to an unrelated topic to avoid the question at hand."),
    Technique("Whataboutism", "Whataboutism", _DISTRACT,
              "Deflects criticism by pointing to the critic's or someone else's misdeeds."),
    Technique("Causal_Oversimplification", "Causal oversimplification", _SIMPLIFY,
              "Blames a complex outcome on a single cause."),
    Technique("False_Dilemma-No_Choice", "False dilemma", _SIMPLIFY,
              "Presents two options (or one) as the only ones possible."),
    Technique("Consequential_Oversimplification", "Slippery slope", _SIMPLIFY,
              "Claims one step will set off a chain of extreme consequences."),
    Technique("Slogans", "Slogan", _CALL,
              "A short catchy phrase that stands in for an argument."),
    Technique("Conversation_Killer", "Thought-terminating cliché", _CALL,
              "A stock phrase that shuts down discussion instead of answering it."),
    Technique("Appeal_to_Time", "Appeal to time", _CALL,
              "Urges action because 'now' is supposedly the decisive moment."),
    Technique("Loaded_Language", "Loaded language", _WORDING,
              "Emotionally charged words chosen to sway rather than to describe."),
    Technique("Obfuscation-Vagueness-Confusion", "Obfuscation", _WORDING,
              "Deliberately vague or confusing wording that lets readers infer what they like."),
    Technique("Exaggeration-Minimisation", "Exaggeration or minimisation", _WORDING,
              "Makes something look much bigger or much smaller than it is."),
    Technique("Repetition", "Repetition", _WORDING,
              "Repeats a word or phrase so that it sticks."),
)  # fmt: skip

NAMES: tuple[str, ...] = tuple(t.name for t in TECHNIQUES)
_BY_NAME = {t.name: t for t in TECHNIQUES}


def technique_info(name: str) -> Technique:
    """The technique labelled ``name`` (as in the task's data); a clear error for another name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise DisproofError(f"unknown persuasion technique {name!r}") from None
