"""Seeded synthetic statements for scale benchmarks (never for model quality claims).

`generate(n, seed)` returns a DataFrame with `text` and `label`: diplomatic-sounding
sentences built from templates × vocabulary lists, 15–35 words long, in a
45/27/28 neutral/warning/threat mix, with 3% of labels redrawn at random
(so no model scores a perfect 1.0). The same (n, seed) always gives the same table,
and the first rows of a larger table are those of a smaller one drawn
with the same seed (rows are drawn in seeded blocks of 50,000).

Names of states, people, places and cities come from the hand-written lists followed by
tens of thousands of made-up names (a fixed seed, so the same for every table), drawn with
Zipf-like frequencies: a few names are everywhere, most are rare, as in news text. With the
hand-written lists alone the whole table had ~530 distinct words, so at a million rows
statements matching in most slots were common by chance: the near-duplicate join saw 12,942
pairs and 256M candidate pairs at 100k rows (growing with the square of the rows), which no
real collection of a million statements has. Genuine near-duplicates are kept on purpose:
3% of the rows are wire copies, an earlier row of the same block with one or two words
replaced (a name, a figure), so the split's near-duplicate rule still has work to do.

    python benchmarks/synth.py --n 100000 --out benchmarks/.cache/synth-100000.csv
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ("neutral", "warning", "threat")
SHARES = (0.45, 0.27, 0.28)
MIN_WORDS, MAX_WORDS = 15, 35
NOISE = 0.03  # share of rows whose label is redrawn at random
COPY_SHARE = 0.03  # share of rows that are near-copies of an earlier row (wire copies)
_BLOCK = 50_000
_NAMES_SEED = 20_261_204  # the made-up names are the same whatever the table's seed

STATES = (
    "Borovia", "Hestria", "Zarovia", "Keldor", "Dunmark", "Varkesh", "Iskarra", "Quarran", "Gravonia", "Calderra",
    "Ostheim", "Westmarch", "Lunaria", "Marovia", "Pelagia", "Solenne", "Tessaly", "Norvand", "Aldora", "Brisca",
    "Corvath", "Draskor", "Elvania", "Fennmoor", "Galdria", "Halvenia", "Istrova", "Jorvik", "Kestrel", "Lordania",
    "Mirovia", "Nastra", "Orlenia", "Pravda Coast", "Ruthenia Minor", "Selvaria", "Tornholm", "Uskaria", "Valdora",
    "Wendmark",
)  # fmt: skip
SPEAKERS = (
    "The foreign ministry of {state}", "{state}'s defence minister", "A spokesperson for the {state} government",
    "The president of {state}", "{state}'s ambassador to the Continental Security Organisation",
    "The prime minister of {state}", "A senior {state} military official", "The {state} navy",
    "{state}'s deputy foreign minister", "The chief of the {state} general staff", "{state}'s interior ministry",
    "A {state} government source", "The {state} security council", "{state}'s permanent representative",
    "{state}'s foreign minister {person}", "Defence Minister {person} of {state}", "{state} presidential aide {person}",
    "{person}, a spokesperson for the {state} foreign ministry",
)  # fmt: skip
FIRST = (
    "Katrin", "Oren", "Mirela", "Aldo", "Liv", "Tomas", "Maren", "Ivo", "Elena", "Pavel", "Ines", "Jonas", "Sabine",
    "Rurik", "Amara", "Dario", "Helka", "Bogdan", "Tamsin", "Viktor", "Noor", "Anselm", "Petra", "Goran",
)  # fmt: skip
LAST = (
    "Lowe", "Saltz", "Dastin", "Fennick", "Moren", "Quell", "Volk", "Rask", "Varga", "Holm", "Ostrova", "Brandt",
    "Kessler", "Mirov", "Daal", "Sorensen", "Talvik", "Aranda", "Ekberg", "Petrescu", "Lind", "Zorin",
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)  # fmt: skip
WHEN = (
    "on Monday", "on Tuesday", "on Wednesday", "late on Thursday", "on Friday", "over the weekend",
    "in a televised address", "at a press briefing", "in a written statement", "at a news conference",
    "during a visit to the border region", "after a cabinet meeting", "in an interview with state television",
    "at the close of the summit", "in remarks to parliament", "on {day} {month}", "late on {day} {month}",
    "during a visit to {city}", "at a press briefing in {city}", "on {day} {month} in {city}",
)  # fmt: skip
PLACES = (
    "the northern border", "the Selm peninsula", "Cape Marrow", "the Elsa valley", "the Lessa crossing",
    "the disputed islands", "the western districts", "the Blue Current strait", "the coastal shipping lanes",
    "the demilitarised zone", "the mountain passes", "the eastern airspace",
)  # fmt: skip
TOPICS = (
    "the naval drills near {place}", "the new gas pipeline", "the tariff increase on steel imports",
    "the deployment of missile batteries near {place}", "the expulsion of two diplomats",
    "the fishing quota dispute", "the reconnaissance flights over {place}", "the sanctions package",
    "the border demilitarisation protocol", "the troop rotation near {place}", "the grain export corridor",
    "the arrest of a journalist", "the cyber intrusion at the energy ministry", "the water-sharing agreement",
    "the closure of the consulate", "the arms transfer to a neighbouring state",
    "the deployment of {number} troops near {place}", "the seizure of {small} fishing vessels",
)  # fmt: skip
HARMS = (
    "respond with force", "expel the ambassador", "cut gas deliveries", "impose mirror sanctions",
    "strike the launch sites", "close the border to all freight", "seize the vessels involved",
    "suspend the transit agreement", "deploy additional missile units to {place}", "shoot down any intruding aircraft",
    "freeze the assets of those responsible", "withdraw from the arms control treaty", "halt all grain shipments",
    "take adequate military-technical measures", "retaliate in kind",
)  # fmt: skip
CONDITIONS = (
    "the drills continue", "another aircraft crosses the line", "payments are not resumed",
    "the deployment is not reversed within thirty days", "the sanctions are extended", "the vessels are not released",
    "the provocations near {place} go on", "the tariff takes effect", "its diplomats are harassed again",
    "the incursions are repeated",
)  # fmt: skip
OUTCOMES = (
    "a dangerous escalation", "an incident that nobody wants", "a new arms race", "a serious miscalculation",
    "a collapse of the talks", "lasting damage to regional stability", "a spiral beyond anyone's control",
    "an open confrontation", "a humanitarian crisis", "grave consequences for the whole region",
)  # fmt: skip
NEUTRAL_ACTS = (
    "will attend the summit next week", "welcomed the resumption of talks on {topic}",
    "published the full troop figures for the exercise", "declined to comment on {topic}",
    "said consultations with partners on {topic} would continue", "notified neighbouring states of the exercise",
    "invited foreign observers to the drills near {place}", "signed a memorandum on customs cooperation",
    "confirmed that two diplomats had left the country last month", "said it was following {topic} closely",
    "proposed a meeting of military delegations at {place}", "reported that {topic} was on the agenda",
    "said it had shot down a drone over {place} last week", "noted that the previous round of sanctions had expired",
)  # fmt: skip
TAILS = (
    "according to a statement published on its website", "the ministry added",
    "officials told reporters", "a government spokesperson said", "as negotiators prepared for a new round",
    "amid rising tension along {place}", "two days after the last round of talks ended",
    "in comments carried by the state news agency", "diplomatic sources said", "citing the latest intelligence",
    "{person} told reporters in {city}", "after talks with {person} in {city}",
)  # fmt: skip

THREAT_CORES = (
    "{speaker} said {when} that it would {harm} if {condition}",
    "{speaker} warned {when} that its forces stand ready to {harm} if {condition}",
    "{speaker} vowed {when} to {harm} unless {condition}",
    "{speaker} said {when} that {state2} must stop or we will {harm}",
    "{speaker} declared {when} that any further step over {topic} will be met with a decision to {harm}",
    "{speaker} said {when} that it reserves the right to {harm} in response to {topic}",
)  # fmt: skip
WARNING_CORES = (
    "{speaker} warned {when} that {topic} could lead to {outcome}",
    "{speaker} said {when} that {topic} risked {outcome}",
    "{speaker} urged {state2} {when} to refrain from {topic}, saying it could trigger {outcome}",
    "{speaker} said {when} that those behind {topic} are playing with fire and will bear the consequences",
    "{speaker} cautioned {when} that continuing {topic} would only inflame tensions and invite {outcome}",
    "{speaker} said {when} that if {condition}, the result may well be {outcome}",
)  # fmt: skip
NEUTRAL_CORES = (
    "{speaker} {neutral} {when}",
    "{speaker} said {when} that {state2} {neutral}",
    "{speaker} {neutral}, and added {when} that no decision had been taken on {topic}",
    "{speaker} said {when} that it threatens no one and {neutral}",
    "{speaker} reported {when} that {state2} had threatened to {harm}, and {neutral}",
)  # fmt: skip
CORES = {"neutral": NEUTRAL_CORES, "warning": WARNING_CORES, "threat": THREAT_CORES}
FEATURES = (
    "valley", "strait", "crossing", "peninsula", "district", "pass", "islands", "border region", "coast", "lowlands",
)  # fmt: skip
QUALIFIERS = (
    "near {place}", "with {state}", "in {city}", "involving {state}", "off {place}", "around {city}",
    "backed by {state}", "along {place}", "reported from {city}",
)  # fmt: skip
MADE_UP = {"states": 3_000, "first": 2_000, "last": 20_000, "places": 8_000, "cities": 8_000}  # names per slot


def generate(n: int, seed: int = 0) -> pd.DataFrame:
    """n synthetic statements (text, label), reproducible for a given (n, seed)."""
    blocks = list(iter_blocks(n, seed))
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame({"text": [], "label": []}, dtype=str)


def iter_blocks(n: int, seed: int = 0) -> Iterator[pd.DataFrame]:
    """The rows of generate(n, seed), in blocks of 50,000 (for writing big files in bounded memory)."""
    if n < 0:
        raise ValueError("n must be non-negative")
    for block, start in enumerate(range(0, n, _BLOCK)):
        rng = np.random.default_rng([seed, block])
        size = min(_BLOCK, n - start)
        kinds = [LABELS[code] for code in rng.choice(len(LABELS), size=size, p=SHARES)]
        texts = _texts(rng, kinds)
        # A few labels disagree with the template, as annotators sometimes do with real text.
        noisy = rng.random(size) < NOISE
        relabel = rng.choice(len(LABELS), size=size, p=SHARES)
        labels = [LABELS[new] if flip else kind for kind, flip, new in zip(kinds, noisy, relabel, strict=True)]
        yield pd.DataFrame({"text": texts, "label": labels})


def _texts(rng: np.random.Generator, kinds: list[str]) -> list[str]:
    """One statement per kind; COPY_SHARE of them near-copies of an earlier one of the same kind."""
    texts: list[str] = []
    earlier: dict[str, list[int]] = {label: [] for label in LABELS}
    for row, kind in enumerate(kinds):
        sources = earlier[kind]
        if sources and rng.random() < COPY_SHARE:
            texts.append(_near_copy(rng, texts[sources[int(rng.integers(len(sources)))]]))
        else:
            texts.append(_statement(rng, kind))
        sources.append(row)
    return texts


def _near_copy(rng: np.random.Generator, text: str) -> str:
    """`text` with one or two inner words replaced by a name or a figure, as a wire copy edits a story."""
    words = text.split()
    for position in rng.choice(np.arange(1, len(words) - 1), size=int(rng.integers(1, 3)), replace=False).tolist():
        words[position] = _name(rng, "last") if rng.random() < 0.5 else f"{int(rng.integers(2, 120)) * 100:,}"
    return " ".join(words)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _name(rng: np.random.Generator, slot: str) -> str:
    """A name for `slot` (states, first, last, places, cities), frequent ones first."""
    names, cumulative = _pools()[slot]
    return names[min(int(np.searchsorted(cumulative, rng.random())), len(names) - 1)]


@functools.cache
def _pools() -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Per slot: the hand-written names, then made-up ones, with cumulative Zipf-Mandelbrot weights."""
    made_up = iter(_made_up_names(np.random.default_rng(_NAMES_SEED), sum(MADE_UP.values())))
    written = {"states": STATES, "first": FIRST, "last": LAST, "places": PLACES, "cities": ()}
    pools = {}
    for slot, count in MADE_UP.items():
        names = [next(made_up) for _ in range(count)]
        if slot == "places":
            names = [f"the {name} {FEATURES[i % len(FEATURES)]}" for i, name in enumerate(names)]
        names = (*written[slot], *names)
        weights = 1.0 / (np.arange(len(names)) + 2.7)  # the usual fit for word counts in running text
        pools[slot] = (names, np.cumsum(weights / weights.sum()))
    return pools


def _made_up_names(rng: np.random.Generator, size: int) -> list[str]:
    """`size` distinct capitalised pronounceable names of 2–3 syllables, in a seeded order."""
    onsets = [*"bcdfghjklmnprstvz", "br", "dr", "gr", "kr", "sh", "st", "tr", "v", "z"]
    vowels = [*"aeiou", "ai", "ea", "ou", "ia"]
    codas = ["", "", "", "", "", *"lnrs", "nd", "rk"]
    names: dict[str, None] = {}  # insertion-ordered set
    while len(names) < size:
        syllables = rng.integers(2, 4, size=size)
        parts = [rng.integers(len(options), size=(size, 3)) for options in (onsets, vowels, codas)]
        for count, onset, vowel, coda in zip(syllables.tolist(), *(part.tolist() for part in parts), strict=True):
            word = "".join(onsets[onset[k]] + vowels[vowel[k]] + codas[coda[k]] for k in range(count))
            names.setdefault(word.capitalize())
    return list(names)[:size]


def _fill(rng: np.random.Generator, template: str, state: str) -> str:
    place = _name(rng, "places")
    number, small = f"{int(rng.integers(2, 120)) * 100:,}", int(rng.integers(2, 40))
    values = {
        "state": state,
        "state2": _name(rng, "states"),
        "when": _qualified(rng, _pick(rng, WHEN), 0.4),
        "place": place,
        "topic": _qualified(rng, _pick(rng, TOPICS).format(place=place, number=number, small=small), 0.8),
        "harm": _pick(rng, HARMS).format(place=place),
        "condition": _qualified(rng, _pick(rng, CONDITIONS).format(place=place), 0.5),
        "outcome": _qualified(rng, _pick(rng, OUTCOMES), 0.5),
        "person": _person(rng),
        "city": _name(rng, "cities"),
        "day": int(rng.integers(1, 29)),
        "month": _pick(rng, MONTHS),
    }
    values["when"] = values["when"].format(**values)
    values["neutral"] = _qualified(rng, _pick(rng, NEUTRAL_ACTS).format(**values), 0.5)
    values["speaker"] = _pick(rng, SPEAKERS).format(state=state, person=values["person"])
    return template.format(**values)


def _qualified(rng: np.random.Generator, phrase: str, share: float) -> str:
    """`phrase`, in `share` of the draws followed by a qualifier naming a state, place or city.

    News text names who and where in almost every clause; without this, statements differing
    only in one slot would be near-duplicates by chance far more often than in real text.
    """
    if rng.random() >= share:
        return phrase
    names = {"state": _name(rng, "states"), "place": _name(rng, "places"), "city": _name(rng, "cities")}
    return f"{phrase} {_pick(rng, QUALIFIERS).format(**names)}"


def _person(rng: np.random.Generator) -> str:
    return f"{_name(rng, 'first')} {_name(rng, 'last')}"


def _statement(rng: np.random.Generator, label: str) -> str:
    state = _name(rng, "states")
    words = _fill(rng, _pick(rng, CORES[label]), state).split()
    while len(words) < MIN_WORDS or (len(words) < MAX_WORDS - 8 and rng.random() < 0.35):
        words[-1] += ","
        tail = _pick(rng, TAILS).format(place=_name(rng, "places"), person=_person(rng), city=_name(rng, "cities"))
        words += tail.split()
    words = words[:MAX_WORDS]
    text = " ".join(words).rstrip(",")
    return text[0].upper() + text[1:] + "."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of statements (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="CSV to write (text,label)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        handle.write("text,label\n")
        for block in iter_blocks(args.n, args.seed):
            block.to_csv(handle, index=False, header=False, lineterminator="\n")
    tmp.replace(out)
    print(f"synth: {args.n} statements → {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
