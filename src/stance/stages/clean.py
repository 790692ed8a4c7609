"""clean: annotation batches → one adjudicated statement per row, rejects, and a ledger.

Every input row ends in exactly one of three places — kept (it founded a statement),
merged (it added a vote to a statement founded earlier) or rejected (with its reason) —
so that read = kept + merged + rejected holds for every file and in total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from stance import paths
from stance.config import CleanParams, Params
from stance.errors import located
from stance.io import Batch, list_batches, read_batch, write_csv, write_json
from stance.text import match_key, normalise, statement_id

REQUIRED = ("text", "label")
METADATA = ("source_id", "speaker_state", "speaker_role", "topic", "date", "duplicate_of")
REJECT_COLUMNS = ["file", "line", "reason", "text"]
VOTE_COLUMNS = ["statement_id", "annotator", "label", "tone", "file", "line", "standing"]


@dataclass
class Vote:
    batch: int
    file: str
    line: int
    voter: str
    label: str
    tone: str
    row: dict


@dataclass
class Statement:
    votes: list[Vote] = field(default_factory=list)


@dataclass(frozen=True)
class CleanResult:
    statements: pd.DataFrame
    rejects: pd.DataFrame
    disputed: pd.DataFrame
    label_changes: pd.DataFrame
    votes: pd.DataFrame
    ledger: dict


def clean_batches(batches: list[Batch], params: CleanParams) -> CleanResult:
    """Validate, normalise, merge and adjudicate every row of every batch (in order)."""
    rejects: list[dict] = []
    votes: list[Vote] = []
    for number, batch in enumerate(batches):
        _check_columns(batch)
        for row in batch.rows.to_dict("records"):
            vote, reason = _to_vote(number, batch.name, row, params)
            if reason is None:
                votes.append(vote)
                continue
            if params.on_error == "fail":
                raise located(batch.name, row["line"], reason)
            rejects.append({"file": batch.name, "line": row["line"], "reason": reason, "text": row.get("text", "")})
    statements, disputed, changes, kept, merged, ballots = [], [], [], [], [], []
    for group in _group(votes):
        ballots.extend(_ballots(group.votes))
        history = _history(group.votes, params.adjudication, batches)
        changes.extend(history)
        label = _adjudicate(group.votes, params.adjudication)
        if label is None:
            disputed.append(_dispute_record(group.votes))
            rejects.extend(
                {
                    "file": v.file,
                    "line": v.line,
                    "text": v.row["text"],
                    "reason": f"disputed: votes {_tally(group.votes)}",
                }
                for v in group.votes
            )
            continue
        statements.append(_statement_record(group.votes, label, history[-1]["batch"], batches))
        kept.append(group.votes[0])
        merged.extend(group.votes[1:])
    return CleanResult(
        statements=_frame(statements, sort="statement_id"),
        rejects=pd.DataFrame(rejects, columns=REJECT_COLUMNS).sort_values(
            ["file", "line"], kind="stable", ignore_index=True
        ),
        disputed=_frame(disputed, sort="statement_id"),
        label_changes=_frame(changes, sort=None),
        votes=pd.DataFrame(ballots, columns=VOTE_COLUMNS),
        ledger=_ledger(batches, kept, merged, rejects),
    )


def _check_columns(batch: Batch) -> None:
    missing = [c for c in REQUIRED if c not in batch.rows.columns]
    if missing:
        found = ", ".join(c for c in batch.rows.columns if c != "line") or "none"
        raise located(batch.name, 1, f"missing column {missing[0]!r} (columns found: {found})")
    if batch.rows.empty:
        raise located(batch.name, None, "header only: no statements in this batch")


def _canonical(value: str, allowed: tuple[str, ...], synonyms: dict[str, str]) -> str | None:
    value = value.strip()
    lowered = {k.casefold(): v for k, v in synonyms.items()}
    candidate = lowered.get(value.casefold(), value.casefold())
    return candidate if candidate in allowed else None


def _to_vote(number: int, file: str, row: dict, params: CleanParams) -> tuple[Vote | None, str | None]:
    text = normalise(_cell(row, "text"))
    label_raw, tone_raw = _cell(row, "label"), _cell(row, "tone")
    if not text:
        return None, "empty text"
    if len(text) < params.min_chars:
        return None, f"text too short: {len(text)} characters (limit clean.min_chars={params.min_chars})"
    if len(text) > params.max_chars:
        return None, f"text too long: {len(text)} characters (limit clean.max_chars={params.max_chars})"
    if not label_raw.strip():
        return None, "missing label"
    label = _canonical(label_raw, params.labels, params.synonyms)
    if label is None:
        return None, f"unknown label: {label_raw.strip()!r} (allowed: {', '.join(params.labels)})"
    tone = ""
    if tone_raw.strip():
        tone = _canonical(tone_raw, params.tones, params.synonyms)
        if tone is None:
            return None, f"unknown tone: {tone_raw.strip()!r} (allowed: {', '.join(params.tones)})"
    voter = _cell(row, "annotator").strip() or f"batch:{file}"
    cleaned = {**{k: _cell(row, k) for k in row}, "text": text, "text_original": _cell(row, "text")}
    return Vote(number, file, int(row["line"]), voter, label, tone, cleaned), None


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _group(votes: list[Vote]) -> list[Statement]:
    """Rows sharing a statement_id or a normalised text are one statement (union-find)."""
    parent = list(range(len(votes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[str, int] = {}
    for i, vote in enumerate(votes):
        keys = ["text:" + match_key(vote.row["text"])]
        if vote.row.get("statement_id", "").strip():
            keys.append("id:" + vote.row["statement_id"].strip())
        for key in keys:
            root_i, root_j = find(i), find(first_seen.setdefault(key, i))
            parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, Statement] = {}
    for i, vote in enumerate(votes):
        groups.setdefault(find(i), Statement()).votes.append(vote)
    return [groups[root] for root in sorted(groups)]


def _current(votes: list[Vote]) -> list[Vote]:
    """Each voter's latest vote: a re-label by the same annotator replaces the earlier one."""
    latest: dict[str, Vote] = {}
    for vote in votes:
        latest[vote.voter] = vote
    return list(latest.values())


def _adjudicate(votes: list[Vote], rule: str) -> str | None:
    """The adjudicated label, or None when the statement is disputed under `rule`."""
    current = _current(votes)
    if rule == "latest":
        return current[-1].label if current else None
    counts = Counter(v.label for v in current).most_common()
    if rule == "drop_disputed" and len(counts) > 1:
        return None
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None
    return counts[0][0]


def _history(votes: list[Vote], rule: str, batches: list[Batch]) -> list[dict]:
    """How the adjudicated label moved, batch by batch, as the votes arrived."""
    changes, previous = [], None
    for number in sorted({v.batch for v in votes}):
        label = _adjudicate([v for v in votes if v.batch <= number], rule)
        state = label or "disputed"
        if state != previous:
            changes.append(
                {
                    "batch": batches[number].name,
                    "statement_id": _id(votes),
                    "change": _kind(previous, state),
                    "old": previous or "",
                    "new": state,
                }
            )
        previous = state
    return changes


def _kind(old: str | None, new: str) -> str:
    if old is None:
        return "added" if new != "disputed" else "added_disputed"
    if new == "disputed":
        return "dispute_created"
    return "dispute_resolved" if old == "disputed" else "relabelled"


def _id(votes: list[Vote]) -> str:
    given = [v.row.get("statement_id", "").strip() for v in votes]
    return next((g for g in given if g), None) or statement_id(votes[0].row["text"])


def _ballots(votes: list[Vote]) -> list[dict]:
    """Every vote on one statement in arrival order; `standing` marks each annotator's latest."""
    sid, standing = _id(votes), {id(v) for v in _current(votes)}
    return [
        {
            "statement_id": sid,
            "annotator": v.voter,
            "label": v.label,
            "tone": v.tone,
            "file": v.file,
            "line": v.line,
            "standing": id(v) in standing,
        }
        for v in votes
    ]


def _tally(votes: list[Vote]) -> str:
    counts = Counter(v.label for v in _current(votes))
    return ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))


def _tone(votes: list[Vote]) -> str:
    tones = [v.tone for v in _current(votes) if v.tone]
    if not tones:
        return ""
    counts = Counter(tones).most_common()
    tied = [t for t, n in counts if n == counts[0][1]]
    return next(t for t in reversed(tones) if t in tied)


def _statement_record(votes: list[Vote], label: str, label_batch: str, batches: list[Batch]) -> dict:
    meta = {key: next((v.row.get(key, "") for v in votes if v.row.get(key, "").strip()), "") for key in METADATA}
    return {
        "statement_id": _id(votes),
        "text": votes[0].row["text"],
        "text_original": votes[0].row["text_original"],
        "label": label,
        "tone": _tone(votes),
        "n_votes": len(_current(votes)),
        "votes": _tally(votes),
        **meta,
        "first_batch": batches[votes[0].batch].name,
        "label_batch": label_batch,
    }


def _dispute_record(votes: list[Vote]) -> dict:
    return {
        "statement_id": _id(votes),
        "text": votes[0].row["text"],
        "votes": "; ".join(f"{v.voter}={v.label} ({v.file}:{v.line})" for v in votes),
    }


def _frame(records: list[dict], sort: str | None) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    if sort and not frame.empty:
        frame = frame.sort_values(sort, kind="stable", ignore_index=True)
    return frame


def _ledger(batches: list[Batch], kept: list[Vote], merged: list[Vote], rejects: list[dict]) -> dict:
    files = {b.name: {"read": len(b.rows), "kept": 0, "merged": 0, "rejected": 0} for b in batches}
    for vote in kept:
        files[vote.file]["kept"] += 1
    for vote in merged:
        files[vote.file]["merged"] += 1
    for reject in rejects:
        files[reject["file"]]["rejected"] += 1
    total = {key: sum(f[key] for f in files.values()) for key in ("read", "kept", "merged", "rejected")}
    for name, counts in files.items():
        if counts["read"] != counts["kept"] + counts["merged"] + counts["rejected"]:
            raise AssertionError(f"ledger does not balance for {name}: {counts}")
    reasons = Counter(r["reason"].split(":")[0] for r in rejects)
    return {"total": total, "files": files, "reasons": dict(sorted(reasons.items()))}


def run(params: Params, args=None) -> None:
    """data/raw/ → data/clean/{statements,rejects,votes}.csv, the ledger, disputes and label changes."""
    studio = (params.clean.label_studio.get("label", "label"), params.clean.label_studio.get("tone", "tone"))
    batches = [read_batch(path, params.clean.columns, studio) for path in list_batches(paths.RAW_DIR)]
    result = clean_batches(batches, params.clean)
    write_csv(result.statements, paths.STATEMENTS)
    write_csv(result.rejects, paths.REJECTS)
    write_csv(result.disputed, paths.DISPUTED)
    write_csv(result.label_changes, paths.LABEL_CHANGES)
    write_csv(result.votes, paths.VOTES)
    write_json(result.ledger, paths.CLEAN_LEDGER)
    total = result.ledger["total"]
    print(
        f"clean: read {total['read']}, kept {total['kept']}, merged {total['merged']}, "
        f"rejected {total['rejected']} → {paths.STATEMENTS}"
    )
