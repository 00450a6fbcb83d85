"""The release on the shared build: every year has its published tables (disclosure control
applied), lookups, workbooks, release.html and a manifest that matches the files; a second build
from the same inputs gives byte-identical outputs; nothing written starts like a formula."""

import json
import zipfile

import pytest

from orchestration.lib import release
from orchestration.lib.publication import TABLES
from tests.integration.conftest import BUILD_ENV, YEARS
from tests.integration.helpers import run_cssd

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("built")]


def _outputs(data) -> dict[str, str]:
    out = {}
    for year in YEARS:
        year_dir = data / "output" / year.label
        for p in release.output_files(year_dir):
            out[str(p.relative_to(data))] = release.sha256_file(p)
        out[f"{year.label}/manifest.json"] = release.sha256_file(year_dir / "manifest.json")
    return out


def test_every_year_has_the_whole_release(built):
    for year in YEARS:
        year_dir = built / "output" / year.label
        for table_id in TABLES:
            assert (year_dir / "statswales" / f"{table_id}.csv").exists(), (year.label, table_id)
        assert list((year_dir / "statswales" / "lookups").glob("*.csv"))
        for name in (
            f"cssd-release-{year.label}.ods",
            f"cssd-release-{year.label}.xlsx",
            "release.html",
            f"cssd-release-{year.label}-cy.ods",
            f"cssd-release-{year.label}-cy.xlsx",
            "release-cy.html",
        ):
            assert (year_dir / name).stat().st_size > 1000, name  # fmt: skip
        manifest = json.loads((year_dir / "manifest.json").read_text())
        assert manifest["all_gates_passed"] and manifest["disclosure_policy"] == "round5"
        for entry in manifest["outputs"]:
            assert release.sha256_file(year_dir / entry["path"]) == entry["sha256"]
        assert {f["census"] for f in manifest["landing_files"]} == {"cla", "crcs"}
        assert (year_dir / "run_record.json").exists()


def test_every_statswales_file_and_dataset_obeys_the_upload_contract(built):
    from orchestration.lib.statswales_check import check_output, errors

    findings = check_output(built / "output")
    assert errors(findings) == [], [str(f) for f in errors(findings)][:20]
    for table_id in TABLES:
        dataset = built / "output" / "statswales" / table_id
        assert (dataset / "data.csv").exists() and (dataset / "metadata.json").exists(), table_id
        assert (dataset / f"update_{YEARS[-1].label}.csv").exists(), table_id
        for year in YEARS:
            assert (built / "output" / year.label / "statswales" / f"{table_id}.csv").read_text().count(year.label), (
                table_id
            )
    for year in YEARS:
        for name in ("release.html", "release-cy.html"):
            page = (built / "output" / year.label / name).read_text(encoding="utf-8")
            assert page.startswith(f'<!doctype html><html lang="{"cy" if name == "release-cy.html" else "en"}">')


def test_counts_are_rounded_and_small_counts_hidden(built):
    for year in YEARS:
        for table_id in ("cla1", "crcs1", "crcs4"):
            f = release.read_published_csv(built / "output" / year.label / "statswales" / f"{table_id}.csv")
            counts = f[(f["measure"] == "count") & (f["value"] != "")]["value"].astype(int)
            assert (counts % 5 == 0).all(), (year.label, table_id)
            assert not counts.between(1, 4).any()


def test_the_latest_year_is_provisional(built):
    f = release.read_published_csv(built / "output" / "2016-17" / "statswales" / "cla1.csv")
    assert f["note_codes"].str.contains(r"\[p\]").all()
    earlier = release.read_published_csv(built / "output" / "2015-16" / "statswales" / "cla1.csv")
    assert not earlier["note_codes"].str.contains(r"\[p\]").any()


def test_no_written_cell_starts_like_a_formula(built):
    risky = ("=", "+", "@", "\t", "\r")
    for year in YEARS:
        year_dir = built / "output" / year.label
        for path in year_dir.rglob("*.csv"):
            for line in path.read_text(encoding="utf-8").splitlines():
                assert not any(cell.startswith(risky) for cell in line.split(",")), path
        with zipfile.ZipFile(year_dir / f"cssd-release-{year.label}.xlsx") as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
            assert not any("<f>" in z.read(n).decode() for n in sheets), "a formula in the workbook"


def _raw_tables(data) -> dict:
    import duckdb

    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        names = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        ]
        return {n: con.execute(f"select * from raw.{n} order by all").fetchall() for n in sorted(names)}
    finally:
        con.close()


def test_zz_a_second_build_from_the_same_inputs_is_byte_identical(built):
    first, raw = _outputs(built), _raw_tables(built)
    result = run_cssd(["build", "--census", "all", "--years", "2015-16:2016-17", "--verbose"], built, **BUILD_ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _outputs(built) == first
    # re-ingesting unchanged returns changes nothing: they are not even read again
    assert _raw_tables(built) == raw
    log = result.stdout + result.stderr
    assert "return(s) unchanged since they were validated and stored: not read again" in log
