"""Stance over time: shares, bootstrap intervals, sparse cells, bad dates, and the figure."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from stance.errors import StanceError
from stance.timeline import COLUMNS, stance_over_time, timeline_figure


def frame(records: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=["speaker", "date", "label"])


# Korva's ministry: March 2031 has 4 threats, 2 warnings, 4 neutral; April one threat. Gen. Dorn: one in March.
SMALL = frame(
    [("Korva MFA", f"2031-03-{day:02d}", "threat") for day in (1, 2, 3, 4)]
    + [("Korva MFA", "2031-03-10", "warning"), ("Korva MFA", "2031-03-11", "Warning ")]
    + [("Korva MFA", f"2031-03-{day}", "neutral") for day in (20, 21, 22, 31)]
    + [("Korva MFA", "2031-04-02", "threat"), ("Gen. Dorn", "2031-03-15T09:30:00", "neutral")]
)


def test_counts_and_shares_per_speaker_and_month():
    table, skipped = stance_over_time(SMALL, "label")
    assert skipped == 0
    assert list(table.columns) == COLUMNS
    assert table[["speaker", "n", "threat_share", "warning_share", "enough"]].values.tolist() == [
        ["Gen. Dorn", 1, 0.0, 0.0, False],
        ["Korva MFA", 10, 0.4, 0.2, True],
        ["Korva MFA", 1, 1.0, 0.0, False],
    ]
    assert [str(p) for p in table["period"]] == ["2031-03", "2031-03", "2031-04"]


def test_quarters_merge_months():
    table, _ = stance_over_time(SMALL, "label", period="Q")
    korva = table[table["speaker"] == "Korva MFA"].iloc[0]
    assert (str(korva["period"]), korva["n"], korva["threat_share"]) == ("2031Q1", 10, 0.4)
    assert str(table["period"].iloc[-1]) == "2031Q2"


def test_weeks_split_a_month():
    table, _ = stance_over_time(SMALL, "label", period="W", min_count=1)
    korva = table[table["speaker"] == "Korva MFA"]
    assert korva["n"].sum() == 11 and len(korva) > 2
    assert korva["period"].is_monotonic_increasing


def test_interval_contains_the_share_and_lies_in_0_1():
    table, _ = stance_over_time(SMALL, "label")
    for kind in ("threat", "warning"):
        assert (table[f"{kind}_low"] <= table[f"{kind}_share"]).all()
        assert (table[f"{kind}_share"] <= table[f"{kind}_high"]).all()
        assert table[f"{kind}_low"].between(0, 1).all() and table[f"{kind}_high"].between(0, 1).all()
    ministry = table.iloc[1]
    assert ministry["threat_low"] < 0.4 < ministry["threat_high"]  # ten statements leave real uncertainty


def test_a_unanimous_cell_has_a_degenerate_interval():
    table, _ = stance_over_time(SMALL, "label")
    april = table.iloc[2]
    assert (april["threat_low"], april["threat_high"]) == (1.0, 1.0)


def test_intervals_are_reproducible_with_the_seed_and_change_with_it():
    # a large cell, so that the interval ends are not stuck on the few values k/n of a small one
    rows = frame([("Korva MFA", "2031-03-01", ("threat", "warning", "neutral")[i % 3]) for i in range(301)])
    first, _ = stance_over_time(rows, "label", resamples=200, seed=7)
    again, _ = stance_over_time(rows, "label", resamples=200, seed=7)
    other, _ = stance_over_time(rows, "label", resamples=200, seed=8)
    pd.testing.assert_frame_equal(first, again)
    bounds = ["threat_low", "threat_high", "warning_low", "warning_high"]
    assert first[bounds].values.tolist() != other[bounds].values.tolist()


def test_a_cell_interval_does_not_depend_on_other_speakers():
    alone, _ = stance_over_time(SMALL[SMALL["speaker"] == "Korva MFA"], "label")
    together, _ = stance_over_time(SMALL, "label")
    columns = ["threat_low", "threat_high", "warning_low", "warning_high"]
    pd.testing.assert_frame_equal(
        alone[columns].reset_index(drop=True),
        together[together["speaker"] == "Korva MFA"][columns].reset_index(drop=True),
    )


def test_the_interval_matches_a_direct_bootstrap_of_the_statements():
    # resampling statements and drawing multinomial counts are the same distribution: compare their widths
    table, _ = stance_over_time(SMALL, "label", resamples=4000)
    rng = np.random.default_rng(0)
    threats = np.array([1] * 4 + [0] * 6)
    direct = np.percentile(rng.choice(threats, size=(4000, 10)).mean(axis=1), [2.5, 97.5])
    ministry = table.iloc[1]
    assert ministry["threat_low"] == pytest.approx(direct[0], abs=0.11)
    assert ministry["threat_high"] == pytest.approx(direct[1], abs=0.11)


def test_sparse_periods_are_flagged_not_dropped():
    table, _ = stance_over_time(SMALL, "label", min_count=2)
    assert table["enough"].tolist() == [False, True, False]
    table, _ = stance_over_time(SMALL, "label", min_count=1)
    assert table["enough"].all()


def test_bad_and_empty_dates_are_excluded_and_counted():
    rows = pd.concat(
        [
            SMALL,
            frame(
                [
                    ("Korva MFA", "", "threat"),
                    ("Korva MFA", "not a date", "threat"),
                    ("Korva MFA", "2031-02-30", "threat"),
                    ("Korva MFA", "31/03/2031", "threat"),
                    ("Korva MFA", "2031-03", "threat"),
                    ("Korva MFA", "", ""),  # left out for its date, so its missing label is not an error
                ]
            ),
            pd.DataFrame({"speaker": ["Korva MFA"], "date": [None], "label": ["threat"]}),
        ],
        ignore_index=True,
    )
    table, skipped = stance_over_time(rows, "label")
    assert skipped == 7
    assert table["n"].sum() == len(SMALL)


def test_sorted_by_speaker_then_period():
    shuffled = SMALL.sample(frac=1, random_state=3)
    table, _ = stance_over_time(shuffled, "label", min_count=1)
    assert table[["speaker", "period"]].values.tolist() == sorted(table[["speaker", "period"]].values.tolist())


def test_no_valid_dates_gives_an_empty_table():
    table, skipped = stance_over_time(frame([("Korva MFA", "", "threat")]), "label")
    assert table.empty and list(table.columns) == COLUMNS and skipped == 1


@pytest.mark.parametrize(
    "rows, kwargs, message",
    [
        (SMALL.drop(columns="date"), {}, "missing column 'date'"),
        (SMALL, {"label_column": "stance"}, "missing column 'stance'"),
        (frame([("Korva MFA", "2031-03-01", "menace")]), {}, "unknown label 'menace'"),
        (SMALL, {"period": "fortnight"}, "unknown period 'fortnight'"),
        (SMALL, {"resamples": 0}, "resamples must be at least 1"),
    ],
)
def test_bad_arguments_are_refused(rows, kwargs, message):
    with pytest.raises(StanceError, match=message):
        stance_over_time(rows, **({"label_column": "label"} | kwargs))


# ----------------------------------------------------------------------------------------------- figure


def many_speakers(count: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    records = [
        (f"Speaker {i:02d}", f"2031-{month:02d}-{day:02d}", rng.choice(["threat", "warning", "neutral"]))
        for i in range(count)
        for month in range(1, 13)
        for day in range(1, 2 + (count - i) + (month % 3))  # later speakers say less; some months are sparse
    ]
    return frame(records)


def render(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_figure_with_few_speakers_has_a_line_each_and_hollow_sparse_markers():
    table, _ = stance_over_time(SMALL, "label")
    figure = timeline_figure(table)
    axes = figure.axes[0]
    assert render(figure).startswith(b"\x89PNG")
    assert axes.get_title() == "Threat share over time"
    assert [t.get_text() for t in axes.get_legend().get_texts()][:2] == ["Korva MFA", "Gen. Dorn"]
    hollow = [line for line in axes.lines if line.get_linestyle() == "None" and line.get_markerfacecolor() == "none"]
    assert sum(len(line.get_xdata()) for line in hollow) == 2  # Gen. Dorn in March, the ministry in April


def test_sparse_periods_are_not_joined_by_the_line():
    table, _ = stance_over_time(SMALL, "label")
    axes = timeline_figure(table).axes[0]
    ministry = next(line for line in axes.lines if line.get_label() == "Korva MFA")
    values = np.asarray(ministry.get_ydata(), dtype=float)
    assert values[0] == pytest.approx(0.4) and np.isnan(values[1])  # April (one statement) is not on the line


def test_figure_with_many_speakers_shows_six_and_says_so():
    table, _ = stance_over_time(many_speakers(9), "label")
    figure = timeline_figure(table)
    axes = figure.axes[0]
    assert render(figure).startswith(b"\x89PNG")
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend[:6] == [f"Speaker {i:02d}" for i in range(6)]  # the six with most statements
    assert len(legend) == 7
    assert "6 of 9 speakers" in axes.get_title()


def test_figure_of_an_empty_table_still_builds():
    table, _ = stance_over_time(frame([("Korva MFA", "", "threat")]), "label")
    assert render(timeline_figure(table)).startswith(b"\x89PNG")
