"""A CheckList-style behavioural test suite for a fitted stance classifier.

Following Ribeiro et al. (2020), "Beyond Accuracy: Behavioral Testing of NLP Models with
CheckList", the suite probes the model with three kinds of test instead of one held-out score:

- MFT (minimum functionality): 210 short hand-written statements (mft.csv, 70 per class),
  each with the codebook label; pass = the predicted label equals it.
- INV (invariance): the prediction must not move when only a name, a date or a number is
  swapped. Names are filled into templates (fictional state names and real country names,
  used purely as names) and swapped into the MFT statements that contain a state name.
- DIR (directional): the probabilities must move the way the codebook says. Negating a threat
  ("X will not <act>", "X has no plans to <act>") must lower p(threat); turning the speaker's
  own commitment into an agentless consequence must lower p(threat) and raise p(warning).

Everything here is pure: `run_suite` reads only the packaged mft.csv, writes nothing, and any
sampling draws from random.Random(seed), so one model and one seed always give one report.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from importlib import resources

import numpy as np
import pandas as pd

MAX_FAILURES = 20
LABELS = ("threat", "warning", "neutral")

# --- names --------------------------------------------------------------------------------

# Fictional states; the first four also occur in the project corpus, the rest are new here.
FICTIONAL_NAMES = (
    "Arvandia",
    "Borovia",
    "Calderra",
    "Dunmark",
    "Elsmoria",
    "Fravonia",
    "Gethland",
    "Halvenia",
    "Istrana",
    "Korvath",
    "Lindoria",
    "Marrowsk",
)
# Real country names, used only as interchangeable names in the invariance fill-ins.
REAL_NAMES = (
    "Germany",
    "Brazil",
    "Japan",
    "Kenya",
    "India",
    "Canada",
    "Turkey",
    "Egypt",
    "Poland",
    "Chile",
    "Norway",
    "Peru",
    "Vietnam",
    "Ghana",
    "Mexico",
    "Spain",
    "Indonesia",
    "Argentina",
    "Nigeria",
    "Sweden",
    "Portugal",
    "Morocco",
    "Thailand",
    "Australia",
)
NAME_POOL = FICTIONAL_NAMES + REAL_NAMES

# State names (nouns) that the MFT statements use; a statement holding one gets name swaps.
# Adjectives such as "Calderran" are left alone: "\bCalderra\b" does not match inside them.
MFT_STATE_NAMES = (
    "Arvandia",
    "Borovia",
    "Calderra",
    "Dravia",
    "Dunmark",
    "Esterhaven",
    "Fennmoor",
    "Gravonia",
    "Hestria",
    "Iskarra",
    "Jovania",
    "Kalvora",
    "Karsk",
    "Keldor",
    "Lindmarre",
    "Lunaria",
    "Marovia",
    "Morvain",
    "Nordavia",
    "Norvessa",
    "Ostheim",
    "Pelagia",
    "Quarran",
    "Rusvald",
    "Solenne",
    "Ulmara",
    "Varkesh",
    "Veltria",
    "Westmarch",
    "Yrvan",
    "Zarovia",
)
MFT_SWAPS_PER_NAME = 6

# {A}: the speaker; {B}: another party. Both are filled from NAME_POOL.
NAME_TEMPLATES = (
    # threat
    "{A} will expel the ambassador of {B} unless the detained sailors are freed.",
    "{A} said it would impose retaliatory tariffs on goods from {B} starting next month.",
    "The defence ministry of {A} said its air force would strike any battery that fires on the border posts.",
    "{A} reserves the right to answer any incursion by {B} with force.",
    "If {B} sends warships into the gulf again, {A} will close its ports to them.",
    "{A} warned that it would freeze every account held by {B} in its banks.",
    "{A} has ordered its navy to intercept cargo ships bound for {B}.",
    "The president of {A} vowed to cut off oil supplies to {B} by the end of the year.",
    # warning
    "{A} cautioned that the military buildup by {B} could spiral into open conflict.",
    "The foreign ministry of {A} said the tariffs imposed by {B} would only deepen the crisis.",
    "{A} urged {B} to halt the missile tests, calling them a danger to civilian flights.",
    "According to {A}, the blockade risks a humanitarian disaster along the coast.",
    "{A} said the new basing deal with {B} was fraught with risks for the whole region.",
    "Officials in {A} warned that {B} was playing with fire by arming the rebels.",
    "{A} said any miscalculation near the disputed reef could cost many lives.",
    "{A} believes the sanctions will end up hurting the farmers of {B} most of all.",
    # neutral
    "The foreign minister of {A} will travel to {B} next week for talks on fishing quotas.",
    "{A} and {B} signed a memorandum on cross-border rail freight.",
    "{A} said it was following the naval exercises of {B} closely.",
    "A spokesperson for {A} declined to comment on the talks with {B}.",
    "{A} thanked {B} for helping to evacuate its citizens from the port.",
    "{A} has no intention of imposing tariffs on imports from {B}.",
    "The coast guard of {A} rescued twelve fishermen from a boat registered in {B}.",
    "{A} summoned the envoy of {B} over remarks made during the summit.",
    "The parliament of {A} approved the trade agreement with {B} on Thursday.",
)

# --- dates --------------------------------------------------------------------------------

WHEN = (
    "on Tuesday",
    "on 3 March",
    "last week",
    "yesterday",
    "on Friday evening",
    "earlier this month",
    "on 14 November",
    "late on Sunday",
    "on Monday morning",
    "last month",
    "on 22 June",
    "this morning",
    "on 9 October 2023",
    "on Wednesday",
    "on 4 May",
)

DATE_TEMPLATES = (
    # threat
    "Hestria said {WHEN} that it would expel the Karskian military attaché.",
    "The defence ministry announced {WHEN} that its artillery would shell the outposts if the incursions continue.",
    "Gravonia vowed {WHEN} to retaliate against the tariffs with duties of its own.",
    "Iskarra told Dunmark {WHEN} that any new test would be met with force.",
    "The navy said {WHEN} that it stood ready to board ships heading for the blockaded port.",
    "Zarovia threatened {WHEN} to cut electricity exports unless the debt was settled.",
    "Officials said {WHEN} that Westmarch would close its airspace to Lunarian airliners.",
    "Veltria warned {WHEN} that it would seize any fishing boat found inside its waters.",
    "The ministry said {WHEN} that it reserved the right to take countermeasures against the radar site.",
    "Keldor announced {WHEN} that it would ban all imports from Marovia from the start of next month.",
    "The president declared {WHEN} that any attack on the pipeline would be answered with strikes on its source.",
    "Ostheim said {WHEN} it was prepared to shoot down drones over its bases.",
    # warning
    "The foreign ministry cautioned {WHEN} that the exercises could trigger a dangerous escalation.",
    "Dravia said {WHEN} that the missile deployment would only inflame tensions in the region.",
    "The spokeswoman warned {WHEN} that cutting grain exports risked famine in the south.",
    "Solenne urged Kalvora {WHEN} to stop the flights, calling them a hazard to civilian aircraft.",
    "The ambassador said {WHEN} that the new tariffs would hurt ordinary families on both sides.",
    "Nordavia cautioned {WHEN} that shelling near the dam could cause a flood downstream.",
    "The minister said {WHEN} that the blockade was a recipe for disaster.",
    "Esterhaven warned {WHEN} that Pelagia was playing with fire by courting the rebels.",
    "The alliance said {WHEN} that the troop buildup was destabilising and risked a wider war.",
    "Officials cautioned {WHEN} that any miscalculation at sea could spiral within hours.",
    "Fennmoor said {WHEN} that abandoning the treaty would open the door to an arms race.",
    "The envoy warned {WHEN} that the crisis could spill over into neighbouring states.",
    # neutral
    "The defence ministry confirmed {WHEN} that the frigate had returned to port.",
    "Morvain and Ulmara resumed talks on water sharing {WHEN}.",
    "The spokesman declined {WHEN} to comment on the reports of troop movements.",
    "The foreign minister met her Jovanian counterpart {WHEN} to discuss visa rules.",
    "Rusvald lifted its ban on Quarrani dairy imports {WHEN}.",
    "The embassy said {WHEN} that consular services would continue as normal.",
    "Sarentia said {WHEN} it was closely following the situation on the border.",
    "The trade ministry published its annual export figures {WHEN}.",
    "Borovia said {WHEN} that it had no plans to retaliate against the duties.",
    "The coast guard reported {WHEN} that a trawler had been towed to safety.",
    "The parliament voted {WHEN} to extend the mandate of the border monitors.",
    "Yrvan expressed concern {WHEN} about the detention of its journalists.",
)

# --- numbers ------------------------------------------------------------------------------

COUNTS = ("two", "three", "four", "five", "six", "eight", "ten", "twelve", "2", "3", "5", "7", "10", "15", "20")
HOURS = ("12", "24", "36", "48", "72", "96", "twenty-four", "forty-eight", "seventy-two")

COUNT_TEMPLATES = (
    # threat
    "We will expel {N} of their diplomats if our consulate is not reopened.",
    "Hestria said it would expel {N} Karskian diplomats by the end of the week.",
    "Our navy will seize {N} of their tankers for every ship of ours they detain.",
    "The ministry vowed to deploy {N} more missile batteries along the frontier if the drills go ahead.",
    "Gravonia threatened to ban {N} Lunarian airlines from its airspace.",
    "We are ready to sanction {N} of their banks the moment the embargo takes effect.",
    "Dunmark said it would close {N} border crossings unless the smuggling stops.",
    "Our forces will strike {N} staging areas if the shelling resumes.",
    "Varkesh vowed to freeze the assets of {N} companies linked to the attack.",
    "We will impose duties on {N} categories of their goods from Monday.",
    # warning
    "Closing the crossing would cut {N} villages off from food and medicine.",
    "The minister cautioned that the dispute could cost {N} factories their main market.",
    "Shelling near the plant has already damaged {N} power lines and risks a radiation leak.",
    "The ambassador warned that the tariffs would hurt {N} industries on both sides of the border.",
    "Officials cautioned that {N} near-misses in a month show a collision is only a matter of time.",
    "The alliance said the deployment of {N} warships to the strait risked a wider confrontation.",
    "Yrvan warned that the blockade would leave {N} islands without fuel this winter.",
    "Sending {N} more battalions to the border will only push the region closer to war.",
    "The spokeswoman said the {N} new launch sites were a danger to civilian air traffic.",
    "Fighting around {N} dams on the river risks a flood disaster downstream.",
    # neutral
    "Hestria expelled {N} Karskian diplomats last month, the ministry confirmed.",
    "The air force intercepted {N} reconnaissance planes over the sea on Sunday.",
    "The coast guard rescued {N} fishermen after their boat capsized.",
    "Officials said {N} diplomats left the embassy on Friday.",
    "The delegation will include {N} experts on water management.",
    "The ministry said {N} vessels had passed through the strait without incident.",
    "The summit brought together ministers from {N} countries.",
    "Talks on the treaty lasted {N} days and ended without a statement.",
    "The parliament approved funding for {N} new hospitals in the north.",
    "Our navy will host {N} partner navies at the search-and-rescue exercise.",
)

HOUR_TEMPLATES = (
    # threat
    "Their trawlers have {H} hours to leave our waters before the navy moves in.",
    "If the convoy is not turned back within {H} hours, our jets will strike it.",
    "Gravonia gave Dravia {H} hours to withdraw its troops or face air strikes.",
    "We will cut the power links unless the debt is paid within {H} hours.",
    # warning
    "The agency cautioned that the reactor could overheat within {H} hours if the power lines are not repaired.",
    "Aid officials warned that the city could run out of water within {H} hours, risking an epidemic.",
    "Another {H} hours of shelling around the dam could cause a catastrophic flood.",
    "The minister warned that a standoff lasting another {H} hours could easily spiral out of control.",
    # neutral
    "The talks lasted {H} hours and will resume on Friday.",
    "The ferry service will be paused for {H} hours for maintenance.",
    "The border crossing reopened after {H} hours, officials said.",
    "The ministry said the ceasefire had held for {H} hours.",
    "Inspectors spent {H} hours at the enrichment site.",
    "The ceasefire monitors will file a report every {H} hours.",
)

# --- directional: negation ----------------------------------------------------------------

# (subject, subject is plural, harmful act): "S will <act>" is a threat by the codebook;
# "S will not <act>" and "S has/have no plans to <act>" are negated intent, i.e. neutral.
NEGATION_CASES = (
    ("We", True, "expel their ambassador over the spying affair"),
    ("Borovia", False, "impose new tariffs on Karskian steel"),
    ("Our navy", False, "blockade the northern ports"),
    ("The government", False, "cut gas deliveries to Dunmark this winter"),
    ("We", True, "strike the launch sites across the border"),
    ("Hestria", False, "seize the tankers anchored in its waters"),
    ("Our forces", True, "shell the positions near the river"),
    ("Kalvora", False, "freeze the assets of Veltrian banks"),
    ("We", True, "close the strait to their shipping"),
    ("Iskarra", False, "retaliate against the new sanctions"),
    ("The ministry", False, "revoke the visas of their military attachés"),
    ("We", True, "shoot down drones that approach the base"),
    ("Zarovia", False, "suspend electricity exports to Fennmoor"),
    ("Our air force", False, "bomb the depots along the frontier"),
    ("We", True, "sever diplomatic ties with Ulmara"),
    ("Gravonia", False, "ban Lunarian airliners from its airspace"),
    ("We", True, "sanction the officials behind the arrests"),
    ("Westmarch", False, "deploy missiles aimed at their capital"),
    ("Our cyber command", False, "attack their power grid"),
    ("We", True, "board the cargo ships bound for Yrvan"),
    ("Nordavia", False, "impose an embargo on Morvainian oil"),
    ("We", True, "close their consulate in Lindmarre"),
    ("Dravia", False, "halt grain shipments to Pelagia"),
    ("Our troops", True, "cross the border to destroy the camps"),
    ("We", True, "confiscate the property of their state companies"),
    ("Solenne", False, "expel the entire trade mission of Ostheim"),
    ("We", True, "jam their military satellites"),
    ("Keldor", False, "raise duties on cars from Esterhaven to fifty percent"),
    ("Our coast guard", False, "fire on trawlers that enter the zone"),
    ("We", True, "cut off the water supply to the enclave"),
    ("Varkesh", False, "detain the crews of foreign fishing fleets"),
    ("We", True, "retaliate in kind for the expulsions"),
    ("Rusvald", False, "target their radar stations with missiles"),
    ("We", True, "block their banks from our payment system"),
    ("Quarran", False, "seal the border to their trucks"),
    ("We", True, "sink any warship that enters the bay"),
    ("Jovania", False, "punish their companies with heavy fines"),
    ("We", True, "tear up the transit agreement and stop their freight"),
    ("Marovia", False, "launch strikes on the rebel supply lines"),
    ("Our army", False, "mobilise the reserves against the border garrisons"),
)

# --- directional: agentless consequence ---------------------------------------------------

# (the speaker commits to a harmful act: threat, the same situation framed as an agentless
# consequence with no act of the speaker's own: warning)
AGENTLESS_PAIRS = (
    ("We will retaliate if the drills continue.", "Continuing the drills will have grave consequences."),
    (
        "Borovia will expel their diplomats if the spying goes on.",
        "Further spying will do lasting damage to relations.",
    ),
    (
        "Our navy will sink any ship that breaches the blockade line.",
        "Breaching the blockade line could end in tragedy.",
    ),
    (
        "We will impose mirror tariffs if their duties stay in place.",
        "Keeping these duties in place will only hurt both economies.",
    ),
    (
        "If they test another missile, we will strike the launch site.",
        "Another missile test could push the region into war.",
    ),
    (
        "Hestria will cut gas deliveries unless the debt is paid.",
        "Leaving the debt unpaid risks a serious energy crisis.",
    ),
    (
        "We will shoot down any drone that crosses our border.",
        "Drones crossing the border could easily trigger a clash nobody wants.",
    ),
    (
        "Our forces will respond with fire if the shelling resumes.",
        "Resuming the shelling would be a dangerous step toward a wider war.",
    ),
    (
        "Kalvora will freeze Veltrian assets if the arrests continue.",
        "More arrests will poison relations for years to come.",
    ),
    (
        "We will close our airspace to their airliners if the incursions go on.",
        "These incursions are a recipe for a mid-air collision.",
    ),
    (
        "We will seize their tankers if they enter our waters again.",
        "Sending tankers into disputed waters is playing with fire.",
    ),
    (
        "Gravonia will answer any cyberattack by disabling their networks.",
        "Cyberattacks on infrastructure could have deadly consequences.",
    ),
    (
        "We reserve the right to strike back if the troop buildup continues.",
        "The troop buildup risks a spiral of escalation that no one can control.",
    ),
    (
        "Our artillery will open fire if their soldiers cross the river.",
        "Crossing the river would be fraught with risks for everyone.",
    ),
    (
        "Zarovia will ban all their imports if the tariffs are raised.",
        "Raising the tariffs will only deepen the crisis.",
    ),
    (
        "We will expel their ambassador unless the detained journalists are freed.",
        "Holding the journalists any longer will damage ties beyond repair.",
    ),
    (
        "Our navy will board every vessel that violates the exclusion zone.",
        "Violating the exclusion zone could lead to a dangerous incident.",
    ),
    (
        "We will cut off electricity exports if the sabotage continues.",
        "Continued sabotage could plunge the region into darkness.",
    ),
    (
        "Iskarra will deploy missiles aimed at their bases if the basing deal is signed.",
        "Signing the basing deal would make the region far less safe.",
    ),
    ("We will retaliate in kind against any new sanctions.", "New sanctions would only fuel a cycle of escalation."),
    (
        "Our jets will destroy any launcher that targets our cities.",
        "Targeting cities would bring untold suffering to civilians.",
    ),
    (
        "Westmarch will sever all trade ties if the smuggling goes on.",
        "Unchecked smuggling could destabilise the whole border economy.",
    ),
    (
        "We will block their ships from our ports if the quarrel over quotas escalates.",
        "An escalating quarrel over quotas could soon spin out of control.",
    ),
    (
        "We are ready to strike their radar stations if the jamming continues.",
        "Continued jamming risks a catastrophic accident in the air.",
    ),
    (
        "Varkesh will impose an oil embargo if its banks are sanctioned.",
        "Sanctioning the banks would backfire on ordinary people.",
    ),
    (
        "We will hit back hard if our embassy is attacked again.",
        "Another attack on the embassy would have serious consequences for the whole region.",
    ),
    ("Our coast guard will fire on any boat that ignores its orders.", "Ignoring the coast guard could cost lives."),
    (
        "Dunmark will close the border to their trucks if the dispute drags on.",
        "If the dispute drags on, the border towns will suffer most.",
    ),
    (
        "We will use force to reopen the strait if the blockade continues.",
        "A prolonged blockade of the strait could spark a humanitarian disaster.",
    ),
    (
        "Nordavia will revoke the visas of their officials if the harassment continues.",
        "Continued harassment of diplomats will only poison the atmosphere.",
    ),
    (
        "We will shell their positions at the dam if their troops do not withdraw.",
        "Fighting around the dam risks a flood that would devastate the valley.",
    ),
    (
        "Our troops will storm the outpost at dawn unless it is abandoned.",
        "Holding on to the outpost could end in a bloodbath.",
    ),
    (
        "Solenne will halt grain exports to them if the port fees are doubled.",
        "Doubling the port fees would push millions closer to hunger.",
    ),
    (
        "We will take countermeasures if their satellites keep shadowing ours.",
        "Shadowing satellites in orbit could trigger a dangerous collision.",
    ),
    (
        "We will punish any company that helps build the pipeline.",
        "Building the pipeline through the disputed zone is a dangerous gamble.",
    ),
    (
        "Our air force will down any aircraft that enters the no-fly zone.",
        "Flying into the no-fly zone is an invitation to tragedy.",
    ),
    (
        "Keldor will tear up the transit deal if payments stop.",
        "Stopping the payments would put the whole transit deal at risk.",
    ),
    (
        "We will answer any further provocation with all means at our disposal.",
        "Further provocations will lead nowhere but to a deeper crisis.",
    ),
    (
        "We will confiscate their fishing fleet if it returns to our waters.",
        "A return of the fishing fleet could spark a dangerous confrontation.",
    ),
    (
        "Our missile forces will target their capital if the missiles are deployed.",
        "Deploying those missiles would bring the continent to the brink.",
    ),
)


# --- cases --------------------------------------------------------------------------------


def load_mft() -> pd.DataFrame:
    """The packaged minimum-functionality cases: columns family, text, label, note."""
    source = resources.files("stance.checklist") / "mft.csv"
    with source.open("r", encoding="utf-8", newline="") as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return frame[["family", "text", "label", "note"]]


def name_groups(seed: int = 0, mft: pd.DataFrame | None = None) -> list[list[str]]:
    """Groups of statements that differ only in a state name; the first is the reference.

    Each template is filled with every name in NAME_POOL as the speaker {A} (in pool order)
    and a name drawn at random, different from {A}, as the other party {B}. Each MFT statement
    gets, for every state name in it, MFT_SWAPS_PER_NAME copies with that name replaced by
    one drawn from the pool (never one already in the statement); its reference is itself.
    """
    rng = random.Random(seed)
    groups = []
    for template in NAME_TEMPLATES:
        group = []
        for speaker in NAME_POOL:
            other = rng.choice([n for n in NAME_POOL if n != speaker]) if "{B}" in template else ""
            group.append(template.format(A=speaker, B=other))
        groups.append(group)
    mft = load_mft() if mft is None else mft
    for text in mft.loc[mft["family"] == "mft", "text"]:
        present = [name for name in MFT_STATE_NAMES if re.search(rf"\b{name}\b", text)]
        for name in present:
            candidates = [n for n in NAME_POOL if not re.search(rf"\b{n}\b", text)]
            swaps = rng.sample(candidates, MFT_SWAPS_PER_NAME)
            groups.append([text] + [re.sub(rf"\b{name}\b", swap, text) for swap in swaps])
    return groups


def date_groups() -> list[list[str]]:
    """Each date template filled with every expression in WHEN (the first is the reference)."""
    return [[template.format(WHEN=when) for when in WHEN] for template in DATE_TEMPLATES]


def number_groups() -> list[list[str]]:
    """Count templates filled with every value in COUNTS, hour templates with every HOURS value."""
    counts = [[template.format(N=n) for n in COUNTS] for template in COUNT_TEMPLATES]
    hours = [[template.format(H=h) for h in HOURS] for template in HOUR_TEMPLATES]
    return counts + hours


def negation_pairs() -> list[tuple[str, str]]:
    """(threat, negated form) pairs: each case negated with "will not" and with "no plans to"."""
    pairs = []
    for subject, plural, act in NEGATION_CASES:
        original = f"{subject} will {act}."
        pairs.append((original, f"{subject} will not {act}."))
        pairs.append((original, f"{subject} {'have' if plural else 'has'} no plans to {act}."))
    return pairs


def agentless_pairs() -> list[tuple[str, str]]:
    """(speaker's commitment, agentless consequence) pairs."""
    return list(AGENTLESS_PAIRS)


# --- running ------------------------------------------------------------------------------


def run_suite(model, seed: int = 0) -> dict:
    """Run every test family on a fitted text classifier; a JSON-serialisable report.

    `model` needs predict(list[str]) and, for the directional tests, predict_proba and
    classes_ (with "threat" and "warning" among the classes). pass_rate is None when n is 0.
    """
    mft = load_mft()
    mft = mft[mft["family"] == "mft"].reset_index(drop=True)
    groups = {
        "invariance_names": name_groups(seed, mft),
        "invariance_dates": date_groups(),
        "invariance_numbers": number_groups(),
    }
    directional = {"directional_negation": negation_pairs(), "directional_agentless": agentless_pairs()}

    texts = list(mft["text"])
    texts += [t for family in groups.values() for group in family for t in group]
    texts += [t for pairs in directional.values() for pair in pairs for t in pair]
    unique = list(dict.fromkeys(texts))
    predicted = dict(zip(unique, (str(label) for label in model.predict(unique)), strict=True))
    proba_texts = list(dict.fromkeys(t for pairs in directional.values() for pair in pairs for t in pair))
    proba = _probabilities(model, proba_texts)

    failures: list[dict] = []
    report: dict = {"mft": _mft(mft, predicted, failures)}
    for name, family in groups.items():
        report[name] = _invariance(name, family, predicted, failures)
    report["directional_negation"] = _directional(
        "directional_negation", directional["directional_negation"], proba, failures, warning_up=False
    )
    report["directional_agentless"] = _directional(
        "directional_agentless", directional["directional_agentless"], proba, failures, warning_up=True
    )
    report["seed"] = seed
    report["failures"] = failures
    return report


def _rate(passed: int, n: int) -> float | None:
    return round(passed / n, 4) if n else None


def _probabilities(model, texts: Sequence[str]) -> dict[str, dict[str, float]]:
    classes = [str(c) for c in model.classes_]
    missing = [c for c in ("threat", "warning") if c not in classes]
    if missing:
        raise ValueError(f"model classes {classes} lack {missing}; the directional tests need them")
    matrix = np.asarray(model.predict_proba(list(texts)), dtype=float)
    return {
        text: {c: float(p) for c, p in zip(classes, row, strict=True)} for text, row in zip(texts, matrix, strict=True)
    }


def _mft(mft: pd.DataFrame, predicted: dict[str, str], failures: list[dict]) -> dict:
    passed = [predicted[text] == gold for text, gold in zip(mft["text"], mft["label"], strict=True)]
    per_class = {}
    for label in [c for c in LABELS if c in set(mft["label"])] + sorted(set(mft["label"]) - set(LABELS)):
        hits = [ok for ok, gold in zip(passed, mft["label"], strict=True) if gold == label]
        per_class[label] = {"pass_rate": _rate(sum(hits), len(hits)), "n": len(hits)}
    shown = 0
    for text, gold, ok in zip(mft["text"], mft["label"], passed, strict=True):
        if not ok and shown < MAX_FAILURES:
            failures.append({"test": "mft", "text": text, "expected": gold, "got": predicted[text]})
            shown += 1
    return {"pass_rate": _rate(sum(passed), len(passed)), "n": len(passed), "per_class": per_class}


def _invariance(test: str, groups: list[list[str]], predicted: dict[str, str], failures: list[dict]) -> dict:
    """Share of variants whose prediction equals that of their group's first statement."""
    pairs = unchanged = consistent = shown = 0
    for reference, *variants in groups:
        expected = predicted[reference]
        same = [predicted[v] == expected for v in variants]
        pairs += len(same)
        unchanged += sum(same)
        consistent += all(same)
        for variant, ok in zip(variants, same, strict=True):
            if not ok and shown < MAX_FAILURES:
                failures.append(
                    {
                        "test": test,
                        "text": variant,
                        "expected": expected,
                        "got": predicted[variant],
                        "reference": reference,
                    }
                )
                shown += 1
    return {
        "pass_rate": _rate(unchanged, pairs),
        "n": pairs,
        "groups": len(groups),
        "groups_pass_rate": _rate(consistent, len(groups)),
    }


def _directional(
    test: str, pairs: list[tuple[str, str]], proba: dict[str, dict[str, float]], failures: list[dict], warning_up: bool
) -> dict:
    """Pass: p(threat) falls from the original to the changed form (and p(warning) rises, if asked)."""
    passed = shown = 0
    for original, changed in pairs:
        before, after = proba[original], proba[changed]
        ok = after["threat"] < before["threat"]
        expected = f"p(threat) < {before['threat']:.3f}"
        got = f"p(threat) = {after['threat']:.3f}"
        if warning_up:
            ok = ok and after["warning"] > before["warning"]
            expected += f" and p(warning) > {before['warning']:.3f}"
            got += f", p(warning) = {after['warning']:.3f}"
        passed += ok
        if not ok and shown < MAX_FAILURES:
            failures.append({"test": test, "text": changed, "expected": expected, "got": got, "reference": original})
            shown += 1
    return {"pass_rate": _rate(passed, len(pairs)), "n": len(pairs)}
