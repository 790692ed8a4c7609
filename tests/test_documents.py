"""Documents → statements: the hand-checked articles in tests/data/documents, and the rules one by one.

Every name in these texts is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stance.documents import COLUMNS, extract_statements, read_documents
from stance.errors import StanceError

DATA = Path(__file__).parent / "data" / "documents"
ARTICLES = sorted(DATA.glob("*.txt"))


def statements(text: str, **columns: str) -> pd.DataFrame:
    """Statements of one document given as a string."""
    return extract_statements(pd.DataFrame([{"document_id": "d", "text": text, **columns}]))


def rows(text: str) -> list[tuple[str, str, bool]]:
    return [(r.text, r.speaker, r.quote) for r in statements(text).itertuples()]


# ---------------------------------------------------------------------------------------------- articles


def test_there_are_enough_hand_checked_articles():
    assert len(ARTICLES) >= 6
    assert all(path.with_suffix(".expected.csv").exists() for path in ARTICLES)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_article_matches_its_expected_rows(path):
    expected = pd.read_csv(path.with_suffix(".expected.csv"), dtype=str, keep_default_na=False)
    expected = expected.astype({"sentence": "int64"}).assign(
        quote=expected["quote"].map({"True": True, "False": False})
    )
    got = extract_statements(read_documents(path))[list(expected.columns)]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


def test_a_folder_reads_its_text_files_in_name_order_and_ignores_the_rest():
    documents = read_documents(DATA)
    assert documents["document_id"].tolist() == [p.stem for p in ARTICLES]
    assert list(documents.columns) == ["document_id", "text", "date", "source"]


def test_output_columns_and_types():
    table = extract_statements(read_documents(DATA))
    assert list(table.columns) == COLUMNS
    assert table["quote"].dtype == bool
    assert table["sentence"].dtype == "int64"
    for _, document in table.groupby("document_id"):
        assert document["sentence"].tolist() == list(range(1, len(document) + 1))


def test_dateline_dates_fill_the_date_column_only_when_they_have_a_year():
    table = extract_statements(read_documents(DATA)).drop_duplicates("document_id").set_index("document_id")
    assert table.loc["veldt_press_release", "date"] == "2031-05-12"  # "VELDTHAVEN, 12 May 2031 —"
    assert table.loc["strait_incident", "date"] == "2031-03-03"  # "PORT ANSELM, March 3, 2031 (SBC) -"
    assert table.loc["korva_drills", "date"] == ""  # "KORVA CITY, March 3 (KNA) —": no year


# ---------------------------------------------------------------------------------- what is not a statement


def test_headline_byline_and_boilerplate_are_dropped():
    text = (
        "Korva Recalls Its Envoy From Veldthaven\n"
        "By Staff Reporter\n\n"
        "The ministry said the envoy would return on Friday.\n\n"
        "Reporting by Jane Doe; Editing by Tomas Reyl\n"
    )
    assert rows(text) == [("The ministry said the envoy would return on Friday.", "the ministry", False)]


def test_an_all_caps_headline_and_a_press_release_footer_are_dropped():
    text = (
        "FOR IMMEDIATE RELEASE\nKORVA CLOSES THE STRAIT\n\nThe strait is closed.\n\n###\n\nMedia contact: Press Office"
    )
    assert [r[0] for r in rows(text)] == ["The strait is closed."]


def test_a_punctuated_first_line_is_not_a_headline():
    assert [r[0] for r in rows("We Will Respond.\nThe army is ready.")] == ["We Will Respond.", "The army is ready."]


def test_a_single_unpunctuated_line_is_kept():
    assert [r[0] for r in rows("We will respond to any provocation")] == ["We will respond to any provocation"]


@pytest.mark.parametrize(
    "caption",
    [
        "Photo: Korvan troops at the border. (KNA/Ana Sel)",
        "Korvan troops at the border on Monday. Photo: Korva Defence Ministry",
        "FILE PHOTO: A Veldt frigate in the Grey Sound.",
        "(Laughter)",
        "[Transcript begins]",
    ],
)
def test_captions_and_stage_directions_are_dropped(caption):
    assert [r[0] for r in rows(f"The talks resumed.\n\n{caption}\n\nThey ended at noon.")] == [
        "The talks resumed.",
        "They ended at noon.",
    ]


@pytest.mark.parametrize(
    "dateline, date",
    [
        ("KORVA CITY, March 3 (KNA) — ", ""),
        ("VELDTHAVEN, 12 May — ", ""),
        ("VELDTHAVEN, 12 May 2031 — ", "2031-05-12"),
        ("PORT ANSELM, Sarvenia, Jan. 5, 2032 /SBC/ -- ", "2032-01-05"),
        ("PORT ANSELM (SBC) - ", ""),
    ],
)
def test_a_dateline_is_cut_from_the_sentence_it_opens(dateline, date):
    table = statements(f"{dateline}The ministry warned of risks. Talks continue.")
    assert table["text"].tolist() == ["The ministry warned of risks.", "Talks continue."]
    assert set(table["date"]) == {date}


def test_a_dateline_opening_a_later_paragraph_is_cut_too():
    text = "The cabinet met.\n\nKORVA CITY, March 4 (KNA) — The cabinet met again."
    assert statements(text)["text"].tolist() == ["The cabinet met.", "The cabinet met again."]


def test_an_input_date_wins_over_the_dateline_and_source_is_carried():
    table = statements("VELDTHAVEN, 12 May 2031 — Talks failed.", date="2031-05-13", source="VPS wire")
    assert table[["date", "source"]].values.tolist() == [["2031-05-13", "VPS wire"]]


def test_absent_date_and_source_are_empty_strings():
    assert statements("Talks failed.")[["date", "source"]].values.tolist() == [["", ""]]


# ------------------------------------------------------------------------------------------------- quotes


def test_a_quote_attributed_mid_way_gives_every_sentence_the_same_speaker():
    text = (
        "“The fleet is at sea. Our crews are ready. Nobody should test us,” the minister said. "
        "“We will act. We will not wait.”"
    )
    assert rows(text) == [
        ("“The fleet is at sea.", "the minister", True),
        ("Our crews are ready.", "the minister", True),
        ("Nobody should test us,” the minister said.", "the minister", True),
        ("“We will act.", "the minister", True),
        ("We will not wait.”", "the minister", True),
    ]


def test_a_quote_continued_into_the_next_paragraph_keeps_its_speaker():
    text = (
        'Gen. Ivo Dorn said: "We negotiated for months. They walked away.\n\n'
        '"We will not wait. Not again."\n\n'
        "The talks ended."
    )
    assert rows(text) == [
        ('Gen. Ivo Dorn said: "We negotiated for months.', "Gen. Ivo Dorn", True),
        ("They walked away.", "Gen. Ivo Dorn", True),
        ('"We will not wait.', "Gen. Ivo Dorn", True),
        ('Not again."', "Gen. Ivo Dorn", True),
        ("The talks ended.", "", False),
    ]


def test_a_paragraph_that_is_all_quote_continues_the_previous_speaker():
    text = "“It is done,” said the spokesman.\n\n“The next step is theirs.”"
    assert [r[1] for r in rows(text)] == ["the spokesman", "the spokesman"]


def test_nested_quotes_stay_inside_their_sentence():
    text = "“They told us, ‘Your ships must go. Now.’ We stayed,” Capt. Ulla Brenn said."
    assert [r[0] for r in rows(text)] == [
        "“They told us, ‘Your ships must go. Now.’",
        "We stayed,” Capt. Ulla Brenn said.",
    ]


def test_british_quotes_nest_double_inside_single():
    text = "‘We will answer,’ the minister said. ‘The words “red line. Final.” mean something here.’"
    assert rows(text) == [
        ("‘We will answer,’ the minister said.", "the minister", True),
        ("‘The words “red line. Final.” mean something here.’", "the minister", True),
    ]


def test_an_exclamation_inside_a_quote_does_not_cut_off_its_attribution():
    assert rows("“Stop now!” the officer shouted. The boat turned.") == [
        ("“Stop now!” the officer shouted.", "", True),
        ("The boat turned.", "", False),
    ]
    assert rows('"Is this a threat?" Gen. Ivo Dorn asked. Nobody answered.')[0] == (
        '"Is this a threat?" Gen. Ivo Dorn asked.',
        "Gen. Ivo Dorn",
        True,
    )


def test_scare_quotes_are_not_speech_but_partial_quotes_are():
    assert rows("The envoy called the plan “a bluff.”") == [("The envoy called the plan “a bluff.”", "", False)]
    assert rows("The navy warned that it would “answer every incursion with force.”")[0][1:] == ("the navy", True)


def test_apostrophes_are_not_quotes():
    text = "Korva's navy said the '90s were different and the ministers' plan had failed."
    assert rows(text) == [(text, "Korva's navy", False)]


# ------------------------------------------------------------------------------------------------ speakers


@pytest.mark.parametrize(
    "sentence, speaker",
    [
        ("The ministry warned that the drills would continue.", "the ministry"),
        ("Gen. Ivo Dorn said on Tuesday that troops were ready.", "Gen. Ivo Dorn"),
        ("Gen. Ivo Dorn on Tuesday said troops were ready.", "Gen. Ivo Dorn"),
        ("Troops were ready, said Gen. Ivo Dorn on Tuesday.", "Gen. Ivo Dorn"),
        ("Troops were ready, the general told reporters.", "the general"),
        ("Ana Sel, the ministry's spokesperson, said troops were ready.", "Ana Sel"),
        ("A ministry spokesperson, Ana Sel, said troops were ready.", "Ana Sel"),
        ("Lt. Col. Piet Harrow, who commands No. 5 squadron, stressed that 2.5 km is enough.", "Lt. Col. Piet Harrow"),
        ("Troops were ready, according to the defence ministry.", "the defence ministry"),
        ("According to the U.N.R. delegation, troops were ready.", "the U.N.R. delegation"),
        ("Earlier, the V.S.K. command had cautioned that tankers should stay away.", "the V.S.K. command"),
        ("The envoy was told to leave.", ""),
        ("Member states met on Monday.", ""),
        ("Troops were ready.", ""),
    ],
)
def test_reporting_clauses_name_the_speaker(sentence, speaker):
    assert rows(sentence) == [(sentence, speaker, False)]


def test_pronouns_resolve_to_the_latest_compatible_speaker():
    text = (
        "The defence ministry said the drills were over. Gen. Ivo Dorn said troops would stay. "
        "He added that reserves were ready. It noted that talks could resume. “We are patient,” he said."
    )
    assert [r[1] for r in rows(text)] == [
        "the defence ministry",
        "Gen. Ivo Dorn",
        "Gen. Ivo Dorn",
        "the defence ministry",
        "Gen. Ivo Dorn",
    ]


def test_they_resolves_to_a_group_and_a_pronoun_without_antecedent_is_kept():
    assert [r[1] for r in rows("Officials said talks failed. They said troops were ready.")] == ["officials"] * 2
    assert [r[1] for r in rows("They say the measures will hurt. She added nothing.")] == ["they", "she"]


def test_a_title_of_the_other_gender_leaves_the_pronoun_unresolved():
    text = "President Ivo Tarn said talks failed. Mr. Tarn said it again. She said nothing."
    assert [r[1] for r in rows(text)] == ["President Ivo Tarn", "Mr. Tarn", "she"]


def test_transcript_turns_take_their_label_as_speaker():
    text = (
        "SPOKESPERSON: Good afternoon. The ministry warned Veldt yesterday.\n"
        "Q: Will Korva respond?\n"
        "A: We will see.\n\n"
        "Nothing is excluded.\n\n"
        "MINISTER ADA KOLL:\n"
        "Thank you."
    )
    assert rows(text) == [
        ("Good afternoon.", "SPOKESPERSON", True),
        ("The ministry warned Veldt yesterday.", "SPOKESPERSON", True),
        ("Will Korva respond?", "Q", True),
        ("We will see.", "A", True),
        ("Nothing is excluded.", "A", True),
        ("Thank you.", "MINISTER ADA KOLL", True),
    ]


def test_abbreviations_decimals_and_initials_do_not_end_sentences():
    text = (
        "Lt. Col. Piet Harrow met Maj. Gen. Ivo Dorn at 4 p.m. on Tuesday. The U.N.R. delegation left. "
        "No. 5 battalion moved 2.5 km. J. K. Vellan watched. Dr. Ena Vosk of the Korva Inst. of Strategy agreed."
    )
    assert [r[0] for r in rows(text)] == [
        "Lt. Col. Piet Harrow met Maj. Gen. Ivo Dorn at 4 p.m. on Tuesday.",
        "The U.N.R. delegation left.",
        "No. 5 battalion moved 2.5 km.",
        "J. K. Vellan watched.",
        "Dr. Ena Vosk of the Korva Inst. of Strategy agreed.",
    ]


def test_soft_wrapped_lines_are_joined():
    text = "The ministry warned that the\ndrills would continue.\n\nTalks\nfailed."
    assert [r[0] for r in rows(text)] == ["The ministry warned that the drills would continue.", "Talks failed."]


def test_no_documents_gives_an_empty_table_with_the_columns():
    table = extract_statements(pd.DataFrame({"document_id": [], "text": []}))
    assert list(table.columns) == COLUMNS and table.empty


def test_a_documents_frame_without_text_is_refused():
    with pytest.raises(StanceError, match="missing column 'text'"):
        extract_statements(pd.DataFrame({"document_id": ["a"]}))


# ------------------------------------------------------------------------------------------------ reading


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_jsonl_documents_with_defaults(tmp_path):
    lines = [
        {"text": "Talks failed.", "date": "2031-01-02", "source": "KNA"},
        {},
        {"document_id": "brief-7", "text": "Q: Will Korva respond?", "date": None},
    ]
    text = "\n".join("" if not obj else json.dumps(obj) for obj in lines) + "\n"
    documents = read_documents(write(tmp_path, "docs.jsonl", text))
    assert documents.values.tolist() == [
        ["doc-1", "Talks failed.", "2031-01-02", "KNA"],
        ["brief-7", "Q: Will Korva respond?", "", ""],
    ]
    table = extract_statements(documents)
    assert table[["document_id", "speaker", "date", "source"]].values.tolist() == [
        ["doc-1", "", "2031-01-02", "KNA"],
        ["brief-7", "Q", "", ""],
    ]


def test_a_markdown_file_is_one_document_named_after_its_stem(tmp_path):
    documents = read_documents(write(tmp_path, "note.md", "Talks failed."))
    assert documents[["document_id", "text"]].values.tolist() == [["note", "Talks failed."]]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"text": "a"}\n{"text": "b"}\n{"text": "c"\n', r"docs.jsonl:3: invalid JSON"),
        ('{"text": "a"}\n{"document_id": "x"}\n', r'docs.jsonl:2: missing "text"'),
        ('{"text": 42}\n', r'docs.jsonl:1: "text" is not a string \(got number\)'),
        ('{"text": "a", "date": [2031]}\n', r'docs.jsonl:1: "date" is not a string \(got array\)'),
        ('["text"]\n', r"docs.jsonl:1: each line must be a JSON object"),
        (
            '{"document_id": "x", "text": "a"}\n{"document_id": "x", "text": "b"}\n',
            r"docs.jsonl:2: duplicate document_id",
        ),
        ("\n\n", r"docs.jsonl: empty file"),
    ],
)
def test_bad_jsonl_names_file_line_and_problem(tmp_path, content, message):
    with pytest.raises(StanceError, match=message):
        read_documents(write(tmp_path, "docs.jsonl", content))


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    path = write(tmp_path, "article.txt", "Talks failed.\n\nCaf\u00e9 owners said so.\n".encode("latin-1"))
    with pytest.raises(StanceError, match=r"article.txt:3: not UTF-8 \(byte 0xe9"):
        read_documents(path)


def test_a_bad_file_in_a_folder_is_named(tmp_path):
    write(tmp_path, "a.txt", "Talks failed.")
    write(tmp_path, "b.txt", b"\xff\xfe")
    with pytest.raises(StanceError, match=r"b.txt:1: not UTF-8"):
        read_documents(tmp_path)


def test_an_empty_folder_is_refused(tmp_path):
    write(tmp_path, "notes.csv", "a,b\n")
    with pytest.raises(StanceError, match=r"empty folder \(no .txt or .md documents\)"):
        read_documents(tmp_path)


def test_an_empty_text_file_is_refused(tmp_path):
    with pytest.raises(StanceError, match=r"empty.txt: empty file"):
        read_documents(write(tmp_path, "empty.txt", "  \n"))


def test_a_missing_path_and_an_unknown_file_type_are_refused(tmp_path):
    with pytest.raises(StanceError, match=r"nowhere.txt: not found"):
        read_documents(tmp_path / "nowhere.txt")
    with pytest.raises(StanceError, match=r"docs.csv: unsupported file type"):
        read_documents(write(tmp_path, "docs.csv", "text\nhello\n"))


def test_error_messages_are_one_line(tmp_path):
    with pytest.raises(StanceError) as caught:
        read_documents(write(tmp_path, "docs.jsonl", "{oops\n"))
    assert "\n" not in str(caught.value)
