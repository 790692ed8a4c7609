"""The bad-input catalogue: each case is a one-line error naming file/line/problem (exit 2, no
traceback), or a row in rejects.csv with its reason while the run goes on."""

import codecs
import csv
import io
import json
import random
import subprocess
import sys
import time
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from sklearn.preprocessing import StandardScaler

from stance.card import card_path
from stance.cli import main
from stance.config import TrainParams
from stance.models import build_pipeline
from stance.persist import save_model
from tests.conftest import small_corpus

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"
GOOD = (
    "text,label\nWe reserve the right to respond.,threat\nThey are playing with fire.,warning\nTalks resumed.,neutral\n"
)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "data/raw").mkdir(parents=True)
    (tmp_path / "params.yaml").write_text(PARAMS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def batch(workdir, data: bytes | str, name: str = "b1.csv") -> Path:
    path = workdir / "data/raw" / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def fails(capsys, *argv) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "data/raw/b1.csv: empty file"),
        ("text,label\n", "b1.csv: header only"),
        ("text,stance\nhello,threat\n", "b1.csv:1: missing column 'label' (columns found: text, stance)"),
        ("statement,label\nhello,threat\n", "b1.csv:1: missing column 'text'"),
        ("text;label\nhello;threat\n", "b1.csv:1: semicolon-separated header"),
        ("text\tlabel\nhello\tthreat\n", "b1.csv:1: tab-separated header"),
        ('text,label\n"never closed,threat\nmore,neutral\n', "malformed CSV"),
        ("text,label\nok ok,neutral\nbad,neutral,extra\n", "b1.csv:3: 3 fields, header has 2"),
        ("text,label\nCaf\u00e9 talks,neutral\n".encode("latin-1"), "b1.csv:2: not UTF-8 (byte 0xe9"),
        ("text,label\n\u201cWe will respond\u201d,threat\n".encode("cp1252"), "b1.csv:2: not UTF-8 (byte 0x93"),
    ],
)
def test_file_level_problems_stop_with_one_line(workdir, capsys, data, message):
    batch(workdir, data)
    assert message in fails(capsys, "clean")


def test_bom_and_crlf_are_read_cleanly(workdir, capsys):
    batch(workdir, "\ufeff" + GOOD.replace("\n", "\r\n"))
    assert main(["clean"]) == 0
    rows = list(csv.DictReader((workdir / "data/clean/statements.csv").open()))
    assert sorted(r["label"] for r in rows) == ["neutral", "threat", "warning"]


def test_row_level_problems_go_to_rejects_with_file_line_and_reason(workdir, capsys):
    long_text = "x" * 100_000
    batch(
        workdir,
        GOOD + f",neutral\n   ,threat\nSomething odd,menacing\n{long_text},threat\nNo label here,\n"
        '"<script>alert(1)</script> said the envoy",neutral\n"=HYPERLINK(""http://x"",""y"")",neutral\n',
    )
    assert main(["clean"]) == 0
    rejects = {int(r["line"]): r["reason"] for r in csv.DictReader((workdir / "data/clean/rejects.csv").open())}
    assert rejects[5] == "empty text" and rejects[6] == "empty text"
    assert rejects[7].startswith("unknown label: 'menacing'")
    assert rejects[8].startswith("text too long: 100000 characters (limit clean.max_chars=")
    assert rejects[9] == "missing label"
    kept = {r["text"] for r in csv.DictReader((workdir / "data/clean/statements.csv").open())}
    assert "<script>alert(1)</script> said the envoy" in kept and '=HYPERLINK("http://x","y")' in kept


def test_on_error_fail_stops_at_the_first_bad_row(workdir, capsys):
    (workdir / "params.yaml").write_text(PARAMS.read_text().replace("on_error: reject", "on_error: fail"))
    batch(workdir, GOOD + "Odd one,menacing\n")
    assert "b1.csv:5: unknown label: 'menacing'" in fails(capsys, "clean")


def test_conflicting_labels_for_one_statement_id_are_disputed_not_guessed(workdir, capsys):
    batch(
        workdir,
        "statement_id,text,label,annotator\nq1,Measures will follow.,threat,ana\n"
        "q1,Measures will follow.,warning,ben\nq2,Talks resumed.,neutral,ana\n",
    )
    assert main(["clean"]) == 0
    assert "q1" in (workdir / "reports/disputed.csv").read_text()
    assert "q1" not in (workdir / "data/clean/statements.csv").read_text()


def test_non_batch_file_and_empty_folder_are_named(workdir, capsys):
    assert "data/raw: no batch files" in fails(capsys, "clean")
    batch(workdir, "x", name="notes.xlsx")
    assert "data/raw/notes.xlsx: not a batch file" in fails(capsys, "clean")


@pytest.mark.parametrize(
    "edit, message",
    [
        (("  seed: 42\n  test_size", "  sed: 42\n  test_size"), "unknown key 'split.sed' (did you mean 'seed'?)"),
        (("\nqueue:", "\nqeue: {}\nqueue:"), "unknown key 'qeue' (did you mean 'queue'?)"),
        (("test_size: 0.2", "test_size: lots"), "split.test_size: "),
        (("adjudication: majority", "adjudication: vote"), "clean.adjudication: "),
    ],
)
def test_bad_params_name_the_key(workdir, capsys, edit, message):
    (workdir / "params.yaml").write_text(PARAMS.read_text().replace(*edit, 1))
    batch(workdir, GOOD)
    assert message in fails(capsys, "clean")


def test_single_class_and_tiny_class_are_named_with_counts(workdir, capsys):
    batch(workdir, "text,label\n" + "".join(f"Talks resumed on day {i}.,neutral\n" for i in range(10)))
    assert main(["clean"]) == 0
    assert "only one class in the data ('neutral')" in fails(capsys, "split")
    batch(
        workdir,
        "text,label\n"
        + "".join(f"Talks resumed on day {i}.,neutral\n" for i in range(10))
        + "".join(f"Playing with fire again {i}.,warning\n" for i in range(10))
        + "We will respond.,threat\n",
    )
    assert main(["clean"]) == 0
    assert "class 'threat' has 1 statement(s); at least 2 are needed" in fails(capsys, "split")


def test_label_in_params_but_absent_from_data_is_named(workdir, capsys):
    batch(
        workdir,
        "text,label\n"
        + "".join(f"Talks resumed on day {i}.,neutral\n" for i in range(10))
        + "".join(f"Playing with fire again {i}.,warning\n" for i in range(10)),
    )
    assert main(["clean"]) == 0
    assert "label 'threat' (in params clean.labels) has no statements" in fails(capsys, "split")


def test_a_real_process_prints_no_traceback(workdir):
    batch(workdir, "text;label\nhello;threat\n")
    result = subprocess.run([sys.executable, "-m", "stance.cli", "clean"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("stance clean: error: data/raw/b1.csv:1: semicolon-separated header")
    assert "Traceback" not in result.stderr


# --- stance predict, compare, experiments: hostile inputs, round 2 ---------------------------------

CLASSES = ["neutral", "threat", "warning"]  # the model's classes_, sorted
PREDICTION_COLUMNS = ["predicted_label", *[f"p_{c}" for c in CLASSES], "problem"]
GOOD_TEXT = "We reserve the right to respond in kind."


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    """A small model with a card beside it, so that predict has no card warning to print."""
    path = tmp_path_factory.mktemp("model") / "model.skops"
    corpus = small_corpus()
    save_model(build_pipeline(TrainParams(classifier="logreg")).fit(corpus["text"], corpus["label"]), path)
    card = {"task": "stance", "labels": CLASSES, "libraries": {"scikit-learn": version("scikit-learn")}}
    card_path(path).write_text(json.dumps(card))
    return path


@pytest.fixture
def predict_dir(tmp_path, monkeypatch) -> Path:
    (tmp_path / "params.yaml").write_text(PARAMS.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def predict(capsys, model: Path, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `stance predict --model MODEL ARGV`."""
    code = main(["predict", "--model", str(model), *argv])
    out, err = capsys.readouterr()
    return code, out, err.strip()


def predict_fails(capsys, model: Path, *argv) -> str:
    code, _, err = predict(capsys, model, *argv)
    assert code == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err
    return err


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def write_csv_rows(path: str, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def assert_never_labelled_silently(rows: list[dict]) -> None:
    """A row is labelled (label and probabilities summing to 1) exactly when it has no problem."""
    for row in rows:
        if row["problem"]:
            assert row["predicted_label"] == "" and all(row[f"p_{c}"] == "" for c in CLASSES), row
        else:
            assert row["predicted_label"] in CLASSES, row
            assert abs(sum(float(row[f"p_{c}"]) for c in CLASSES) - 1) < 1e-4


# 1. A header and no rows: an empty output with the prediction columns.


@pytest.mark.parametrize("chunked", [False, True])
def test_header_only_csv_gives_the_header_and_the_prediction_columns(predict_dir, capsys, model_file, chunked):
    Path("in.csv").write_text("statement_id,text\n")
    args = ["--input", "in.csv", "--output", "out.csv", *(["--chunk-size", "10"] if chunked else [])]
    code, _, err = predict(capsys, model_file, *args)
    assert code == 0 and err == ""
    assert Path("out.csv").read_text() == ",".join(["statement_id", "text", *PREDICTION_COLUMNS]) + "\n"


def test_documents_without_any_statement_give_an_empty_table(predict_dir, capsys, model_file):
    Path("article.txt").write_text("\u200b\n")
    code, out, err = predict(capsys, model_file, "--documents", "--input", "article.txt")
    assert code == 0 and err == ""
    assert out.splitlines()[0].endswith(",".join(PREDICTION_COLUMNS)) and len(out.splitlines()) == 1


# 2. Rows without text are kept and flagged in `problem`, never labelled.


def test_csv_rows_without_text_are_flagged_not_labelled(predict_dir, capsys, model_file):
    cells = {
        "good": GOOD_TEXT,
        "empty": "",
        "blank": "  \t ",
        "zero-width": "\u200b",
        "format-only": "\u200b \ufeff\u00ad\u2060",
        "quotes-only": '""',
        "too-long": "x" * 2001,
    }
    write_csv_rows("in.csv", ["id", "text"], [[key, value] for key, value in cells.items()])
    code, out, err = predict(capsys, model_file, "--input", "in.csv")
    assert code == 0 and err == ""
    rows = rows_of(out)
    assert list(rows[0]) == ["id", "text", *PREDICTION_COLUMNS]
    assert {r["id"]: r["problem"] for r in rows} == {
        "good": "",
        "empty": "no text",
        "blank": "no text",
        "zero-width": "no text",
        "format-only": "no text",
        "quotes-only": "no text",
        "too-long": "text too long (2001 characters; clean.max_chars is 2000)",
    }
    assert_never_labelled_silently(rows)


def test_jsonl_texts_that_are_not_strings_are_flagged_with_their_type(predict_dir, capsys, model_file):
    texts = {"1": GOOD_TEXT, "2": None, "3": 5, "4": 2.5, "5": True, "6": [1, 2], "7": {"a": 1}, "9": "5"}
    lines = [json.dumps({"id": key, "text": value}) for key, value in texts.items()] + ['{"id": "8"}']
    Path("in.jsonl").write_text("\n".join(lines) + "\n")
    code, out, err = predict(capsys, model_file, "--input", "in.jsonl")
    assert code == 0 and err == ""
    rows = rows_of(out)
    assert {r["id"]: r["problem"] for r in rows} == {
        "1": "",
        "2": "no text",
        "3": "text is not a string (number)",
        "4": "text is not a string (number)",
        "5": "text is not a string (boolean)",
        "6": "text is not a string (list)",
        "7": "text is not a string (object)",
        "9": "",  # "5" as a string is a text
        "8": "no text",
    }
    assert_never_labelled_silently(rows)


def test_too_long_follows_clean_max_chars_in_params(predict_dir, capsys, model_file):
    Path("params.yaml").write_text(PARAMS.read_text().replace("max_chars: 2000", "max_chars: 50", 1))
    write_csv_rows("in.csv", ["text"], [["y" * 50], ["y" * 60]])
    code, out, _ = predict(capsys, model_file, "--input", "in.csv")
    assert code == 0
    assert [r["problem"] for r in rows_of(out)] == ["", "text too long (60 characters; clean.max_chars is 50)"]


@pytest.mark.parametrize("name", ["in.csv", "in.jsonl"])
def test_a_million_character_text_is_flagged_quickly(predict_dir, capsys, model_file, name):
    huge = "threat " * 142_857  # ~1,000,000 characters
    if name.endswith(".csv"):
        write_csv_rows(name, ["text"], [[huge], [GOOD_TEXT]])
    else:
        Path(name).write_text(json.dumps({"text": huge}) + "\n" + json.dumps({"text": GOOD_TEXT}) + "\n")
    started = time.perf_counter()
    code, out, _ = predict(capsys, model_file, "--input", name)
    assert time.perf_counter() - started < 5  # linear work; a quadratic step would take minutes
    assert code == 0
    rows = rows_of(out)
    assert rows[0]["problem"] == "text too long (999998 characters; clean.max_chars is 2000)"
    assert rows[1]["problem"] == "" and rows[1]["predicted_label"] in CLASSES


def test_prediction_columns_in_the_input_are_replaced_with_a_warning(predict_dir, capsys, model_file):
    Path("in.csv").write_text(f"text,predicted_label,p_threat,p_hostile,problem,note\n{GOOD_TEXT},neutral,1,0,old,n\n")
    code, out, err = predict(capsys, model_file, "--input", "in.csv")
    assert code == 0
    replaced = "predicted_label, p_threat, p_hostile, problem"
    assert err == f"warning: in.csv: its columns {replaced} are replaced by this prediction"
    rows = rows_of(out)
    assert list(rows[0]) == ["text", "note", *PREDICTION_COLUMNS]
    assert rows[0]["problem"] == "" and rows[0]["predicted_label"] in CLASSES


def test_chunked_and_whole_file_predictions_agree_and_both_flag(predict_dir, capsys, model_file):
    texts = [GOOD_TEXT, "", "\u200b", "They play with fire.\r\nAgain.", 'A "quoted" word, a comma', "z" * 2500]
    write_csv_rows("in.csv", ["id", "text"], [[str(i), t] for i, t in enumerate(texts * 3)])
    assert predict(capsys, model_file, "--input", "in.csv", "--output", "whole.csv")[0] == 0
    assert predict(capsys, model_file, "--input", "in.csv", "--output", "chunks.csv", "--chunk-size", "4")[0] == 0
    whole, chunks = (rows_of(Path(name).read_text(encoding="utf-8")) for name in ("whole.csv", "chunks.csv"))
    assert whole == chunks and len(whole) == len(texts) * 3
    assert [r["problem"] != "" for r in whole[:6]] == [False, True, True, False, False, True]
    assert_never_labelled_silently(chunks)


# 3. Encodings, binary files, duplicate columns, output paths.


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-16"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        lambda text: text.encode("utf-32"),
    ],
    ids=["utf-16", "utf-16-be", "utf-16-le", "utf-32"],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(predict_dir, capsys, model_file, encode, chunked):
    text = f"id,text\n1,{GOOD_TEXT}\n2,Caf\u00e9 talks resumed \u201cas planned\u201d.\n"
    Path("in.csv").write_bytes(encode(text))
    Path("utf8.csv").write_text(text, encoding="utf-8")
    chunk = ["--chunk-size", "1"] if chunked else []
    assert predict(capsys, model_file, "--input", "in.csv", "--output", "a.csv", *chunk)[0] == 0
    assert predict(capsys, model_file, "--input", "utf8.csv", "--output", "b.csv")[0] == 0
    assert Path("a.csv").read_text() == Path("b.csv").read_text()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sheet.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("in.csv", "text\nok then\n\u201cWe respond\u201d\n".encode("cp1252"), "in.csv:3: not UTF-8 (byte 0x93"),
        ("in.csv", "text\nCaf\u00e9 talks\n".encode("latin-1"), "in.csv:2: not UTF-8 (byte 0xe9"),
        ("in.csv", random.Random(0).randbytes(3000), "in.csv: binary data, not a CSV or JSONL table"),
        ("in.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "in.csv: a PNG image, not a CSV or JSONL table"),
        ("in.csv", _zip_bytes(), "in.csv: a zip archive (a .skops model? an .xlsx workbook?), not a CSV"),
        ("in.csv", b"text\nok then\nA\x00B\n", "in.csv:3: NUL character (binary data, or UTF-16 without a byte-order"),
        ("in.csv", "text\nok then\n".encode("utf-16-le"), "in.csv:1: NUL character"),
        ("in.csv", codecs.BOM_UTF16_LE + "  \n".encode("utf-16-le"), "in.csv: empty file"),
        ("in.csv", b"text,id,text\na,1,b\n", "in.csv:1: duplicate column(s) text"),
        ("in.csv", b"id,label\n1,threat\n", "in.csv: missing column 'text' (columns found: id, label)"),
        ("in.csv", b'text\n"never closed\n', "in.csv:2: malformed CSV"),
        ("in.csv", b"text\nok,extra\n", "in.csv:2: 2 fields, header has 1"),
        ("in.json", b'[{"text": "a"}]', "in.json: a JSON array; expected a CSV, or JSONL"),
        ("in.jsonl", b'{"text": "ok"}\n{"text": "\\ud800 x"}\n', "in.jsonl:2: 'text' holds a lone surrogate escape"),
        ("in.jsonl", b'{"text": "ok"}\n[1]\n', "in.jsonl:2: each line must be a JSON object"),
    ],
)
def test_inputs_that_are_not_a_utf8_table_are_one_line_errors(predict_dir, capsys, model_file, name, data, message):
    Path(name).write_bytes(data)
    assert message in predict_fails(capsys, model_file, "--input", name)
    if name.endswith(".csv"):  # the chunked reader refuses it alike
        assert message in predict_fails(capsys, model_file, "--input", name, "--output", "o.csv", "--chunk-size", "1")
        assert not Path("o.csv").exists()


def test_the_model_file_given_as_input_is_refused(predict_dir, capsys, model_file):
    assert "a zip archive (a .skops model?" in predict_fails(capsys, model_file, "--input", str(model_file))


@pytest.mark.parametrize(
    "line, problem",
    [
        ("5001,Caf\u00e9".encode("cp1252"), "big.csv:5002: not UTF-8 (byte 0xe9"),
        (b"5001,A\x00B", "big.csv:5002: NUL character"),
        (b"5001,ok,extra", "big.csv:5002: 3 fields, header has 2"),
    ],
)
def test_chunked_reading_names_the_line_deep_in_a_large_file(predict_dir, capsys, model_file, line, problem):
    rows = [b"id,text"] + [f"{i},We will respond number {i}".encode() for i in range(1, 8001)]
    rows[5001] = line
    Path("big.csv").write_bytes(b"\n".join(rows) + b"\n")
    assert Path("big.csv").stat().st_size > 1 << 16  # past the part checked before reading
    err = predict_fails(capsys, model_file, "--input", "big.csv", "--output", "o.csv", "--chunk-size", "1000")
    assert problem in err
    assert not Path("o.csv").exists()  # nothing half-written


@pytest.mark.parametrize("chunked", [False, True])
def test_output_in_a_folder_that_does_not_exist_is_created(predict_dir, capsys, model_file, chunked):
    write_csv_rows("in.csv", ["text"], [[GOOD_TEXT]])
    chunk = ["--chunk-size", "5"] if chunked else []
    assert predict(capsys, model_file, "--input", "in.csv", "--output", "new/sub/out.csv", *chunk)[0] == 0
    assert rows_of(Path("new/sub/out.csv").read_text())[0]["predicted_label"] in CLASSES


@pytest.mark.parametrize("output", ["in.csv", "./sub/../in.csv", "link.csv"])
@pytest.mark.parametrize("chunked", [False, True])
def test_output_onto_the_input_is_refused(predict_dir, capsys, model_file, output, chunked):
    write_csv_rows("in.csv", ["text"], [[GOOD_TEXT]])
    Path("sub").mkdir()
    Path("link.csv").symlink_to("in.csv")
    before = Path("in.csv").read_bytes()
    chunk = ["--chunk-size", "5"] if chunked else []
    err = predict_fails(capsys, model_file, "--input", "in.csv", "--output", output, *chunk)
    assert err.endswith(f"{output}: would overwrite the input; write the predictions to another file")
    assert Path("in.csv").read_bytes() == before


@pytest.mark.parametrize(
    "output, chunk_size, message",
    [
        ("folder", "0", "folder: is a folder; --output needs a file name"),
        ("a_file/x.csv", "0", "a_file/x.csv: a_file is a file, so it cannot hold the output"),
        ("o.csv", "-5", "--chunk-size -5: expected a number of rows"),
    ],
)
def test_impossible_output_or_chunk_size_is_refused(predict_dir, capsys, model_file, output, chunk_size, message):
    write_csv_rows("in.csv", ["text"], [[GOOD_TEXT]])
    Path("folder").mkdir()
    Path("a_file").write_text("x")
    args = ["--input", "in.csv", "--output", output, "--chunk-size", chunk_size]
    assert message in predict_fails(capsys, model_file, *args)


def test_a_model_file_without_a_classifier_or_with_a_bad_card_is_refused(predict_dir, capsys, model_file):
    write_csv_rows("in.csv", ["text"], [[GOOD_TEXT]])
    save_model(StandardScaler().fit([[0.0], [1.0]]), Path("scaler.skops"))
    card_path(Path("scaler.skops")).write_text(json.dumps({"labels": CLASSES}))  # no task: no labels to expect
    assert "scaler.skops: holds no fitted classifier" in predict_fails(
        capsys, Path("scaler.skops"), "--input", "in.csv"
    )
    card_path(Path("scaler.skops")).write_text("[1, 2]")
    assert "scaler_card.json: model card is not a JSON object (got list)" in predict_fails(
        capsys, Path("scaler.skops"), "--input", "in.csv"
    )


# Exit-3 paths the predict-side probing found elsewhere (io._parse_jsonl, card.py, compare, experiments).


@pytest.mark.parametrize(
    "line", ['{"text": ' + "[" * 100_000 + "]" * 100_000 + "}", '{"text": ' + "9" * 5000 + "}"], ids=["deep", "digits"]
)
def test_jsonl_line_python_cannot_parse_is_a_one_line_error(predict_dir, capsys, model_file, line):
    Path("in.jsonl").write_text(line + "\n")
    assert "in.jsonl:1: " in predict_fails(capsys, model_file, "--input", "in.jsonl")


def test_column_names_with_line_breaks_stay_on_one_line(predict_dir, capsys, model_file):
    Path("in.csv").write_bytes(b'"a\x0cb","c\nd",problem\nx,y,z\n')
    assert "missing column 'text' (columns found: 'a\\x0cb', 'c\\nd', problem)" in predict_fails(
        capsys, model_file, "--input", "in.csv"
    )


def test_duplicated_column_name_with_a_line_break_stays_on_one_line(predict_dir, capsys, model_file):
    Path("in.csv").write_bytes(b'text,"a\nb","a\nb"\nx,1,2\n')
    assert "duplicate column(s)" in predict_fails(capsys, model_file, "--input", "in.csv")


def test_batch_of_only_a_byte_order_mark_is_an_empty_file(workdir, capsys):
    batch(workdir, b"\xef\xbb\xbf")
    assert "b1.csv: empty file" in fails(capsys, "clean")


def test_input_of_only_a_byte_order_mark_is_an_empty_file(predict_dir, capsys, model_file):
    Path("in.csv").write_bytes(codecs.BOM_UTF8)
    assert "in.csv: empty file" in predict_fails(capsys, model_file, "--input", "in.csv")


def test_model_card_with_libraries_not_an_object_is_a_one_line_error(predict_dir, capsys, model_file):
    write_csv_rows("in.csv", ["text"], [[GOOD_TEXT]])
    Path("m.skops").write_bytes(model_file.read_bytes())
    card_path(Path("m.skops")).write_text(json.dumps({"task": "stance", "labels": CLASSES, "libraries": []}))
    assert "m_card.json" in predict_fails(capsys, Path("m.skops"), "--input", "in.csv")


# 4. compare and experiments.


def _git(*argv: str) -> None:
    subprocess.run(["git", *argv], check=True, capture_output=True)


@pytest.fixture
def history(tmp_path, monkeypatch):
    """A git repository whose commits hold reports/predictions.csv in different shapes (tagged)."""
    monkeypatch.chdir(tmp_path)
    _git("init", "-q")
    _git("config", "user.email", "t@example.org")
    _git("config", "user.name", "t")
    (tmp_path / "params.yaml").write_text(PARAMS.read_text())
    predictions = tmp_path / "reports" / "predictions.csv"
    predictions.parent.mkdir()
    versions = {
        "good": "statement_id,actual,predicted\ns1,threat,threat\ns2,neutral,warning\n",
        "columns": "statement_id,label\ns1,threat\n",
        "empty": "",
        "malformed": 'statement_id,actual,predicted\n"s1,threat\n',
        "labels": "statement_id,actual,predicted\ns1,menace,threat\ns2,neutral,\n",
    }
    for tag, content in versions.items():
        predictions.write_text(content)
        _git("add", "-A")
        _git("commit", "-qm", tag)
        _git("tag", tag)
    predictions.unlink()
    _git("commit", "-qam", "no predictions")
    _git("tag", "none")
    return tmp_path


def test_compare_names_a_revision_without_predictions(history, capsys):
    assert "reports/predictions.csv at revision 'none': cannot read it" in fails(capsys, "compare", "good", "none")


@pytest.mark.parametrize("rev", ["columns", "empty", "malformed"])
def test_compare_with_predictions_it_cannot_use_is_a_one_line_error(history, capsys, rev):
    assert "reports/predictions.csv" in fails(capsys, "compare", "good", rev)


def test_compare_with_labels_outside_params_still_compares(history, capsys):
    assert main(["compare", "labels", "labels"]) == 0  # an unknown gold label counts as a class of its own


@pytest.mark.parametrize(
    "content, message",
    [
        ("- a\n- b\n", "sweep.yaml: expected a list under 'experiments:'"),
        ("experiments: {a: 1}\n", "sweep.yaml: expected a list under 'experiments:'"),
        ("experiments:\n  - name: a\n", "sweep.yaml: experiment 1 needs a name and a 'set' mapping"),
    ],
)
def test_experiments_sweep_of_the_wrong_shape_is_named(workdir, capsys, content, message):
    Path("sweep.yaml").write_text(content)
    assert message in fails(capsys, "experiments", "queue", "sweep.yaml")
    assert "missing.yaml: sweep file not found" in fails(capsys, "experiments", "collect", "missing.yaml")


@pytest.mark.parametrize("data", [b"experiments: [\n", "experiments: []  # caf\u00e9\n".encode("latin-1")])
def test_experiments_sweep_that_is_not_yaml_is_a_one_line_error(workdir, capsys, data):
    Path("sweep.yaml").write_bytes(data)
    assert "sweep.yaml" in fails(capsys, "experiments", "queue", "sweep.yaml")


def test_experiments_collect_outside_a_dvc_repository_is_a_one_line_error(workdir, capsys):
    Path("sweep.yaml").write_text("experiments:\n  - name: a\n    set: {train.C: 0.5}\n")
    assert "DVC" in fails(capsys, "experiments", "collect", "sweep.yaml")


def test_a_large_input_file_is_read_in_chunks_by_default(predict_dir, capsys, model_file, monkeypatch):
    from stance.commands import predict as predict_command

    rows = [[f"{GOOD_TEXT} Round {n}."] for n in range(7)] + [[""]]
    write_csv_rows("in.csv", ["text"], rows)
    chunked = []
    monkeypatch.setattr(predict_command, "AUTO_CHUNK_BYTES", Path("in.csv").stat().st_size - 1)
    monkeypatch.setattr(predict_command, "AUTO_CHUNK_ROWS", 3)
    real = predict_command._predict_in_chunks
    monkeypatch.setattr(predict_command, "_predict_in_chunks", lambda *a: chunked.append(1) or real(*a))
    assert predict(capsys, model_file, "--input", "in.csv", "--output", "auto.csv")[0] == 0
    assert chunked == [1]
    assert predict(capsys, model_file, "--input", "in.csv", "--output", "whole.csv", "--chunk-size", "0")[0] == 0
    assert chunked == [1]  # 0 still means: read at once
    assert Path("auto.csv").read_bytes() == Path("whole.csv").read_bytes()
    assert_never_labelled_silently(rows_of(Path("auto.csv").read_text(encoding="utf-8")))
