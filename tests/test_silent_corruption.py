"""Silent corruption: input that used to pass `stance clean` with exit 0 and come out wrong.

Each case runs the real command (stance.cli.main) in a temporary project and reads the
outputs as the next stages do. Every case ends in one of the two honest outcomes: a row
kept, merged or rejected with its reason, or a one-line error (exit 2).
"""

import json
import os
import signal
import stat
from pathlib import Path

import pandas as pd
import pytest

from stance import paths
from stance.cli import main
from stance.errors import StanceError
from stance.io import write_csv
from stance.persist import load_model, save_model
from stance.stages import clean as clean_stage
from stance.text import statement_id

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"
HEADER = "statement_id,text,label,annotator\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory with the real params.yaml and an empty data/raw/."""
    (tmp_path / "data/raw").mkdir(parents=True)
    (tmp_path / "params.yaml").write_text(PARAMS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_batch(project: Path, data: str | bytes, name: str = "b1.csv") -> Path:
    path = project / "data/raw" / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def jsonl(*rows: dict) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def set_params(project: Path, old: str, new: str) -> None:
    params = project / "params.yaml"
    assert old in params.read_text()
    params.write_text(params.read_text().replace(old, new, 1))


def cleans(capsys) -> str:
    """Run `stance clean`, expect success, return stderr."""
    code = main(["clean"])
    err = capsys.readouterr().err
    assert code == 0, err
    return err


def fails(capsys, *argv: str) -> str:
    """Run a command, expect the one-line error of bad input (exit 2), return it."""
    code = main(list(argv or ["clean"]))
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "\n" not in err and "Traceback" not in err and "internal error" not in err
    return err


def table(path) -> pd.DataFrame:
    """A CSV output read as the pipeline reads it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def ledger() -> dict:
    return json.loads(Path(paths.CLEAN_LEDGER).read_text())


def rejects() -> dict[tuple[str, int], str]:
    frame = table(paths.REJECTS)
    return {(r.file, int(r.line)): r.reason for r in frame.itertuples()}


# 1. A lone carriage return inside a cell -------------------------------------------------


def test_lone_carriage_returns_in_cells_read_back_as_one_row_each(project, capsys):
    write_batch(
        project,
        'text,label,topic\n"We will\ranswer in kind.",threat,"sanctions\rand trade"\n'
        "Talks resumed on Monday.,neutral,trade\n",
    )
    write_batch(project, jsonl({"text": "They are\rplaying with fire.", "label": "warning"}), name="b2.jsonl")
    cleans(capsys)
    statements = table(paths.STATEMENTS)
    assert len(statements) == ledger()["total"]["kept"] == 3
    by_text = statements.set_index("text")
    # `text` is normalised (the carriage return becomes a space); the other columns keep it
    assert by_text.loc["We will answer in kind.", "text_original"] == "We will\ranswer in kind."
    assert by_text.loc["We will answer in kind.", "topic"] == "sanctions\rand trade"
    assert by_text.loc["They are playing with fire.", "text_original"] == "They are\rplaying with fire."


def test_a_writer_that_splits_rows_stops_the_run(project, capsys, monkeypatch):
    def unquoted(frame, path, for_people=False):  # the old writer: "\r" left unquoted
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, lineterminator="\n")

    monkeypatch.setattr(clean_stage, "write_csv", unquoted)
    write_batch(project, 'text,label\n"We will\ranswer in kind.",threat\nTalks resumed.,neutral\n')
    assert "data/clean/statements.csv: 2 rows written but 3 read back" in fails(capsys)


# 2. Placeholder ids and ids reused for another text -----------------------------------------


@pytest.mark.parametrize("placeholder", ["NaN", "NA", "n/a", "#N/A", "None", "null", "NIL", "-", " ", " N/A "])
def test_placeholder_ids_mean_no_id(project, capsys, placeholder):
    texts = ["We will answer in kind.", "They are playing with fire.", "Talks resumed on Monday."]
    write_batch(
        project,
        HEADER
        + "".join(
            f'"{placeholder}",{t},{lab},\n' for t, lab in zip(texts, ["threat", "warning", "neutral"], strict=True)
        ),
    )
    cleans(capsys)
    statements = table(paths.STATEMENTS)
    assert sorted(statements["statement_id"]) == sorted(statement_id(t) for t in texts)
    assert ledger()["total"] == {"read": 3, "kept": 3, "merged": 0, "rejected": 0}


def test_an_id_reused_for_another_text_is_rejected_not_merged(project, capsys):
    write_batch(
        project,
        HEADER + "q1,Measures will follow.,threat,ana\n"
        "q1,Talks resumed on Monday.,neutral,ben\n"
        "q1,measures  will follow.,threat,ben\n",
    )
    write_batch(project, HEADER + "q1,The embassy closed today.,neutral,cy\n", name="b2.csv")
    cleans(capsys)
    assert rejects() == {
        ("b1.csv", 3): "id reused for a different text (first seen at b1.csv:2)",
        ("b2.csv", 2): "id reused for a different text (first seen at b1.csv:2)",
    }
    statements = table(paths.STATEMENTS)
    assert statements[["statement_id", "text", "label", "n_votes"]].values.tolist() == [
        ["q1", "Measures will follow.", "threat", "2"]
    ]
    assert ledger()["reasons"] == {"id reused for a different text": 2}
    assert ledger()["total"] == {"read": 4, "kept": 1, "merged": 1, "rejected": 2}


def test_an_id_reused_stops_the_run_under_on_error_fail(project, capsys):
    set_params(project, "on_error: reject", "on_error: fail")
    write_batch(project, HEADER + "q1,Measures will follow.,threat,ana\nq1,Talks resumed.,neutral,ben\n")
    assert "b1.csv:3: id reused for a different text (first seen at b1.csv:2)" in fails(capsys)


def test_an_id_on_a_rejected_row_does_not_claim_the_id(project, capsys):
    write_batch(project, HEADER + "q1,,threat,ana\nq1,Measures will follow.,threat,ana\n")
    cleans(capsys)
    assert rejects() == {("b1.csv", 2): "empty text"}
    assert table(paths.STATEMENTS)["statement_id"].tolist() == ["q1"]


# 3. One annotator, one file, two labels -----------------------------------------------------


@pytest.mark.parametrize(
    "header, rows, who",
    [
        (
            "statement_id,text,label\n",
            "q1,Measures will follow.,threat\nq1,Measures will follow.,warning\n",
            "rows without annotator",
        ),
        (HEADER, "q1,Measures will follow.,threat,ana\nq1,Measures will follow.,warning,ana\n", "ana"),
        ("text,label\n", "Measures will follow.,threat\nMeasures will follow.,warning\n", "rows without annotator"),
    ],
)
def test_two_labels_from_one_annotator_in_one_file_are_a_dispute(project, capsys, header, rows, who):
    write_batch(project, header + rows)
    cleans(capsys)
    reason = (
        f"disputed: different labels from one annotator in one file ({who}: threat at b1.csv:2, warning at b1.csv:3)"
    )
    assert rejects() == {("b1.csv", 2): reason, ("b1.csv", 3): reason}
    disputed = table(paths.DISPUTED)
    assert len(disputed) == 1 and "=threat (b1.csv:2)" in disputed.loc[0, "votes"]
    assert "=warning (b1.csv:3)" in disputed.loc[0, "votes"]
    assert disputed.loc[0, "reason"].startswith("different labels from one annotator in one file")
    assert "Measures will follow." not in table(paths.STATEMENTS)["text"].tolist()
    assert table(paths.VOTES)["standing"].tolist() == ["True", "True"]  # neither replaced the other


def test_a_repeat_with_the_same_label_in_one_file_is_one_vote(project, capsys):
    write_batch(project, HEADER + "q1,Measures will follow.,threat,ana\nq1,Measures will follow.,threat,ana\n")
    cleans(capsys)
    assert table(paths.STATEMENTS)[["label", "n_votes"]].values.tolist() == [["threat", "1"]]
    assert table(paths.VOTES)["standing"].tolist() == ["False", "True"]


def test_a_later_batch_still_replaces_the_annotators_vote(project, capsys):
    write_batch(project, HEADER + "q1,Measures will follow.,threat,ana\nq1,Measures will follow.,warning,ana\n")
    write_batch(project, HEADER + "q1,Measures will follow.,warning,ana\n", name="b2.csv")
    cleans(capsys)
    assert table(paths.STATEMENTS)[["label", "n_votes"]].values.tolist() == [["warning", "1"]]
    changes = table(paths.LABEL_CHANGES)[["batch", "change", "new"]].values.tolist()
    assert changes == [["b1.csv", "added_disputed", "disputed"], ["b2.csv", "dispute_resolved", "warning"]]


# 4. clean.columns renaming onto an existing column ------------------------------------------


def test_a_column_mapping_onto_an_existing_column_is_refused(project, capsys):
    set_params(project, "columns: {}", "columns: {text: statement}")
    write_batch(project, "text,statement,label\nshort one,We will answer in kind.,threat\n")
    assert fails(capsys) == (
        "stance clean: error: data/raw/b1.csv: column mapping text ← statement collides with an existing column 'text'"
    )


def test_a_column_mapping_that_swaps_names_is_allowed(project, capsys):
    set_params(project, "columns: {}", "columns: {text: statement, statement: body}")
    write_batch(project, "statement,body,label\nWe will answer in kind.,a note,threat\n")
    cleans(capsys)
    assert table(paths.STATEMENTS)["text"].tolist() == ["We will answer in kind."]


@pytest.mark.parametrize(
    "columns, message",
    [
        ("{text: statement, topic: statement}", "columns maps 'statement' to more than one name (text, topic)"),
        ("{text: line}", "columns names 'line', a column the readers add themselves"),
        ("{line: row}", "columns names 'line', a column the readers add themselves"),
    ],
)
def test_column_mappings_that_would_lose_data_are_refused_in_params(project, capsys, columns, message):
    set_params(project, "columns: {}", f"columns: {columns}")
    write_batch(project, "statement,label\nWe will answer in kind.,threat\n")
    assert message in fails(capsys)


# 5. Repeated labels in params ---------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "labels: [threat, warning, neutral]",
            "labels: [threat, warning, neutral, threat]",
            "labels lists 'threat' more than once",
        ),
        (
            "tones: [hostile, neutral, conciliatory]",
            "tones: [hostile, neutral, hostile]",
            "tones lists 'hostile' more than once",
        ),
    ],
)
def test_repeated_labels_in_params_are_refused(project, capsys, old, new, message):
    set_params(project, old, new)
    write_batch(project, "text,label\nWe will answer in kind.,threat\n")
    assert message in fails(capsys)


# 6. A model whose own classes are not the expected labels ------------------------------------


def test_load_model_checks_the_models_own_classes(tmp_path):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0], [1.0], [2.0]], ["hostile", "neutral", "conciliatory"])
    save_model(model, tmp_path / "tone.skops")
    assert load_model(tmp_path / "tone.skops", expected_labels=["neutral", "hostile", "conciliatory"]) is not None
    assert load_model(tmp_path / "tone.skops") is not None  # unchanged without expected_labels
    with pytest.raises(StanceError) as caught:
        load_model(tmp_path / "tone.skops", expected_labels=("threat", "warning", "neutral"))
    assert str(caught.value) == (
        f"{tmp_path / 'tone.skops'}: the model predicts [conciliatory, hostile, neutral] "
        "but [neutral, threat, warning] were expected"
    )


# 7. Label Studio: cancelled and skipped annotations, malformed shapes ------------------------


def choice(control: str, value: str) -> dict:
    return {"from_name": control, "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def annotation(label: str, who: int, cancelled: bool = False) -> dict:
    return {"completed_by": who, "was_cancelled": cancelled, "result": [choice("label", label)]}


def test_cancelled_annotations_are_not_votes(project, capsys):
    tasks = [
        {
            "id": 1,
            "data": {"text": "We will answer in kind."},
            "annotations": [annotation("warning", 1, True), annotation("threat", 2)],
        },
        {"id": 2, "data": {"text": "They are playing with fire."}, "annotations": [annotation("warning", 1, True)]},
        {"id": 3, "data": {"text": "Talks resumed on Monday."}, "annotations": []},
        {"id": 4, "data": {"text": "The embassy closed today."}},
    ]
    write_batch(project, json.dumps(tasks), name="round.json")
    cleans(capsys)
    assert table(paths.STATEMENTS)[["statement_id", "label", "n_votes"]].values.tolist() == [["ls-1", "threat", "1"]]
    assert rejects() == {
        ("round.json", 2): "no annotation (all cancelled)",
        ("round.json", 3): "no annotation",
        ("round.json", 4): "no annotation",
    }
    assert ledger()["total"] == {"read": 4, "kept": 1, "merged": 0, "rejected": 3}


def test_several_choices_in_one_control_are_not_read_as_the_first(project, capsys):
    several = {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["threat", "warning"]}}
    tasks = [
        {
            "id": 1,
            "data": {"text": "We will answer in kind."},
            "annotations": [{"completed_by": 1, "result": [several]}],
        }
    ]
    write_batch(project, json.dumps(tasks), name="round.json")
    cleans(capsys)
    assert rejects()[("round.json", 1)].startswith("unknown label: 'threat, warning'")


@pytest.mark.parametrize(
    "task, message",
    [
        (
            {"id": 7, "data": {"text": "x y z"}, "annotations": [{"result": None}]},
            "task 7: annotation result is not a list (got null)",
        ),
        (
            {
                "id": 7,
                "data": {"text": "x y z"},
                "annotations": [{"result": [{"from_name": "label", "value": "threat"}]}],
            },
            "task 7: value of 'label' is not an object (got a string)",
        ),
        (
            {
                "id": 7,
                "data": {"text": "x y z"},
                "annotations": [{"result": [{"from_name": "label", "value": {"choices": "threat"}}]}],
            },
            "task 7: choices of 'label' is not a list of strings (got a string)",
        ),
        (
            {"id": 7, "data": {"text": "x y z"}, "annotations": {"result": []}},
            "task 7: annotations is not a list (got an object)",
        ),
        (
            {"id": 7, "data": {"text": "x y z"}, "annotations": ["threat"]},
            "task 7: an annotation is not an object (got a string)",
        ),
        ({"id": 7, "data": "x y z"}, "task 7: data is not an object (got a string)"),
        ("just a string", "round.json:2: Label Studio task is not an object (got a string)"),
    ],
)
def test_malformed_label_studio_shapes_are_one_line_errors(project, capsys, task, message):
    good = {"id": 1, "data": {"text": "We will answer in kind."}, "annotations": [annotation("threat", 1)]}
    write_batch(project, json.dumps([good, task]), name="round.json")
    err = fails(capsys)
    assert "data/raw/round.json:2: " in err and message in err


# 8. Texts made of format characters only -----------------------------------------------------


def test_zero_width_texts_are_empty(project, capsys):
    invisible = ["\u200b", "\u200b\u200c\u200d", "\ufeff \u2060", "\u00ad\u200e"]
    write_batch(
        project,
        "text,label\n" + "".join(f"{t},neutral\n" for t in invisible) + "We\u200b will\u2060 answer in kind.,threat\n",
    )
    cleans(capsys)
    assert set(rejects().values()) == {"empty text"} and len(rejects()) == len(invisible)
    assert table(paths.STATEMENTS)["text"].tolist() == ["We will answer in kind."]


# 9. A field longer than the csv module's default limit -------------------------------------


def test_a_huge_cell_is_rejected_as_too_long_not_a_malformed_file(project, capsys):
    write_batch(project, "text,label\n" + "x" * 153_000 + ",threat\nTalks resumed on Monday.,neutral\n")
    cleans(capsys)
    assert rejects()[("b1.csv", 2)].startswith("text too long: 153000 characters")
    assert ledger()["total"] == {"read": 2, "kept": 1, "merged": 0, "rejected": 1}


# 10. Named pipes, hidden files, a `line` column, JSONL line separators -----------------------


def test_a_named_pipe_is_refused_instead_of_hanging(project, capsys):
    os.mkfifo(project / "data/raw/x.csv")

    def hung(signum, frame):
        raise TimeoutError("stance clean hangs on the named pipe")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        err = fails(capsys)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert (
        err
        == "stance clean: error: data/raw/x.csv: not a regular file (a named pipe); a batch must be an ordinary file"
    )


def test_hidden_files_are_skipped_with_one_line_each(project, capsys):
    write_batch(project, "text,label\nWe will answer in kind.,threat\n")
    write_batch(project, "text,label\nTalks resumed.,neutral\n", name=".x.csv")
    write_batch(project, "anything", name=".DS_Store")
    err = cleans(capsys)
    assert err.splitlines() == [
        "warning: skipping hidden file data/raw/.DS_Store",
        "warning: skipping hidden file data/raw/.x.csv",
    ]
    assert ledger()["total"]["read"] == 1


@pytest.mark.parametrize(
    "data, name, where",
    [
        ("text,label,line\nWe will answer in kind.,threat,4\n", "b1.csv", "b1.csv:1"),
        (jsonl({"text": "We will answer in kind.", "label": "threat", "line": 4}), "b1.jsonl", "b1.jsonl:1"),
        (json.dumps([{"id": 1, "data": {"text": "We will answer in kind.", "line": 4}}]), "b1.json", "b1.json:1"),
        ("text,label,_reject\nWe will answer in kind.,threat,\n", "b1.csv", "b1.csv:1"),
    ],
)
def test_a_column_named_like_an_internal_one_is_refused(project, capsys, data, name, where):
    write_batch(project, data, name=name)
    err = fails(capsys)
    assert f"data/raw/{where}: column '" in err and "is reserved" in err


def test_jsonl_strings_may_hold_unicode_line_separators(project, capsys):
    write_batch(
        project,
        jsonl(
            {"text": "We will\u2028answer in kind.", "label": "threat"},
            {"text": "Talks\u2029resumed.", "label": "neutral", "topic": "a\x85b"},
        ),
        name="b1.jsonl",
    )
    cleans(capsys)
    statements = table(paths.STATEMENTS).set_index("text")
    assert statements.loc["We will answer in kind.", "text_original"] == "We will\u2028answer in kind."
    assert statements.loc["Talks resumed.", "topic"] == "a\x85b"
    assert ledger()["total"]["kept"] == 2


def test_jsonl_with_crlf_line_ends_still_reads(project, capsys):
    write_batch(
        project, jsonl({"text": "We will answer in kind.", "label": "threat"}).replace("\n", "\r\n"), "b1.jsonl"
    )
    cleans(capsys)
    assert table(paths.STATEMENTS)["text_original"].tolist() == ["We will answer in kind."]


# 11. YAML aliases in params.yaml -------------------------------------------------------------


def test_a_yaml_alias_bomb_is_refused_without_expanding(project, capsys):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    (project / "params.yaml").write_text("\n".join(bomb) + "\n" + PARAMS.read_text())
    write_batch(project, "text,label\nWe will answer in kind.,threat\n")
    assert fails(capsys) == (
        "stance clean: error: params.yaml:1: YAML aliases are not allowed (anchor &a: write values out)"
    )


def test_a_yaml_alias_is_refused_on_its_line(project, capsys):
    set_params(project, "  adjudication: majority", "  adjudication: *rule")
    write_batch(project, "text,label\nWe will answer in kind.,threat\n")
    lines = PARAMS.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("  adjudication: majority"))
    assert f"params.yaml:{line}: YAML aliases are not allowed (*rule" in fails(capsys)


# 12. Output permissions follow the umask -----------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_are_created_with_the_umask(project, capsys, umask, mode):
    write_batch(project, "text,label\nWe will answer in kind.,threat\n")
    previous = os.umask(umask)
    try:
        cleans(capsys)
    finally:
        os.umask(previous)
    for output in (paths.STATEMENTS, paths.REJECTS, paths.VOTES, paths.CLEAN_LEDGER, paths.DISPUTED):
        assert stat.S_IMODE(os.stat(output).st_mode) == mode, output


# 13. Formulas in CSVs meant for people -------------------------------------------------------


def test_csvs_for_people_defuse_formulas_and_data_tables_stay_raw(project, capsys):
    write_batch(
        project,
        HEADER + '"=HYPERLINK(""http://x"",""y"")",=1+1 said the envoy,menacing,ana\n'
        "q2,+We will answer in kind.,threat,ana\nq2,+We will answer in kind.,warning,ben\n"
        "-q3,@Talks resumed on Monday.,neutral,ana\n",
    )
    cleans(capsys)
    rejected = table(paths.REJECTS).set_index("line")
    assert rejected.loc["2", "text"] == "'=1+1 said the envoy"
    assert rejected.loc["3", "text"] == "'+We will answer in kind."
    assert table(paths.DISPUTED).loc[0, "text"] == "'+We will answer in kind."
    statements = table(paths.STATEMENTS)
    assert statements[["statement_id", "text"]].values.tolist() == [["-q3", "@Talks resumed on Monday."]]
    assert table(paths.VOTES)["statement_id"].tolist() == ["q2", "q2", "-q3"]
    assert "-q3" in table(paths.LABEL_CHANGES)["statement_id"].tolist()


def test_write_csv_for_people_touches_only_text_cells_that_start_a_formula(tmp_path):
    frame = pd.DataFrame(
        {"text": ["=SUM(A1)", "+1", "-2", "@x", "\tx", "\rx", "fine", "a=b"], "number": [-1, 2, 3, 4, 5, 6, 7, 8]}
    )
    write_csv(frame, tmp_path / "people.csv", for_people=True)
    write_csv(frame, tmp_path / "data.csv")
    people, data = table(tmp_path / "people.csv"), table(tmp_path / "data.csv")
    assert people["text"].tolist() == ["'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "'\rx", "fine", "a=b"]
    assert people["number"].tolist() == data["number"].tolist() == [str(n) for n in frame["number"]]
    assert data["text"].tolist() == frame["text"].tolist()
