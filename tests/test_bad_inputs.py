"""The bad-input catalogue: each case is a one-line error naming file/line/problem (exit 2, no
traceback), or a row in rejects.csv with its reason while the run goes on."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from stance.cli import main

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
