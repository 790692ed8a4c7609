from pathlib import Path

import pandas as pd

from stance.stages.report import Figure, Section, to_html, to_markdown


def test_html_escapes_text_and_embeds_figures(tmp_path):
    png = Path(__file__).resolve().parents[2] / "reports/plots/confusion.png"
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots/c.png").write_bytes(png.read_bytes())
    hostile = '<script>alert(1)</script> =HYPERLINK("http://x","y")'
    sections = [Section("Errors <b>", [hostile, pd.DataFrame({"text": [hostile]}), Figure(Path("plots/c.png"), "fig")])]
    page = to_html("Report", sections, tmp_path)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "data:image/png;base64," in page and "http://x" not in page.replace("&quot;http://x&quot;", "")
    assert "default-src 'none'" in page
    markdown = to_markdown("Report", sections)
    assert hostile.replace("|", "\\|") in markdown and "![fig](plots/c.png)" in markdown


def test_long_lists_of_label_changes_are_cut_with_a_line_saying_so():
    from stance.stages.report import MAX_LISTED, _history_blocks, _listed

    few = pd.DataFrame({"batch": ["b1"] * 3, "statement_id": ["a", "b", "c"], "change": ["relabelled"] * 3})
    assert len(_listed(few, "label changes")) == 1 and _listed(few, "label changes")[0] is few
    many = pd.DataFrame(
        {"batch": ["b1"] * 250, "statement_id": [f"s{i}" for i in range(250)], "change": ["relabelled"] * 250}
    )
    line, table = _listed(many, "label changes")
    assert line == f"The first {MAX_LISTED} of 250 label changes (all of them: reports/label_changes.csv)."
    assert len(table) == MAX_LISTED
    assert len(_history_blocks(many)[-1]) == MAX_LISTED


def test_diagnostics_above_the_refit_limit_get_one_line_each(tmp_path):
    from stance.io import read_frame
    from stance.stages.report import refits_skipped

    assert refits_skipped(100_000, 100_000) is None
    line = refits_skipped(800_000, 100_000)
    assert line == "skipped: 800000 training statements is above evaluate.refit_limit (100000)"
    table = tmp_path / "statements.csv"
    table.write_text("statement_id,text,label,date\ns1,Some text,threat,\n", encoding="utf-8")
    assert read_frame(table, columns=("label", "date", "domain")).to_dict("records") == [
        {"label": "threat", "date": ""}
    ]
