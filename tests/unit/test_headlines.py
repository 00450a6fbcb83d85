"""`cssd headlines`: which cells of which written table are each published Wales figure."""

import csv
from pathlib import Path

import pytest

from orchestration.lib import headlines
from orchestration.lib.headlines import HEADLINES, NOT_PUBLISHED_BY_CSSD, compare, published_figures
from orchestration.lib.publication import TABLES, statswales_path
from orchestration.lib.reference import WALES, published_headlines


def write_table(out: Path, year: str, table: str, cells: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Wales cells (key, measure) -> (value, note codes), and one LA cell that must be ignored."""
    dim = TABLES[table].dimensions[0]
    path = statswales_path(out, year, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "area_code", dim, "measure", "value", "note_codes"])
        for (key, measure), (value, notes) in cells.items():
            w.writerow([year, WALES, key, measure, value, notes])
            w.writerow([year, "W06000015", key, measure, "99999", ""])


def test_every_published_measure_is_a_cssd_figure_or_says_why_not():
    measures = {(r["census"], r["measure"].removesuffix("_revised")) for r in published_headlines()}
    assert measures <= set(HEADLINES) | set(NOT_PUBLISHED_BY_CSSD)
    for spec in HEADLINES.values():
        table = TABLES[spec.table]
        assert table.census == spec.census and spec.dimension in table.dimensions
        assert set(spec.keys) <= set(table.keys[spec.dimension]), spec
        assert all(spec.measure in table.measures_for(k) for k in spec.keys), spec


def test_the_revised_figure_replaces_the_first():
    pub = published_figures()
    assert pub[("CLA", "children_looked_after_31_march", "2018-19")] == 6834  # revised; first published 6846
    assert pub[("CRCS", "total_children_receiving_care_and_support", "2019-20")] == 16745


def test_compare_reads_the_wales_cells_and_adds_keys(tmp_path):
    write_table(tmp_path, "2020-21", "crcs1", {
        ("total", "count"): ("17005", ""),
        ("total", "rate_per_10000"): ("269.9", ""),
        ("looked_after", "count"): ("7190", ""),
        ("child_protection_register", "count"): ("2470", ""),
        ("neither", "count"): ("", "x,p"),  # as the StatsWales file writes it
        ("unborn", "count"): ("40", ""),
    })  # fmt: skip
    write_table(tmp_path, "2015-16", "crcs1", {
        ("total", "count"): ("18885", ""),
        ("total", "rate_per_10000"): ("300.8", ""),
        ("unborn", "count"): ("105", ""),
    })  # fmt: skip
    rows, unmatched = compare(tmp_path, {"crcs"})
    got = {(r.measure, r.year): r for r in rows}
    assert set(got) == {
        ("total_children_receiving_care_and_support", "2020-21"),
        ("rate_receiving_care_and_support_per_10000_under_18", "2020-21"),
        ("looked_after", "2020-21"),
        ("on_child_protection_register_not_looked_after", "2020-21"),
        ("neither_looked_after_nor_on_child_protection_register", "2020-21"),
        ("total_children_in_need", "2015-16"),
        ("rate_in_need_per_10000_under_18", "2015-16"),
        ("unborn_children_in_need", "2015-16"),
    }
    total = got[("total_children_receiving_care_and_support", "2020-21")]
    assert (total.ours, total.published) == ("17005", 17004)
    assert total.diff_percent == pytest.approx(100 / 17004)
    # CIN published its total with the unborn children: cssd's total + unborn
    cin = got[("total_children_in_need", "2015-16")]
    assert (cin.ours, cin.diff_percent) == ("18990", 0.0)
    # a cell hidden by a note code is shown by its notes, with no difference
    neither = got[("neither_looked_after_nor_on_child_protection_register", "2020-21")]
    assert (neither.ours, neither.diff_percent) == ("[x] [p]", None)
    assert got[("rate_in_need_per_10000_under_18", "2015-16")].diff_percent == pytest.approx((300.8 - 302) / 302 * 100)
    assert [m for _, m, _ in unmatched] == ["looked_after_and_on_child_protection_register"]
    # the CLA figures are asked for only with the CLA census
    assert not any(r.census == "CLA" for r in rows)


def test_a_published_measure_without_a_cssd_figure_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(headlines, "HEADLINES", {k: v for k, v in HEADLINES.items() if k[1] != "looked_after"})
    with pytest.raises(KeyError, match="CRCS looked_after has no cssd figure"):
        compare(tmp_path, {"crcs"})
