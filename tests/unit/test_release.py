"""The release around the published tables: [p] and [r] notes, revisions, the publication suite
(it fails on a disclosive or malformed table) and a manifest with no wall-clock time."""

import json

import pandas as pd
import pytest

from orchestration.lib import release
from orchestration.lib.expectations import run_suite
from orchestration.lib.publication import TABLES, expected_cells
from orchestration.lib.reference import area_order

YEAR = "2024-25"


def _cla9(values: "dict[str, str] | None" = None, notes: "dict[str, str] | None" = None) -> pd.DataFrame:
    """A published CLA9 (area only, one count per area) as text, every count 10 unless given."""
    rows = []
    for area in area_order():
        rows.append(
            {
                "year": YEAR,
                "area_code": area,
                "measure": "count",
                "value": (values or {}).get(area, "10"),
                "note_codes": (notes or {}).get(area, ""),
            }
        )
    return pd.DataFrame(rows)


def _suite(frame: pd.DataFrame, policy: str = "round5"):
    gate, params = release.publication_gate_frame(frame, "cla9", policy)
    return run_suite("publication", gate, params)


def test_join_notes_keeps_the_spec_order_once_each():
    assert release.join_notes(["[p]", "[c]", "[p]"]) == "[c] [p]"
    assert release.split_notes("[c] [p]") == ["[c]", "[p]"]


def test_a_clean_published_table_passes_the_publication_suite():
    assert _suite(_cla9()).success
    assert _suite(_cla9(notes={"W06000015": "[c] [p]"}, values={"W06000015": ""})).success


@pytest.mark.parametrize(
    "frame, failing",
    [
        (_cla9(values={"W06000015": "3"}), "expect_column_values_to_be_in_set"),  # a count of 1-4 shown
        (_cla9(values={"W06000015": "12"}), "expect_column_values_to_be_in_set"),  # not a multiple of 5
        (_cla9(notes={"W06000015": "[q]"}), "expect_column_values_to_match_regex"),  # unknown note code
        (_cla9(values={"W06000015": ""}), "expect_column_values_to_be_in_set"),  # empty with no note
        (_cla9(values={"W06000015": "=HYPERLINK(1)"}), "expect_column_values_to_match_regex"),  # text value
        (_cla9().iloc[1:], "expect_column_pair_values_to_be_equal"),  # a cell missing: wrong shape
        (_cla9().assign(child_pid="abc"), "expect_table_columns_to_match_set"),  # a column with personal data
    ],
)
def test_the_publication_suite_fails_on_a_disclosive_or_malformed_table(frame, failing):
    result = _suite(frame)
    assert not result.success
    assert failing in {f["type"] for f in result.failed}


def test_exact_counts_pass_under_the_suppress_policy_but_not_1_to_4():
    assert _suite(_cla9(values={"W06000015": "12"}), "suppress").success
    assert not _suite(_cla9(values={"W06000015": "4"}), "suppress").success


def test_changed_cells_get_r_and_are_listed_with_old_and_new_values():
    baseline = _cla9(values={"W06000015": "20"})
    new = _cla9(values={"W06000015": "25", "W06000001": ""}, notes={"W06000001": "[c]"})
    new = release.with_note(new, "[p]")
    marked, revisions = release.mark_revisions(new, baseline, "cla9")
    by_area = marked.set_index("area_code")["note_codes"]
    assert by_area["W06000015"] == "[p] [r]" and by_area["W06000001"] == "[c] [p] [r]"
    assert by_area["W06000002"] == "[p]"
    assert sorted(revisions["area_code"]) == ["W06000001", "W06000015"]
    row = revisions.set_index("area_code").loc["W06000015"]
    assert (row["old_value"], row["new_value"]) == ("20", "25")
    text = release.revisions_csv(revisions).decode()
    assert text.splitlines()[0].startswith("table_id,year,area_code,keys,measure,old_value")
    # the same values again: nothing revised; a cell that only gained [p] is not a revision
    same, none = release.mark_revisions(release.with_note(baseline, "[p]"), baseline, "cla9")
    assert none.empty and "[r]" not in "".join(same["note_codes"])


def test_manifest_lists_outputs_with_hashes_and_holds_no_time(tmp_path):
    year_dir = tmp_path / YEAR
    (year_dir / "statswales").mkdir(parents=True)
    (year_dir / "statswales" / "cla9.csv").write_text("a,b\n")
    (year_dir / ".baseline").mkdir()
    (year_dir / ".baseline" / "cla9.csv").write_text("internal\n")
    release.write_gates(year_dir, "cla9", {"disclosure_audit": {"passed": True}})
    landing = [{"census": "cla", "year": YEAR, "la_code": "W06000015", "table_name": "children", "sha256": "ab"}]
    one = release.build_manifest(year_dir, YEAR, landing, "round5", True, {})
    two = release.build_manifest(year_dir, YEAR, landing, "round5", True, {})
    assert release.manifest_bytes(one) == release.manifest_bytes(two)
    assert [o["path"] for o in one["outputs"]] == ["statswales/cla9.csv"]
    assert one["gates"]["cla9"]["disclosure_audit"]["passed"] and one["all_gates_passed"]
    assert one["status"] == "provisional" and "dagster" in one["tools"]
    text = json.dumps(one)
    assert "T0" not in text and ":00Z" not in text  # no timestamps
    failing = release.build_manifest(year_dir, YEAR, [], "round5", True, {"release": {"passed": False}})
    assert not failing["all_gates_passed"]


def test_manifest_says_which_warehouse_built_the_release(tmp_path):
    year_dir = tmp_path / YEAR
    (year_dir / "statswales").mkdir(parents=True)
    duck = release.build_manifest(year_dir, YEAR, [], "round5", True, {})
    pg = release.build_manifest(year_dir, YEAR, [], "round5", True, {}, warehouse="postgres")
    assert duck["warehouse"] == "duckdb" and "dbt-duckdb" in duck["tools"] and "dbt-postgres" not in duck["tools"]
    assert pg["warehouse"] == "postgres" and "dbt-postgres" in pg["tools"] and "dbt-duckdb" not in pg["tools"]


def test_every_table_has_a_shape_for_the_suite():
    for table_id in TABLES:
        assert len(expected_cells(table_id)) > 0
