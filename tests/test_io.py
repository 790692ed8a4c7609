import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stance.errors import StanceError
from stance.io import atomic_path, lines_of, list_batches, read_batch, read_table


def batch_file(tmp_path, data: bytes, name: str = "b.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_with_bom_and_crlf_reads_cleanly(tmp_path):
    path = batch_file(tmp_path, "\ufefftext,label\r\nWe will answer.,threat\r\nTalks began.,neutral\r\n".encode())
    rows = read_batch(path).rows
    assert list(rows.columns) == ["line", "text", "label"]
    assert rows["text"].tolist() == ["We will answer.", "Talks began."]
    assert rows["line"].tolist() == [2, 3]


def test_line_numbers_count_multiline_quoted_cells(tmp_path):
    path = batch_file(tmp_path, b'text,label\n"two\nlines",neutral\nnext,threat\n')
    assert read_batch(path).rows["line"].tolist() == [2, 4]


def test_latin1_bytes_are_reported_with_their_line(tmp_path):
    path = batch_file(tmp_path, "text,label\nok,neutral\nCaf\u00e9 talks,neutral\n".encode("latin-1"))
    with pytest.raises(StanceError, match=r"b.csv:3: not UTF-8 \(byte 0xe9"):
        read_batch(path)


@pytest.mark.parametrize("sep, name", [(";", "semicolon"), ("\t", "tab")])
def test_wrong_delimiter_is_named(tmp_path, sep, name):
    path = batch_file(tmp_path, f"text{sep}label\nhello{sep}neutral\n".encode())
    with pytest.raises(StanceError, match=rf"b.csv:1: {name}-separated header"):
        read_batch(path)


def test_unbalanced_quotes_are_reported(tmp_path):
    path = batch_file(tmp_path, b'text,label\n"never closed,neutral\n')
    with pytest.raises(StanceError, match="b.csv:.*malformed CSV"):
        read_batch(path)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(StanceError, match="b.csv: empty file"):
        read_batch(batch_file(tmp_path, b"  \n"))


def test_jsonl_rows_keep_their_line(tmp_path):
    path = batch_file(
        tmp_path, b'{"text": "a b c", "label": "neutral"}\n\n{"text": "x y", "label": "threat"}\n', name="b.jsonl"
    )
    rows = read_batch(path).rows
    assert rows["line"].tolist() == [1, 3]
    assert rows["label"].tolist() == ["neutral", "threat"]


def test_bad_json_line_is_named(tmp_path):
    path = batch_file(tmp_path, b'{"text": "a"}\n{oops\n', name="b.jsonl")
    with pytest.raises(StanceError, match="b.jsonl:2: not valid JSON"):
        read_batch(path)


def test_column_mapping_renames_to_canonical_names(tmp_path):
    path = batch_file(tmp_path, b"statement,stance\nhello there,neutral\n")
    rows = read_batch(path, columns={"text": "statement", "label": "stance"}).rows
    assert rows["text"].tolist() == ["hello there"]


def test_batches_are_listed_by_name_and_strangers_refused(tmp_path):
    for name in ["b.csv", "a.jsonl"]:
        (tmp_path / name).write_text("text,label\n")
    assert [p.name for p in list_batches(tmp_path)] == ["a.jsonl", "b.csv"]
    (tmp_path / "notes.xlsx").write_text("x")
    with pytest.raises(StanceError, match="notes.xlsx: not a batch file"):
        list_batches(tmp_path)


def test_folder_without_batches_is_an_error(tmp_path):
    with pytest.raises(StanceError, match="no batch files"):
        list_batches(tmp_path)


def test_read_table_detects_jsonl_on_stdin_like_input(tmp_path):
    path = batch_file(tmp_path, b'{"text": "We will answer in kind."}\n', name="in.txt")
    assert read_table(str(path))["text"].tolist() == ["We will answer in kind."]


def test_atomic_path_keeps_previous_file_when_writer_fails(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half writ")
        raise RuntimeError("killed mid-way")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", ",", '"', "\r", "\n", "\u2028", "\x85", " ", "é"]), max_size=40))
def test_lines_of_splits_as_stringio_does(text):
    assert list(lines_of(text)) == list(io.StringIO(text, newline=""))
