"""Whole documents (news articles, press releases, briefing transcripts) → one row per statement.

`extract_statements` turns a frame of documents into a frame of sentences with their speaker; `read_documents`
(the only function here that touches the disk) loads .txt/.md files, a folder of them, or a .jsonl.

How a document is read, in order:

1. Non-statements are dropped: a headline (the first short line without final punctuation, title case or all
   caps, when more text follows), bylines ("By Jane Doe"), photo captions ("Photo: …", "… Photo: Agency",
   "(AGENCY/Photographer)"), stage directions ("(Laughter)", "[Transcript begins]"), boilerplate
   ("Reporting by …; Editing by …", "FOR IMMEDIATE RELEASE", "###", "Media contact: …"), and heading-like
   paragraphs anywhere (short, unpunctuated, title case or caps: sub-heads, a "Korva City, 4 June 2031" line).
2. Paragraphs are blank-line separated blocks (single newlines are soft wraps) or, in a text without any
   blank line, single lines. A dateline that opens a paragraph ("KORVA CITY, March 3 (KNA) —") is cut off;
   the first dateline date that has a year becomes the rows' date when the input gave none.
3. Transcript turns ("Q:", "A:", "SPOKESPERSON:", "Q (Agency):"; labels in capitals, or Question/Answer) set
   the speaker to the label, as written, for every sentence of the turn (later unlabelled paragraphs
   continue it), with quote=True: a turn is the speaker's own words. The label is not part of the text.
4. Quotation marks are paired over the whole document (typographic and straight, double and single): a
   top-level quotation may run over several sentences and paragraphs (the news convention of leaving a
   paragraph's quote open and reopening it in the next); a quotation nested in it stays in its sentence.
5. Sentences come from pysbd. It beat syntok and untrained NLTK Punkt (the trained model needs a download)
   on held-out tricky paragraphs, 0.95/0.97 sentence precision/recall against 0.89/0.94 and 0.52/0.72, and
   is the only one of the three that keeps "Lt. Col." and "Maj. Gen." whole; it is the slowest (~4,500
   sentences/s against ~15,000 and ~35,000), which is fast enough here. Details: docs/segmenter.md.
   pysbd never splits inside quotation marks, so it is given the paragraph with top-level marks blanked
   and the sentence stops inside nested quotes neutralised; the marks are then handed back to the
   sentence they close or open. A piece that starts in lower case (a split after an abbreviation pysbd
   does not know) or only continues a quote's attribution (“Stop!” the envoy said.) is joined back.
6. Speakers come from reporting clauses (said, says, say, warned, stated, stressed, added, noted, told,
   declared, announced, threatened, cautioned, insisted, asked, replied, wrote, explained, argued, claimed,
   urged, vowed, pledged, reiterated, emphasised, asserted and their -s forms; "according to X") in the
   unquoted part of a sentence: "X said", "said X", "X said on Tuesday", "X, the ministry's spokesperson,
   said" (the proper name wins over the apposition, whichever comes first). Passives ("was told") name
   nobody. A quotation takes the attribution found in any sentence it touches; failing that, if it stands
   alone in its sentences, the speaker of the previous quotation or sentence of its paragraph, or, for a
   paragraph that is all quotation, of the quotation that ended the previous paragraph.
   quote=True marks a sentence that carries speech: a quotation that opens its sentence, follows a colon or
   comma, spans sentences, or has at least four words. Short quotes inside a sentence ("a bluff") are
   taken as scare quotes and leave quote=False.
7. Pronoun speakers (he, she, it, they) resolve to the most recent earlier speaker of a compatible kind:
   he/she → the nearest person (a title, a role noun such as "the minister", or a multi-word name), unless
   a Mr./Ms.-style title contradicts the pronoun; it → an organisation (ministry, government, command, …) or
   a bare one-word name such as a country; they → an organisation or a plural ("officials"). With no such
   antecedent the pronoun stays, lower-cased, so a reader can see the speaker is unresolved rather than
   read a guess as a name.

Speakers are kept as written, except that a capital that only marks the start of a sentence (The, A, Its,
He, Officials…) is lower-cased so "The ministry warned" and "…, the ministry said" give the same speaker.
Different spellings of one actor ("Gen. Anka Strelow", "Gen. Strelow") are not merged. Narration with no
reporting clause has speaker "". A row's text is the sentence as written (reporting clause included),
runs of whitespace as one space.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from stance.errors import StanceError, located

COLUMNS = ["document_id", "sentence", "text", "speaker", "quote", "date", "source"]
DOCUMENT_SUFFIXES = (".txt", ".md")

# A segmenter maps a (masked) paragraph to the character spans of its sentences.
Segmenter = Callable[[str], list[tuple[int, int]]]

# --------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------


def read_documents(path: Path) -> pd.DataFrame:
    """Documents from a .txt/.md file, a folder of them, or a .jsonl; columns document_id, text, date, source.

    A text file is one document named after its stem; a folder contributes its .txt/.md files (sorted by
    name, not recursive, other files ignored); a .jsonl line is an object with "text" and optionally
    "document_id" (default doc-<line number>), "date" and "source". Bad input raises StanceError naming
    the file, the line where there is one, and the problem.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and _is_document_file(p))
        if not files:
            raise located(path, None, "empty folder (no .txt or .md documents)")
        rows = [_text_document(p) for p in files]
    elif not path.exists():
        raise located(path, None, "not found")
    elif _is_document_file(path):
        rows = [_text_document(path)]
    elif path.suffix.lower() == ".jsonl":
        rows = _jsonl_documents(path, _decode(path, _read_bytes(path)))
    else:
        raise located(path, None, "unsupported file type (expected .txt, .md, .jsonl or a folder of .txt/.md)")
    return pd.DataFrame(rows, columns=["document_id", "text", "date", "source"], dtype=object)


def _is_document_file(path: Path) -> bool:
    return path.suffix.lower() in DOCUMENT_SUFFIXES and not path.name.startswith(".")


def _text_document(path: Path) -> dict[str, str]:
    return {"document_id": path.stem, "text": _decode(path, _read_bytes(path)), "date": "", "source": ""}


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise located(path, None, f"cannot read ({exc.strerror})") from None


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise located(path, None, "empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise located(path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}; re-save the file as UTF-8)") from None


def _jsonl_documents(path: Path, text: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise located(path, number, f"invalid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise located(path, number, "each line must be a JSON object")
        if "text" not in obj:
            raise located(path, number, 'missing "text"')
        if not isinstance(obj["text"], str):
            raise located(path, number, f'"text" is not a string (got {_json_type(obj["text"])})')
        document_id = _json_scalar(path, number, obj, "document_id") or f"doc-{number}"
        if document_id in first_seen:
            raise located(
                path, number, f"duplicate document_id {document_id!r} (first at line {first_seen[document_id]})"
            )
        first_seen[document_id] = number
        rows.append(
            {
                "document_id": document_id,
                "text": obj["text"],
                "date": _json_scalar(path, number, obj, "date"),
                "source": _json_scalar(path, number, obj, "source"),
            }
        )
    return rows


def _json_scalar(path: Path, number: int, obj: dict, key: str) -> str:
    """An optional string-ish field: null/absent → "", numbers are accepted as their text."""
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise located(path, number, f'"{key}" is not a string (got {_json_type(value)})')
    return str(value).strip()


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "number", list: "array", dict: "object", str: "string"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------------------------------
# Public core
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One kept sentence of a document."""

    text: str
    speaker: str
    quote: bool


def extract_statements(documents: pd.DataFrame, *, segmenter: Segmenter | None = None) -> pd.DataFrame:
    """One row per statement: document_id, sentence (1-based), text, speaker, quote, date, source.

    `documents` has document_id and text, and optionally date and source. A row's date is its input
    date when given, else a dateline date that has a year, else "". `segmenter` replaces pysbd (used to
    compare segmenters on the same pipeline; see docs/segmenter.md).
    """
    missing = [c for c in ("document_id", "text") if c not in documents.columns]
    if missing:
        raise StanceError(f"documents: missing column {missing[0]!r} (expected document_id and text)")
    split = segmenter or _pysbd_spans
    rows: list[dict[str, object]] = []
    for record in documents.to_dict("records"):
        document_id = _cell(record.get("document_id"))
        statements, dateline_date = document_statements(_cell(record.get("text")), split)
        given_date, source = _cell(record.get("date")), _cell(record.get("source"))
        for number, statement in enumerate(statements, start=1):
            rows.append(
                {
                    "document_id": document_id,
                    "sentence": number,
                    "text": statement.text,
                    "speaker": statement.speaker,
                    "quote": statement.quote,
                    "date": given_date or dateline_date,
                    "source": source,
                }
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({"sentence": "int64", "quote": "bool"})


def _cell(value: object) -> str:
    # pandas hands missing cells over as NaN/None; both mean "absent" here.
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value).strip()


def document_statements(text: str, segmenter: Segmenter | None = None) -> tuple[list[Statement], str]:
    """The statements of one document and the ISO date of its first dateline that has a year ("" if none)."""
    paragraphs, found_date = _paragraphs(text)
    quotes = _pair_quotes([p.text for p in paragraphs])
    sentences = [
        sentence
        for index, (paragraph, marks) in enumerate(zip(paragraphs, quotes, strict=True))
        for sentence in _paragraph_sentences(index, paragraph, marks, segmenter or _pysbd_spans)
    ]
    _mark_speech(sentences, quotes)
    speakers = _speakers(sentences)
    statements = [
        Statement(text=_SPACES.sub(" ", s.text).strip(), speaker=speaker, quote=s.turn is not None or bool(s.speech))
        for s, speaker in zip(sentences, speakers, strict=True)
        if _LETTER.search(s.text)
    ]
    return statements, found_date


# --------------------------------------------------------------------------------------------------
# Paragraphs: what is kept, datelines, transcript turns
# --------------------------------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
_FINAL_PUNCTUATION = re.compile(r"[.!?…:;][\"'”’)\]]*\s*$")
_SMALL_WORDS = _word_set("a an and as at but by for from in nor of on or the to vs with")

_BYLINE = re.compile(r"^By\s+(?:[A-Z][\w.'’-]*|and|&|,|\s)+$")
_BOILERPLATE = re.compile(
    r"""^(?:\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|translated|produced)\s+by\b
        |for\s+immediate\s+release\b
        |(?:media|press)\s+(?:contact|enquiries|inquiries|office)\s*:
        |(?:contact|source|copyright|related|read\s+more|follow\s+us|editor'?s?\s+note|notes?\s+to\s+editors?)\s*:
        |©|all\s+rights\s+reserved
        |(?:[#*=_-]\s*){3,}$
        |[-(\s]*(?:end|ends|-30-)[-)\s.]*$)""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION = re.compile(
    r"""^(?:file\s+)?(?:photo|picture|image|caption|pictured|video)\s*(?:[:—–|]|-\s)
        |(?:photo|picture|image)(?:\s+credit)?\s*[:/]\s*[^.!?]*$
        |\((?:photo|picture|image)\b[^)]*\)\s*$
        |\([A-Z][A-Z0-9.&]+\s*/\s*[^)]+\)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_STAGE_DIRECTION = re.compile(r"^\s*(?:\([^()]*\)|\[[^\[\]]*\])\s*$")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATELINE = re.compile(
    rf"""^(?P<place>[A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+)*)
        (?:,\s*[A-Z][\w.]+(?:\s+[A-Z][\w.]+)*)??
        (?:,\s*(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:,?\s+(?P<y1>\d{{4}}))?
                 |(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH})(?:,?\s+(?P<y2>\d{{4}}))?
                 |{_WEEKDAY}))?
        \s*(?:\([^()]{{1,60}}\)|/[^/]{{1,60}}/)?
        \s*(?:—|–|--|-)\s+""",
    re.VERBOSE,
)
_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}

_TURN = re.compile(
    r"""^(?P<label>(?:Q|A|Question|Answer|[A-Z][A-Z.'’\-]*(?:\s+[A-Z][A-Z.'’\-]*){0,3})(?:\s*\([^()]{1,60}\))?)
        \s*:(?:\s+|$)""",
    re.VERBOSE,
)
_NOT_TURN_LABELS = frozenset({"PHOTO", "FILE PHOTO", "NOTE", "CONTACT", "SOURCE", "UPDATE", "CAPTION", "EDITOR'S NOTE"})


@dataclass(frozen=True)
class Paragraph:
    """A kept paragraph: its text after any dateline or turn label, and the turn it belongs to."""

    text: str
    turn: str | None


def _paragraphs(text: str) -> tuple[list[Paragraph], str]:
    """The kept paragraphs of a document and the ISO date of its first dateline that has one."""
    blocks = _blocks(text)
    kept: list[Paragraph] = []
    found_date, turn = "", None
    for block in blocks:
        if _is_dropped(block) or (len(blocks) > 1 and _is_heading(block)):
            continue
        label, block = _turn_label(block)
        turn = label or turn
        if turn is None:
            block, dateline_date = _cut_dateline(block)
            found_date = found_date or dateline_date
        if _LETTER.search(block):
            kept.append(Paragraph(text=block, turn=turn))
    return kept, found_date


def _blocks(text: str) -> list[str]:
    """Paragraph texts with soft wraps joined, after line-level drops (headline, byline, boilerplate)."""
    lines = text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # decided before any line is dropped: a dropped byline must not turn line-per-paragraph text into one block
    by_blank_lines = any(not line.strip() for line in lines)
    lines = _drop_header_lines(lines)
    blocks: list[list[str]] = [[]]
    for line in lines:
        starts_turn = bool(_TURN.match(line.strip())) and _turn_label(line.strip())[0] is not None
        if not line.strip() or not by_blank_lines or starts_turn:
            blocks.append([])
        if line.strip():
            blocks[-1].append(line.strip())
    return [" ".join(block) for block in blocks if block]


def _drop_header_lines(lines: list[str]) -> list[str]:
    """Blank out the headline (first content line) and every byline, boilerplate or caption line."""
    out = [("" if _is_dropped(line.strip()) else line) for line in lines]
    content = [i for i, line in enumerate(out) if line.strip()]
    if len(content) > 1 and _is_heading(out[content[0]].strip()):
        out[content[0]] = ""
    return out


def _is_dropped(block: str) -> bool:
    """Never a statement: byline, boilerplate, photo caption or stage direction."""
    return bool(
        _BYLINE.match(block) or _BOILERPLATE.match(block) or _CAPTION.search(block) or _STAGE_DIRECTION.match(block)
    )


def _is_heading(block: str) -> bool:
    """A short unpunctuated line in title case or capitals: a headline, sub-head or date line."""
    words = block.split()
    if not words or len(words) > 15 or _FINAL_PUNCTUATION.search(block) or _TURN.match(block):
        return False
    letters = [c for c in block if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return True
    content = [w.strip("\"'“”‘’(),") for w in words]
    return all(not w or w.lower() in _SMALL_WORDS or w[0].isupper() or w[0].isdigit() for w in content)


def _turn_label(block: str) -> tuple[str | None, str]:
    """A transcript turn's label ("Q", "SPOKESPERSON") and the text after it, or (None, block)."""
    match = _TURN.match(block)
    if not match or match.group("label").upper() in _NOT_TURN_LABELS:
        return None, block
    return match.group("label"), block[match.end() :]


def _cut_dateline(block: str) -> tuple[str, str]:
    """The block without a leading dateline, and the dateline's ISO date when it has a year."""
    match = _DATELINE.match(block)
    if not match or len(match.group("place")) < 2:
        return block, ""
    return block[match.end() :], _dateline_date(match)


def _dateline_date(match: re.Match[str]) -> str:
    year = match.group("y1") or match.group("y2")
    month = match.group("m1") or match.group("m2")
    day = match.group("d1") or match.group("d2")
    if not (year and month and day):
        return ""
    try:
        return date(int(year), _MONTHS[month[:3].lower()], int(day)).isoformat()
    except ValueError:  # "February 30" in a dateline is a typo, not a date
        return ""


# --------------------------------------------------------------------------------------------------
# Quotation marks
# --------------------------------------------------------------------------------------------------

OPEN, CLOSE, EITHER = "open", "close", "either"
_OPENING_CONTEXT = set(" \t([{—–-/“‘\"'")


@dataclass
class ParagraphQuotes:
    """The quotation structure of one paragraph.

    spans: top-level quotations as (start, end, group) with end exclusive; a group id is shared by the pieces
    of one quotation continued over paragraphs. nested: (start, end) of quotations inside them. opening and
    closing: positions of the marks that open or close either kind (apostrophes are in neither).
    """

    spans: list[tuple[int, int, int]] = field(default_factory=list)
    nested: list[tuple[int, int]] = field(default_factory=list)
    opening: set[int] = field(default_factory=set)
    closing: set[int] = field(default_factory=set)


def _marks(text: str) -> list[tuple[int, str, str]]:
    """(position, kind d/s, direction) of each quotation mark, apostrophes left out."""
    found = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if char in "“„«":
            found.append((i, "d", OPEN))
        elif char in "”»":
            found.append((i, "d", CLOSE))
        elif char == "‘":
            found.append((i, "s", OPEN))
        elif char in "\"'’":
            kind = "d" if char == '"' else "s"
            if kind == "s" and (before.isalnum() and (after.isalpha() or after.isdigit())):
                continue  # an apostrophe inside a word: Korva's, don't
            if kind == "s" and before in _OPENING_CONTEXT and after.isdigit():
                continue  # an elided century: '90s
            opens = before in _OPENING_CONTEXT and not after.isspace()
            closes = before not in " \t" and (after.isspace() or not after.isalnum())
            if opens and not closes:
                found.append((i, kind, OPEN))
            elif closes and not opens:
                found.append((i, kind, CLOSE))
            elif opens and closes:
                found.append((i, kind, EITHER))
    return found


def _pair_quotes(paragraphs: list[str]) -> list[ParagraphQuotes]:
    """Pair quotation marks over a whole document, carrying an open quotation into the next paragraph."""
    result: list[ParagraphQuotes] = []
    group = -1
    carried: str | None = None  # kind of a top-level quote left open at the end of the previous paragraph
    for text in paragraphs:
        info = ParagraphQuotes()
        marks = _marks(text)
        top_kind: str | None = None
        top_start = nested_start = 0
        nested_kind: str | None = None
        first = marks[0] if marks else None
        continues = (
            carried is not None
            and first is not None
            and first[1] == carried
            and first[2] != CLOSE
            and not text[: first[0]].strip()
        )
        if not continues:
            carried = None
        for position, kind, direction in marks:
            if top_kind is None:
                if direction == CLOSE:
                    continue  # a stray closing mark (or a plural possessive) opens nothing
                top_kind, top_start = kind, position
                if not (continues and position == first[0]):
                    group += 1
                info.opening.add(position)
            elif nested_kind is None:
                if kind == top_kind and direction != OPEN:
                    info.spans.append((top_start, position + 1, group))
                    info.closing.add(position)
                    top_kind = None
                elif kind != top_kind and direction != CLOSE:
                    nested_kind, nested_start = kind, position
                    info.opening.add(position)
            elif kind == nested_kind and direction != OPEN:
                info.nested.append((nested_start, position + 1))
                info.closing.add(position)
                nested_kind = None
            elif kind == top_kind and direction != OPEN:
                # the nested quote was never closed: this mark ends both
                info.nested.append((nested_start, position))
                info.spans.append((top_start, position + 1, group))
                info.closing.add(position)
                top_kind = nested_kind = None
        if nested_kind is not None:
            info.nested.append((nested_start, len(text)))
        if top_kind is not None:
            info.spans.append((top_start, len(text), group))
        carried = top_kind
        result.append(info)
    return result


# --------------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------------


@cache
def _pysbd_segmenter():
    import pysbd  # imported lazily: building its rules costs a noticeable moment

    return pysbd.Segmenter(language="en", clean=False)


def _pysbd_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans from pysbd, located in `text` (pysbd returns strings, not offsets)."""
    return _locate(text, _pysbd_segmenter().segment(text))


def _locate(text: str, pieces: Iterable[str]) -> list[tuple[int, int]]:
    """The spans of consecutive pieces of `text`; anything left over becomes one last span."""
    spans, cursor = [], 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = text.find(piece, cursor)
        if start < 0:  # the segmenter rewrote something: keep the rest whole rather than lose it
            break
        spans.append((start, start + len(piece)))
        cursor = start + len(piece)
    if cursor < len(text) and text[cursor:].strip():
        rest = len(text) - len(text[cursor:].lstrip())
        spans.append((rest, len(text.rstrip())))
    return spans


@dataclass
class Sentence:
    """A sentence span of a paragraph, with what the speaker logic needs to know about it."""

    paragraph: int
    start: int
    end: int
    text: str
    turn: str | None
    groups: list[int] = field(default_factory=list)  # top-level quotations it touches
    speech: list[int] = field(default_factory=list)  # those of them that are speech
    unquoted: str = ""  # its text with speech quotations replaced by a "|" boundary


def _paragraph_sentences(index: int, paragraph: Paragraph, quotes: ParagraphQuotes, split: Segmenter) -> list[Sentence]:
    """The sentences of one paragraph, quotation marks attached where they belong."""
    text = paragraph.text
    spans = _attach_marks(split(_mask(text, quotes)), quotes, len(text))
    spans = _join_fragments(text, spans, quotes)
    sentences = []
    for start, end in spans:
        groups = [g for s, e, g in quotes.spans if s < end and e > start]
        sentences.append(Sentence(index, start, end, text[start:end], paragraph.turn, sorted(set(groups))))
    return sentences


def _mask(text: str, quotes: ParagraphQuotes) -> str:
    """The text pysbd sees: quotation marks blanked, sentence ends inside nested quotes neutralised."""
    chars = list(text)
    for position in quotes.opening | quotes.closing:
        chars[position] = " "
    for start, end in quotes.nested:
        inner = text[start + 1 : end - 1] if end - 1 in quotes.closing else text[start + 1 : end]
        final = len(inner.rstrip().rstrip(".!?…"))  # the nested quote's own final stop may end the sentence
        for offset in range(final):
            if inner[offset] in ".!?…":
                chars[start + 1 + offset] = ","
    return "".join(chars)


def _attach_marks(spans: list[tuple[int, int]], quotes: ParagraphQuotes, length: int) -> list[tuple[int, int]]:
    """Give each blanked mark back: a closing mark to the sentence before it, an opening one to the next."""
    adjusted = []
    for i, (start, end) in enumerate(spans):
        previous_end = adjusted[-1][1] if adjusted else 0
        next_start = spans[i + 1][0] if i + 1 < len(spans) else length
        openers = [p for p in quotes.opening if previous_end <= p < start]
        closers = [p for p in quotes.closing if end <= p < next_start]
        if openers:
            start = min(openers)
        if closers:
            end = max(closers) + 1
        adjusted.append((start, end))
    return adjusted


def _join_fragments(text: str, spans: list[tuple[int, int]], quotes: ParagraphQuotes) -> list[tuple[int, int]]:
    """Join pieces that cannot start a sentence to the one before.

    A piece starting in lower case follows a split after an abbreviation pysbd did not know ("the Korva
    Inst. of Strategy"); a piece that only continues the attribution of the quotation before it
    (“Stop!” the envoy said.) belongs to that quotation's sentence.
    """
    quote_ends = {end for _, end, _ in quotes.spans}
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        piece = text[start:end]
        inside_quote = any(s <= start < e for s, e, _ in quotes.spans)
        after_quote = bool(joined) and joined[-1][1] in quote_ends and not inside_quote
        if joined and (piece[:1].islower() or (after_quote and _continues_quote(piece))):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _continues_quote(sentence: str) -> bool:
    """True for a bare attribution: "Gen. Harrow asked.", "said the envoy on Monday." (no content of its own)."""
    words = sentence.strip().rstrip(".!?").split()
    verb = next((i for i, w in enumerate(words) if w.strip(",;:") in _VERB_FORMS), None)
    if verb is None or len(words) > 10 or "that" in words:
        return False
    after = words[verb + 1 :]
    return verb == 0 or not after or after[0].lower() in _AFTER_ATTRIBUTION


# --------------------------------------------------------------------------------------------------
# Speech and speakers
# --------------------------------------------------------------------------------------------------

_VERB_FORMS = _word_set(
    "said says say warned warns stated stressed stresses added noted told tells declared declares announced "
    "announces threatened threatens cautioned cautions insisted insists asked asks replied wrote explained "
    "argued claimed urged vowed pledged reiterated emphasised emphasized asserted"
)
_VERB = re.compile(
    r"\b(?:" + "|".join(sorted(_VERB_FORMS)) + r"|(?:states|adds|notes)(?=\s+that\b))\b"
)  # "states", "adds", "notes" are nouns too ("member states"), so they count only before "that"
_ACCORDING = re.compile(r"\baccording to\s+([^,;:|()—]+)", re.IGNORECASE)
_AFTER_ATTRIBUTION = _word_set(
    "on in at late early earlier later this last yesterday today tonight during after before while when reporters "
    "journalists"
)
_PASSIVE = _word_set("was were been be being is are am get got")
_DETERMINERS = _word_set("the a an its his her their our this that these those")
_NOT_IN_SUBJECT = _word_set(
    "would will could should may might must can did do does not was were is are be been has have had which who whom "
    "whose "
    "that if when because while although"
)
_INVERTED_STOP = re.compile(
    r"\s+(?:on|in|at|during|after|before|late|early|earlier|yesterday|today|tonight|this|last|while|when|as"
    r"|adding|according)\b.*$"
)
_TRAILING_ADVERB = re.compile(
    r"(?:\s+(?:(?:late|early)\s+)?on\s+" + _WEEKDAY + r"|\s+(?:yesterday|today|tonight|earlier|later|also|again"
    r"|repeatedly|separately|previously|once|further|then|has|have|had|would|will|publicly|reportedly))$",
    re.IGNORECASE,
)
_PRONOUNS = frozenset({"he", "she", "it", "they"})
_TITLES = re.compile(
    r"^(?:(?:Foreign|Defence|Defense|Interior|Trade|Finance|Prime|Deputy|Vice|Acting|Former|Senior)\s+)*"
    r"(?:Gen|Lt|Col|Maj|Capt|Adm|Cmdr|Sgt|Mr|Ms|Mrs|Dr|Sen|Rep|Gov|Prof)\.|^(?:(?:Foreign|Defence|Defense"
    r"|Interior|Trade|Finance|Prime|Deputy|Vice|Acting|Former|Senior)\s+)*(?:General|Admiral|Colonel|Major"
    r"|Captain|Commander|Lieutenant|Sergeant|Minister|President|Ambassador|Envoy|Spokesperson|Spokesman"
    r"|Spokeswoman|Secretary|Chancellor|Director|Chief|King|Queen|Prince|Princess|Senator|Governor|Premier"
    r"|Madam|Sir)\b"
)
_ROLES = _word_set(
    "minister president spokesperson spokesman spokeswoman official ambassador envoy general admiral commander "
    "colonel captain chief secretary diplomat chancellor premier governor senator director leader negotiator "
    "analyst officer source aide adviser advisor king queen prince princess"
)
_GROUPS = _word_set(
    "officials diplomats analysts observers sources authorities lawmakers legislators ministers officers "
    "commanders generals leaders negotiators spokespeople representatives experts witnesses residents"
)
_ORGANISATIONS = _word_set(
    "ministry government office agency council command army navy embassy delegation military forces committee "
    "parliament cabinet department administration authority authorities service presidency secretariat "
    "headquarters mission federation republic union alliance coalition party court police guard fleet kremlin "
    "junta regime directorate bureau"
)


def _mark_speech(sentences: list[Sentence], quotes: list[ParagraphQuotes]) -> None:
    """Decide which quotations are speech (not scare quotes) and note each sentence's unquoted text."""
    pieces: dict[int, list[tuple[int, int, int]]] = {}
    for paragraph, info in enumerate(quotes):
        for start, end, group in info.spans:
            pieces.setdefault(group, []).append((paragraph, start, end))
    speech = {group for group, spans in pieces.items() if _is_speech(spans, sentences)}
    by_paragraph: dict[int, list[tuple[int, int, int]]] = {}
    for group in speech:
        for paragraph, start, end in pieces[group]:
            by_paragraph.setdefault(paragraph, []).append((start, end, group))
    for sentence in sentences:
        sentence.speech = [g for g in sentence.groups if g in speech]
        text = sentence.text
        for start, end, _ in sorted(by_paragraph.get(sentence.paragraph, []), reverse=True):
            lo, hi = max(start, sentence.start) - sentence.start, min(end, sentence.end) - sentence.start
            if lo < hi:
                text = text[:lo] + " | " + text[hi:]
        sentence.unquoted = text


def _is_speech(spans: list[tuple[int, int, int]], sentences: list[Sentence]) -> bool:
    """Speech, not a scare quote: continued, spanning sentences, opening its sentence or after ':'/',', or long."""
    if len(spans) > 1:
        return True  # continued over paragraphs
    paragraph, start, end = spans[0]
    touched = [s for s in sentences if s.paragraph == paragraph and s.start < end and s.end > start]
    if len(touched) != 1:
        return len(touched) > 1
    sentence = touched[0]
    before = sentence.text[: start - sentence.start].rstrip()
    inner = sentence.text[start - sentence.start + 1 : end - sentence.start]
    return not before or before.endswith((":", ",")) or len(re.findall(r"[^\W_]+", inner)) >= 4


def _speakers(sentences: list[Sentence]) -> list[str]:
    """The speaker of each sentence: its turn label, its quotation's attribution, or its own reporting clause."""
    own = _own_attributions(sentences)
    by_group = _quotation_speakers(sentences, own)
    speakers = []
    for sentence, attribution in zip(sentences, own, strict=True):
        if sentence.turn is not None:
            speakers.append(sentence.turn)
        elif sentence.speech:
            speakers.append(by_group.get(sentence.speech[0], ""))
        else:
            speakers.append(attribution)
    return speakers


def _own_attributions(sentences: list[Sentence]) -> list[str]:
    """Each sentence's own reporting-clause subject, pronouns resolved against earlier named speakers."""
    history: list[str] = []
    found = []
    for sentence in sentences:
        speaker = "" if sentence.turn is not None else reporting_subject(sentence.unquoted)
        if speaker in _PRONOUNS:
            speaker = _resolve(speaker, history)
        elif speaker:
            history.append(speaker)
        found.append(speaker)
    return found


def _quotation_speakers(sentences: list[Sentence], own: list[str]) -> dict[int, str]:
    """Each speech quotation's speaker: the first attribution among its sentences, else an inherited one."""
    speakers: dict[int, str] = {}
    order: list[int] = []
    for sentence, attribution in zip(sentences, own, strict=True):
        for group in sentence.speech:
            if group not in order:
                order.append(group)
            if attribution and group not in speakers:
                speakers[group] = attribution
    for group in order:
        if group not in speakers:
            speakers[group] = _inherited_speaker(group, sentences, own, speakers)
    return speakers


def _inherited_speaker(group: int, sentences: list[Sentence], own: list[str], speakers: dict[int, str]) -> str:
    """An unattributed quotation: the speaker of what precedes it in its paragraph, or of the previous one."""
    first = next(i for i, s in enumerate(sentences) if group in s.speech)
    if _LETTER.search(sentences[first].unquoted):
        return ""  # a quotation inside unattributed narration: nobody to inherit from
    paragraph = sentences[first].paragraph
    for i in range(first - 1, -1, -1):
        previous = sentences[i]
        if previous.paragraph != paragraph:
            break
        earlier = [g for g in previous.speech if g != group and speakers.get(g)]
        if earlier:
            return speakers[earlier[-1]]
        if own[i]:
            return own[i]
    in_paragraph = [s for s in sentences if s.paragraph == paragraph]
    starts_paragraph = sentences[first] is in_paragraph[0]
    if starts_paragraph and all(s.speech for s in in_paragraph) and first > 0:
        before = sentences[first - 1]
        earlier = [g for g in before.speech if speakers.get(g)]
        if earlier and before.paragraph == paragraph - 1:
            return speakers[earlier[-1]]
    return ""


def reporting_subject(clause: str) -> str:
    """The speaker named by the first reporting clause in `clause` ("" if none); quotations already removed.

    Handles "X said", "said X" (after a quote or comma), "X, apposition, said" and "according to X".
    """
    candidates: list[tuple[int, str]] = []
    for match in _ACCORDING.finditer(clause):
        speaker = _clean_speaker(_INVERTED_STOP.sub("", match.group(1)))
        if speaker:
            candidates.append((match.start(), speaker))
    for match in _VERB.finditer(clause):
        before, after = clause[: match.start()], clause[match.end() :]
        speaker = _subject_before(before) or _inverted_subject(before, after)
        if speaker:
            candidates.append((match.start(), speaker))
            break
    return min(candidates)[1] if candidates else ""


def _inverted_subject(before: str, after: str) -> str:
    """'…," said Gen. Strelow, the army chief' → Gen. Strelow."""
    if before.strip() and not before.rstrip().endswith((",", "|")):
        return ""
    noun_phrase = re.split(r"[,;:|()—]", after, maxsplit=1)[0]
    noun_phrase = _INVERTED_STOP.sub("", noun_phrase.strip()).rstrip(".!?")
    words = noun_phrase.split()
    if not words or len(words) > 8 or any(w.lower() in _NOT_IN_SUBJECT for w in words):
        return ""
    if not (words[0][0].isupper() or words[0].lower() in _DETERMINERS):
        return ""
    if any(w.islower() and w.endswith("ed") for w in words[1:]):
        return ""  # "said the navy summoned…": a clause, not a noun phrase
    return _clean_speaker(noun_phrase)


def _subject_before(before: str) -> str:
    """The noun phrase just before a reporting verb, skipping time words and an apposition between commas."""
    text = before.rstrip()
    words = text.split()
    if words and words[-1].lower() in _PASSIVE:
        return ""  # "was told", "were warned": the subject did not speak
    while True:
        shorter = _TRAILING_ADVERB.sub("", text)
        if shorter == text:
            break
        text = shorter
    if not text.endswith(","):
        return _valid_subject(_last_clause(text))
    body = text[:-1]
    cut = max(body.rfind(c) for c in ",;:|(—")
    if cut < 0:
        return ""  # "Korva will respond, said X": no subject before the verb
    apposition, head = body[cut + 1 :].strip(), _last_clause(body[:cut])
    if not head:
        return ""
    if apposition.split()[:1] in (["who"], ["which"], ["whose"], ["where"], []):
        return _valid_subject(head)
    if not _looks_like_name(head) and _looks_like_name(apposition):
        return _valid_subject(apposition)
    return _valid_subject(head)


def _last_clause(text: str) -> str:
    """What follows the last clause boundary: the candidate subject of a verb that comes next."""
    cut = max(text.rfind(c) for c in ",;:|(—")
    clause = text[cut + 1 :]
    clause = re.split(r"\b(?:that|and then|but|while|because)\s", clause)[-1]
    return clause.strip()


def _valid_subject(phrase: str) -> str:
    """The phrase as a speaker if it can be a noun phrase (short, no finite verb or conjunction), else ""."""
    words = phrase.split()
    if not words or len(words) > 8:
        return ""
    if any(w.lower().strip(".,") in _NOT_IN_SUBJECT for w in words):
        return ""
    last = words[-1].lower()
    if last in _DETERMINERS or last in _SMALL_WORDS:
        return ""
    return _clean_speaker(phrase)


def _looks_like_name(phrase: str) -> bool:
    """Starts with a capitalised word that is not an article: "Davo Rusk", not "A Korvan spokesman"."""
    words = phrase.split()
    return bool(words) and words[0][0].isupper() and words[0].lower() not in _DETERMINERS


def _clean_speaker(phrase: str) -> str:
    """A speaker as written, minus edge quotes and punctuation, with a sentence-start capital dropped."""
    phrase = _SPACES.sub(" ", phrase).strip().strip("\"'“”‘’").strip()
    phrase = re.sub(r"[,;:!?]+$", "", phrase).strip()
    last = phrase.split()[-1] if phrase.split() else ""
    if last.endswith(".") and "." not in last[:-1]:
        phrase = phrase[:-1]  # the sentence's full stop; "V.S.K." keeps its own
    if not phrase or not _LETTER.search(phrase):
        return ""
    first, _, rest = phrase.partition(" ")
    # a capital that only marks the start of a sentence: "The ministry warned", "Officials said", "He said"
    if first.lower() in _DETERMINERS | _PRONOUNS | _GROUPS or first in {"We", "One"}:
        first = first.lower()
    return f"{first} {rest}".strip()


def _resolve(pronoun: str, history: list[str]) -> str:
    """The most recent earlier speaker that the pronoun can refer to, or the pronoun itself."""
    for candidate in reversed(history):
        kind = speaker_kind(candidate)
        if pronoun in {"he", "she"} and kind == "person":
            # the nearest person or nobody: skipping back past a Mr./Ms. that disagrees would be a guess
            return candidate if _gender_agrees(pronoun, candidate) else pronoun
        if pronoun == "it" and kind in {"organisation", "name"}:
            return candidate
        if pronoun == "they" and kind in {"organisation", "group"}:
            return candidate
    return pronoun


def speaker_kind(speaker: str) -> str:
    """person, organisation, group (a plural such as "officials") or name (one bare proper noun); else other."""
    words = [re.sub(r"['’]s$", "", w.lower()).strip(".,") for w in speaker.split()]
    head = speaker.split()[-1].lower().rstrip(".") if speaker.split() else ""
    if not words:
        return "other"
    if head in _ROLES or _TITLES.search(speaker):
        return "person"
    if any(w in _ORGANISATIONS for w in words):
        return "organisation"
    if head in _GROUPS or (head.endswith("s") and head.isalpha() and speaker.split()[-1][0].islower()):
        return "group"
    capitalised = [w for w in speaker.split() if w[0].isupper()]
    if len(capitalised) >= 2 and len(capitalised) == len(speaker.split()):
        return "person"
    if len(speaker.split()) == 1 and speaker[0].isupper():
        return "name"
    return "other"


def _gender_agrees(pronoun: str, speaker: str) -> bool:
    """False only where a title says otherwise (Mr. vs she); names carry no gender here."""
    if re.match(r"^(?:Mr\.?|Sir|King|Prince)\b", speaker):
        return pronoun == "he"
    if re.match(r"^(?:Ms\.?|Mrs\.?|Madam|Queen|Princess)\b", speaker):
        return pronoun == "she"
    return True
