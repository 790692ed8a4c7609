"""clean: annotation batches → one adjudicated statement per row, rejects, and a ledger.

Every input row ends in exactly one of three places — kept (it founded a statement),
merged (it added a vote to a statement founded earlier) or rejected (with its reason) —
so that read = kept + merged + rejected holds for every file and in total.

Sized for a million rows: accepted rows are held column by column (_Votes), not as a
million objects; a statement with one vote (nearly every statement of a large batch) goes
to the tables straight from those columns, and only statements with several votes go
through the full rules (re-labels, conflicts, adjudication, history) — rules that, for a
single vote, always come to that vote's label.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stance import paths
from stance.config import CleanParams, Params
from stance.errors import StanceError, located
from stance.io import REJECT_REASON, Batch, list_batches, read_batch, read_frame, write_csv, write_json
from stance.text import key_id, normal_key, normalise

REQUIRED = ("text", "label")
METADATA = ("source_id", "speaker_state", "speaker_role", "topic", "date", "duplicate_of", "domain")
REJECT_COLUMNS = ["file", "line", "reason", "text"]
VOTE_COLUMNS = ["statement_id", "annotator", "label", "tone", "file", "line", "standing"]
# Written even when empty: a table without its header cannot be read back by the next stage.
STATEMENT_COLUMNS = [
    *["statement_id", "text", "text_original", "label", "tone", "n_votes", "votes"],
    *METADATA,
    *["first_batch", "label_batch"],
]
DISPUTE_COLUMNS = ["statement_id", "text", "votes", "reason"]
CHANGE_COLUMNS = ["batch", "statement_id", "change", "old", "new"]
# How spreadsheets and exports spell "no value" (compared stripped and case-folded): such an id
# is no id. Taken literally, every row saying "N/A" would be one statement with many votes.
NO_ID = frozenset({"", "nan", "na", "n/a", "#n/a", "none", "null", "nil", "-"})
# The columns clean reads from a row; any others pass through to no table.
_READ = frozenset({REJECT_REASON, "text", "label", "tone", "annotator", "statement_id", *METADATA})


@dataclass
class Vote:
    """One vote on a statement that has several: what the full rules look at."""

    batch: int
    file: str
    line: int
    voter: str
    label: str
    tone: str
    text: str  # normalised
    original: str  # as the row gave it
    key: str  # match_key of the text: the statement this vote is on
    given_id: str  # the statement_id the row gave ("" for none)
    annotator: str  # the row's annotator, stripped ("" for none)
    meta: dict[str, str]  # the row's METADATA, "" where blank


@dataclass
class _Votes:
    """Every accepted row, one list per field, in arrival order.

    A million Vote objects or row dicts would cost seconds and gigabytes; a list costs
    eight bytes a row, and the cells are the strings the reader made, not copies.
    """

    batch: list[int] = field(default_factory=list)
    line: list[int] = field(default_factory=list)
    voter: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    tone: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    original: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    given_id: list[str] = field(default_factory=list)
    annotator: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=lambda: {key: [] for key in METADATA})

    def add(
        self, number: int, file: str, cells: dict[str, list[str]], made: dict[str, list], rejected: list[int]
    ) -> None:
        """Append a batch's rows but the rejected: `cells` as read, `made` what clean made of each
        row (text, key, label, tone, given_id, line: the names of fields here)."""
        keep = _kept(len(made["text"]), rejected)
        for column, values in made.items():
            getattr(self, column).extend(_pick(values, keep))
        self.original.extend(_pick(cells["text"], keep))
        blank = [""] * (len(made["text"]) - len(rejected))  # for a column the batch does not have
        self.batch.extend([number] * len(blank))
        annotators = [value.strip() for value in _pick(cells["annotator"], keep)] if "annotator" in cells else blank
        self.annotator.extend(annotators)
        unnamed = f"batch:{file}"  # one string for the batch, not one per row
        self.voter.extend([annotator or unnamed for annotator in annotators])
        for key, values in self.meta.items():
            values.extend([v if v.strip() else "" for v in _pick(cells[key], keep)] if key in cells else blank)

    def vote(self, i: int, batches: list[Batch]) -> Vote:
        number = self.batch[i]
        return Vote(
            *(number, batches[number].name, self.line[i], self.voter[i], self.label[i], self.tone[i]),
            *(self.text[i], self.original[i], self.key[i], self.given_id[i], self.annotator[i]),
            {key: values[i] for key, values in self.meta.items()},
        )


@dataclass
class _Rejects:
    """The rejected rows, one list per column of REJECT_COLUMNS."""

    file: list[str] = field(default_factory=list)
    line: list = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    text: list = field(default_factory=list)

    def add(self, file: str, line, reason: str, text) -> None:
        self.file.append(file)
        self.line.append(line)
        self.reason.append(reason)
        self.text.append(text)


@dataclass
class _Groups:
    """The statements: the votes grouped by match_key, statements in order of first appearance.

    A statement is its normalised, case-folded text (the vote's key). Rows sharing a
    statement_id share that key, because _claim_id rejects an id on any text but its first;
    rows with the same text under different ids (or none) are one statement, named by the
    first id given.
    """

    code: np.ndarray  # each vote's statement, numbered in order of first appearance
    order: np.ndarray  # the votes statement by statement, each statement's in arrival order
    start: np.ndarray  # where each statement's votes begin in `order`
    size: np.ndarray  # how many votes each statement has
    first: np.ndarray  # the vote that founded each statement

    @classmethod
    def of(cls, keys: list[str]) -> _Groups:
        # factorize numbers the keys in order of first appearance, as a dict would, in C
        code = pd.factorize(np.asarray(keys, dtype=object))[0] if keys else np.zeros(0, dtype=np.intp)
        size = np.bincount(code)
        order, start = np.argsort(code, kind="stable"), np.cumsum(size) - size
        return cls(code, order, start, size, order[start])

    def members(self, group: int) -> list[int]:
        return self.order[self.start[group] : self.start[group] + self.size[group]].tolist()


@dataclass
class _Verdict:
    """What the full rules make of a statement with several votes."""

    statement_id: str
    label: str | None  # None: disputed
    history: list[dict]  # its rows of label_changes.csv
    standing: list[bool]  # per vote, in arrival order
    record: dict  # its row of statements.csv, or of disputed.csv when disputed


@dataclass(frozen=True)
class CleanResult:
    statements: pd.DataFrame
    rejects: pd.DataFrame
    disputed: pd.DataFrame
    label_changes: pd.DataFrame
    votes: pd.DataFrame
    ledger: dict


def with_domain(batch: Batch, params: CleanParams) -> pd.DataFrame:
    """The batch's rows with a `domain` on every row: the row's own, else the first clean.domains
    glob that matches the file name, else clean.default_domain."""
    mapped = next((d for glob, d in params.domains.items() if fnmatch.fnmatch(batch.name, glob)), None)
    fallback = mapped or params.default_domain
    own = batch.rows["domain"].fillna("").astype(str).str.strip() if "domain" in batch.rows else ""
    return batch.rows.assign(domain=pd.Series(own, index=batch.rows.index).replace("", fallback))


def clean_batches(batches: list[Batch], params: CleanParams) -> CleanResult:
    """Validate, normalise, merge and adjudicate every row of every batch (in order)."""
    votes, rejects = _Votes(), _Rejects()
    owners: dict[str, tuple[str, str, int]] = {}  # statement_id → (key, file, line) of the vote that first carried it
    for number, batch in enumerate(batches):
        _check_columns(batch)
        _read_rows(number, batch, params, votes, rejects, owners)
    groups = _Groups.of(votes.key)
    verdicts = {
        group: _verdict([votes.vote(i, batches) for i in groups.members(group)], params.adjudication, batches)
        for group in np.flatnonzero(groups.size > 1).tolist()
    }
    for group, verdict in verdicts.items():
        if verdict.label is None:
            reason = "disputed: " + verdict.record["reason"]
            for i in groups.members(group):
                rejects.add(batches[votes.batch[i]].name, votes.line[i], reason, votes.text[i])
    ids = _statement_ids(votes, groups, verdicts)
    return CleanResult(
        statements=_statements(votes, groups, verdicts, ids, batches),
        rejects=_table(vars(rejects), REJECT_COLUMNS).sort_values(["file", "line"], kind="stable", ignore_index=True),
        disputed=_frame([v.record for v in verdicts.values() if v.label is None], DISPUTE_COLUMNS, sort="statement_id"),
        label_changes=_label_changes(votes, groups, verdicts, ids, batches),
        votes=_ballots(votes, groups, verdicts, ids, batches),
        ledger=_ledger(batches, votes, groups, verdicts, rejects),
    )


def _check_columns(batch: Batch) -> None:
    missing = [c for c in REQUIRED if c not in batch.rows.columns]
    if missing:
        found = ", ".join(c for c in batch.rows.columns if c != "line") or "none"
        raise located(batch.name, 1, f"missing column {missing[0]!r} (columns found: {found})")
    if batch.rows.empty:
        raise located(batch.name, None, "header only: no statements in this batch")


# Rows → votes or rejects --------------------------------------------------------------------------


def _read_rows(number: int, batch: Batch, params: CleanParams, votes: _Votes, rejects: _Rejects, owners: dict) -> None:
    """Add each row of the batch to `votes` or to `rejects` (on_error=fail: raise at the first bad one)."""
    table = with_domain(batch, params)
    cells = {column: _strings(table[column]) for column in table.columns if column in _READ}
    blank = [""] * len(table)
    lines, raw_texts = table["line"].tolist(), table["text"].tolist()
    made = {"text": [], "key": [], "label": [], "tone": [], "given_id": [], "line": [int(line) for line in lines]}
    rejected = []
    check = _RowCheck(params)
    rows = zip(
        *(cells.get(REJECT_REASON, blank), cells["text"], cells["label"], cells.get("tone", blank)),
        *(cells.get("statement_id", blank), made["line"]),
        strict=True,
    )
    for row, (unreadable, original, label_raw, tone_raw, id_raw, line) in enumerate(rows):
        # a reason from the reader comes first: it could not make a vote of the row (a task nobody annotated)
        reason, text, label, tone = (unreadable, "", "", "") if unreadable else check(original, label_raw, tone_raw)
        key = given_id = ""
        if reason is None:
            key, given_id = normal_key(text), _given_id(id_raw) if id_raw else ""
            reason = _claim_id(given_id, key, batch.name, line, owners) if given_id else None
        # one list per field, a value for every row: a batch without rejects is then taken as it is
        made["text"].append(text)
        made["key"].append(key)
        made["label"].append(label)
        made["tone"].append(tone)
        made["given_id"].append(given_id)
        if reason is None:
            continue
        if params.on_error == "fail":
            raise located(batch.name, lines[row], reason)
        rejected.append(row)
        rejects.add(batch.name, lines[row], reason, raw_texts[row])
    votes.add(number, batch.name, cells, made, rejected)


class _RowCheck:
    """The checks of a row's text, label and tone. Each distinct spelling of a label or tone
    is looked up once: a million rows hold a handful."""

    def __init__(self, params: CleanParams) -> None:
        self.params = params
        self.labels: dict[str, tuple[str, str | None]] = {}  # cell → _choice of it
        self.tones: dict[str, tuple[str, str | None]] = {}

    def __call__(self, original: str, label_raw: str, tone_raw: str) -> tuple[str | None, str, str, str]:
        """(reject reason or None, normalised text, label, tone) of one row."""
        params, text = self.params, normalise(original)
        if not text:
            return "empty text", text, "", ""
        if len(text) < params.min_chars:
            return f"text too short: {len(text)} characters (limit clean.min_chars={params.min_chars})", text, "", ""
        if len(text) > params.max_chars:
            return f"text too long: {len(text)} characters (limit clean.max_chars={params.max_chars})", text, "", ""
        if label_raw not in self.labels:
            self.labels[label_raw] = _choice(label_raw, "label", params.labels, params.synonyms)
        label, reason = self.labels[label_raw]
        if reason is not None:
            return reason, text, "", ""
        if tone_raw not in self.tones:
            self.tones[tone_raw] = _choice(tone_raw, "tone", params.tones, params.synonyms)
        tone, reason = self.tones[tone_raw]
        if reason is not None:
            return reason, text, "", ""
        return None, text, label, tone


def _choice(raw: str, kind: str, allowed: tuple[str, ...], synonyms: dict[str, str]) -> tuple[str, str | None]:
    """(the canonical label or tone of a cell, None), or ("", the reason it is rejected).
    A label is required; a blank tone is no tone."""
    if not raw.strip():
        return ("", "missing label") if kind == "label" else ("", None)
    canonical = _canonical(raw, allowed, synonyms)
    if canonical is None:
        return "", f"unknown {kind}: {raw.strip()!r} (allowed: {', '.join(allowed)})"
    return canonical, None


def _canonical(value: str, allowed: tuple[str, ...], synonyms: dict[str, str]) -> str | None:
    value = value.strip()
    lowered = {k.casefold(): v for k, v in synonyms.items()}
    candidate = lowered.get(value.casefold(), value.casefold())
    return candidate if candidate in allowed else None


def _strings(column: pd.Series) -> list[str]:
    """A column's cells as text (_text_of each)."""
    return [value if type(value) is str else _text_of(value) for value in column.tolist()]


def _kept(n: int, rejected: list[int]) -> list[int] | None:
    """The rows of n not rejected (None: all of them)."""
    if not rejected:
        return None
    kept = np.ones(n, dtype=bool)
    kept[rejected] = False
    return np.flatnonzero(kept).tolist()


def _pick(values: list, rows: list[int] | None) -> list:
    """values at the rows (rows None: all values)."""
    return values if rows is None else [values[row] for row in rows]


def _given_id(raw: str) -> str:
    """The statement_id a row gives, or "" when it gives none (blank, or a placeholder in NO_ID)."""
    raw = raw.strip()
    return "" if raw.casefold() in NO_ID else raw


def _claim_id(given_id: str, key: str, file: str, line: int, owners: dict) -> str | None:
    """Bind a statement_id to the text it first came with; the reject reason when this vote breaks that.

    An id on a different text is an error of the export (two statements under one id), not a
    vote: merging them would mix two statements' votes, and letting it dispute the first would
    take a good statement out of training.
    """
    if not given_id:
        return None
    first_key, first_file, first_line = owners.setdefault(given_id, (key, file, line))
    if first_key != key:
        return f"id reused for a different text (first seen at {first_file}:{first_line})"
    return None


def _text_of(value) -> str:
    """A cell as text: None and NaN (a missing value) are ""."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


# The full rules, for a statement with several votes -----------------------------------------------


def _verdict(votes: list[Vote], rule: str, batches: list[Batch]) -> _Verdict:
    """Adjudicate one statement: its label, its history, each vote's standing, and its row of
    statements.csv (or of disputed.csv)."""
    standing = _standing(votes)
    label, sid = _decide(standing, rule), _id(votes)
    history = _history(votes, rule, batches, sid, label)
    counted = {id(v) for mine in standing.values() for v in mine}
    if label is None:
        record = _dispute_record(votes, standing, sid)
    else:
        record = _statement_record(votes, standing, sid, label, history[-1]["batch"], batches)
    return _Verdict(sid, label, history, [id(v) in counted for v in votes], record)


def _standing(votes: list[Vote]) -> dict[str, list[Vote]]:
    """Each voter's standing votes, voters in order of first appearance.

    A voter's votes in a later batch replace those of earlier batches (a re-label). Within one
    batch a repeat with the same label replaces the earlier row, but two different labels both
    stand: one annotator (or one file without annotators) contradicting itself is a data-entry
    conflict, and which row was meant cannot be guessed from the order of the rows.
    """
    own: dict[str, list[Vote]] = {}
    for vote in votes:
        mine = own.setdefault(vote.voter, [])
        if mine and mine[-1].batch != vote.batch:
            mine.clear()
        mine.append(vote)
    return {voter: mine if len({v.label for v in mine}) > 1 else mine[-1:] for voter, mine in own.items()}


def _current(standing: dict[str, list[Vote]]) -> list[Vote]:
    """One vote per voter: the latest standing one."""
    return [mine[-1] for mine in standing.values()]


def _conflicts(standing: dict[str, list[Vote]]) -> dict[str, list[Vote]]:
    """Voters who gave one statement different labels in one batch, with those votes."""
    return {voter: mine for voter, mine in standing.items() if len(mine) > 1}


def _decide(standing: dict[str, list[Vote]], rule: str) -> str | None:
    """The adjudicated label, or None when the statement is disputed under `rule` (or by a conflict)."""
    if _conflicts(standing):
        return None
    current = _current(standing)
    if rule == "latest":
        return current[-1].label if current else None
    counts = Counter(v.label for v in current).most_common()
    if rule == "drop_disputed" and len(counts) > 1:
        return None
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None
    return counts[0][0]


def _history(votes: list[Vote], rule: str, batches: list[Batch], sid: str, final: str | None) -> list[dict]:
    """How the adjudicated label moved, batch by batch, as the votes arrived. `final` is the
    label on all the votes: the state after their last batch, so not decided twice."""
    changes, previous = [], None
    numbers = sorted({v.batch for v in votes})
    for number in numbers:
        label = final if number == numbers[-1] else _decide(_standing([v for v in votes if v.batch <= number]), rule)
        state = label or "disputed"
        if state != previous:
            change = {"change": _kind(previous, state), "old": previous or "", "new": state}
            changes.append({"batch": batches[number].name, "statement_id": sid, **change})
        previous = state
    return changes


def _kind(old: str | None, new: str) -> str:
    if old is None:
        return "added" if new != "disputed" else "added_disputed"
    if new == "disputed":
        return "dispute_created"
    return "dispute_resolved" if old == "disputed" else "relabelled"


def _id(votes: list[Vote]) -> str:
    """The first statement_id the votes give, else one made from the text."""
    return next((v.given_id for v in votes if v.given_id), None) or key_id(votes[0].key)


def _tally(standing: dict[str, list[Vote]]) -> str:
    counts = Counter(v.label for v in _current(standing))
    return ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))


def _why_disputed(standing: dict[str, list[Vote]]) -> str:
    """Why a statement has no label: an annotator's conflict, or the votes themselves."""
    conflicts = _conflicts(standing)
    if not conflicts:
        return f"votes {_tally(standing)}"
    mine = next(iter(conflicts.values()))
    who = mine[0].annotator or "rows without annotator"
    shown = ", ".join(f"{v.label} at {v.file}:{v.line}" for v in mine)
    return f"different labels from one annotator in one file ({who}: {shown})"


def _tone(standing: dict[str, list[Vote]]) -> str:
    tones = [v.tone for v in _current(standing) if v.tone]
    if not tones:
        return ""
    counts = Counter(tones).most_common()
    tied = [t for t, n in counts if n == counts[0][1]]
    return next(t for t in reversed(tones) if t in tied)


def _statement_record(
    votes: list[Vote], standing: dict[str, list[Vote]], sid: str, label: str, label_batch: str, batches: list[Batch]
) -> dict:
    return {
        "statement_id": sid,
        "text": votes[0].text,
        "text_original": votes[0].original,
        "label": label,
        "tone": _tone(standing),
        "n_votes": len(standing),  # one current vote per voter
        "votes": _tally(standing),
        **{key: next((v.meta[key] for v in votes if v.meta[key]), "") for key in METADATA},
        "first_batch": batches[votes[0].batch].name,
        "label_batch": label_batch,
    }


def _dispute_record(votes: list[Vote], standing: dict[str, list[Vote]], sid: str) -> dict:
    return {
        "statement_id": sid,
        "text": votes[0].text,
        "votes": "; ".join(f"{v.voter}={v.label} ({v.file}:{v.line})" for v in votes),
        "reason": _why_disputed(standing),
    }


# The tables -----------------------------------------------------------------------------------------
#
# Each is built column by column for every statement as if it had one vote (its founding vote
# decides it, as the full rules would), then the statements with several votes are written
# over with what their verdict says.


def _statement_ids(votes: _Votes, groups: _Groups, verdicts: dict[int, _Verdict]) -> list[str]:
    ids = [votes.given_id[i] or key_id(votes.key[i]) for i in groups.first.tolist()]
    for group, verdict in verdicts.items():
        ids[group] = verdict.statement_id
    return ids


def _statements(
    votes: _Votes, groups: _Groups, verdicts: dict[int, _Verdict], ids: list[str], batches: list[Batch]
) -> pd.DataFrame:
    """statements.csv: the statements not disputed, by statement_id (stably: a tie keeps their order)."""
    disputed = {group for group, verdict in verdicts.items() if verdict.label is None}
    # sorted() puts strings in the order sort_values(kind="stable") does, in a third of the time
    order = sorted((g for g in range(len(ids)) if g not in disputed), key=ids.__getitem__)
    founders = groups.first[order]
    batch_names = _take([b.name for b in batches], np.asarray(votes.batch, dtype=np.intp)[founders])
    labels = _take(votes.label, founders)
    one_vote = {label: f"{label} 1" for label in set(labels)}  # one string per label, not per statement
    columns = {
        "statement_id": _take(ids, order),
        "text": _take(votes.text, founders),
        "text_original": _take(votes.original, founders),
        "label": labels,
        "tone": _take(votes.tone, founders),
        "n_votes": np.ones(len(order), dtype=np.int64),
        "votes": np.asarray([one_vote[label] for label in labels], dtype=object),
        **{key: _take(values, founders) for key, values in votes.meta.items()},
        "first_batch": batch_names,
        "label_batch": batch_names.copy(),
    }
    position = np.empty(len(ids), dtype=np.intp)
    position[order] = np.arange(len(order))
    for group, verdict in verdicts.items():
        if verdict.label is not None:
            for column, value in verdict.record.items():
                columns[column][position[group]] = value
    return _table(columns, STATEMENT_COLUMNS)


def _take(values: list, at: np.ndarray) -> np.ndarray:
    """values[at] for a list and an array of positions, as an array of objects."""
    if not any(values):  # a column no batch has (all ""): no need to gather a million ""
        return np.full(len(at), "", dtype=object)
    return np.asarray(values, dtype=object)[at]


def _label_changes(
    votes: _Votes, groups: _Groups, verdicts: dict[int, _Verdict], ids: list[str], batches: list[Batch]
) -> pd.DataFrame:
    """label_changes.csv: a statement with one vote was added with its label; the others, as their history says."""
    founders = groups.first
    founded = {
        "batch": _take([b.name for b in batches], np.asarray(votes.batch, dtype=np.intp)[founders]),
        "statement_id": ids,
        "change": ["added"] * len(founders),
        "old": [""] * len(founders),
        "new": _take(votes.label, founders),
    }
    columns = {
        name: _spread(values, {group: [row[name] for row in v.history] for group, v in verdicts.items()})
        for name, values in founded.items()
    }
    return _table(columns, CHANGE_COLUMNS)


def _spread(values: list, own: dict[int, list]) -> np.ndarray:
    """One value per statement, except that each statement in `own` has its own list of
    values (its rows) in place of its one."""
    counts = np.ones(len(values), dtype=np.intp)
    several = np.fromiter(own, dtype=np.intp, count=len(own))
    counts[several] = [len(rows) for rows in own.values()]
    ends = np.cumsum(counts)
    starts = ends - counts
    spread = np.empty(int(ends[-1]) if len(ends) else 0, dtype=object)
    single = np.ones(len(values), dtype=bool)
    single[several] = False
    spread[starts[single]] = np.asarray(values, dtype=object)[single]
    for group, rows in own.items():
        spread[starts[group] : ends[group]] = rows
    return spread


def _ballots(
    votes: _Votes, groups: _Groups, verdicts: dict[int, _Verdict], ids: list[str], batches: list[Batch]
) -> pd.DataFrame:
    """Every vote in statement order, each statement's in arrival order; `standing` marks the
    votes that count (each annotator's latest, or all of a conflict: neither replaced the other)."""
    order = groups.order
    standing = np.ones(len(order), dtype=bool)
    for group, verdict in verdicts.items():
        standing[groups.start[group] : groups.start[group] + groups.size[group]] = verdict.standing
    columns = {
        "statement_id": _take(ids, groups.code[order]),
        "annotator": _take(votes.voter, order),
        "label": _take(votes.label, order),
        "tone": _take(votes.tone, order),
        "file": _take([b.name for b in batches], np.asarray(votes.batch, dtype=np.intp)[order]),
        "line": np.asarray(votes.line, dtype=np.int64)[order],
        "standing": standing,
    }
    return _table(columns, VOTE_COLUMNS)


def _table(columns: dict, names: list[str]) -> pd.DataFrame:
    """A table from its columns, typed as pandas types the same table built from its rows
    (which is how _frame builds the small tables): an empty one has untyped columns."""
    return pd.DataFrame({name: columns[name] for name in names} if len(columns[names[0]]) else [], columns=names)


def _frame(records: list[dict], columns: list[str], sort: str | None) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=columns)
    if sort and not frame.empty:
        frame = frame.sort_values(sort, kind="stable", ignore_index=True)
    return frame


# The ledger -----------------------------------------------------------------------------------------


def _ledger(
    batches: list[Batch], votes: _Votes, groups: _Groups, verdicts: dict[int, _Verdict], rejects: _Rejects
) -> dict:
    files = {b.name: {"read": len(b.rows), "kept": 0, "merged": 0, "rejected": 0} for b in batches}
    counted = np.ones(len(groups.size), dtype=bool)  # statements kept (not disputed)
    counted[[group for group, verdict in verdicts.items() if verdict.label is None]] = False
    founder = np.zeros(len(groups.code), dtype=bool)
    founder[groups.first] = True
    batch = np.asarray(votes.batch, dtype=np.intp)
    kept = np.bincount(batch[counted[groups.code] & founder], minlength=len(batches))
    merged = np.bincount(batch[counted[groups.code] & ~founder], minlength=len(batches))
    for number, b in enumerate(batches):
        files[b.name]["kept"] += int(kept[number])
        files[b.name]["merged"] += int(merged[number])
    for file, n in Counter(rejects.file).items():
        files[file]["rejected"] += n
    total = {key: sum(f[key] for f in files.values()) for key in ("read", "kept", "merged", "rejected")}
    for name, counts in files.items():
        if counts["read"] != counts["kept"] + counts["merged"] + counts["rejected"]:
            raise AssertionError(f"ledger does not balance for {name}: {counts}")
    reasons = Counter()
    for reason, n in Counter(rejects.reason).items():
        reasons[_reason_kind(reason)] += n
    return {"total": total, "files": files, "reasons": dict(sorted(reasons.items()))}


def _reason_kind(reason: str) -> str:
    """The kind of a reject reason, for the ledger: its words before any detail."""
    return re.split(r":| \(", reason, maxsplit=1)[0]


def run(params: Params, args=None) -> None:
    """data/raw/ → data/clean/{statements,rejects,votes}.csv, the ledger, disputes and label changes."""
    studio = (params.clean.label_studio.get("label", "label"), params.clean.label_studio.get("tone", "tone"))
    # Neither the batches nor the result are held here: _write_tables lets go of each table
    # before reading it back, and on a million rows that read needs as much memory again.
    result = clean_batches(
        [read_batch(path, params.clean.columns, studio) for path in list_batches(paths.RAW_DIR)], params.clean
    )
    ledger = result.ledger
    # Rejects and disputes are read by people in spreadsheets (the report only counts disputes);
    # label_changes.csv stays raw: the report reads its ids and batch names back.
    tables = {
        paths.STATEMENTS: (result.statements, False),
        paths.REJECTS: (result.rejects, True),
        paths.DISPUTED: (result.disputed, True),
        paths.LABEL_CHANGES: (result.label_changes, False),
        paths.VOTES: (result.votes, False),
    }
    del result
    _write_tables(tables)
    write_json(ledger, paths.CLEAN_LEDGER)
    total = ledger["total"]
    print(
        f"clean: read {total['read']}, kept {total['kept']}, merged {total['merged']}, "
        f"rejected {total['rejected']} → {paths.STATEMENTS}"
    )


def _write_tables(tables: dict[Path, tuple[pd.DataFrame, bool]]) -> None:
    """Write each table (path: (frame, for_people)), taking it out of `tables`, then read it back
    as the next stages will: a different row count means the writer split or joined rows (a
    cell's line break written unquoted), which would pass on as silently corrupt data."""
    while tables:
        path = next(iter(tables))
        frame, for_people = tables.pop(path)
        written, first_column = len(frame), frame.columns[:1]
        write_csv(frame, path, for_people=for_people)
        del frame  # its last reference: the read-back can reuse its memory
        rows = len(read_frame(path, columns=first_column))  # every record is parsed; one column is kept
        if rows != written:
            raise StanceError(f"{path}: {written} rows written but {rows} read back (a bug in the CSV writer)")
