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
