"""A bad resubmission through the Dagster raw assets: the run fails with the file, row, field and rule
in its message, and the raw tables and the files written before are exactly as they were."""

import hashlib
import shutil

import duckdb
import pytest

from orchestration.lib.synthetic import generate_cla
from orchestration.lib.years import CollectionYear
from tests.integration.helpers import run_cssd
from tests.security.corpus import cases, personal_values

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("bad_dagster")]

YEAR = CollectionYear.parse("2023-24")
LAS = ["W06000002", "W06000012"]
BAD_CASES = ["overlapping_episodes"]  # one through Dagster keeps make test short; the corpus covers the rest


def raw_digests(data) -> dict[str, str]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        return {
            t: hashlib.sha256(repr(con.execute(f"select * from raw.{t} order by all").fetchall()).encode()).hexdigest()
            for t in tables
        }
    finally:
        con.close()


def output_digests(data) -> dict[str, str]:
    out = data / "output"
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and "validation" not in p.relative_to(out).parts
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    data = tmp_path_factory.mktemp("baddagster") / "data"
    generate_cla(data / "landing", [YEAR], seed=11, scale=0.05, la_codes=LAS)
    result = run_cssd(["build", "--census", "cla", "--years", YEAR.label], data)
    assert result.returncode == 0, result.stderr[-4000:]
    return data, raw_digests(data), output_digests(data)


@pytest.mark.parametrize("case_id", BAD_CASES)
def test_a_bad_resubmission_fails_the_run_and_changes_nothing_stored(clean, case_id):
    data, raw_before, out_before = clean
    (case,) = [c for c in cases() if c.id == case_id]
    assert (case.census, case.year, case.gss) == ("cla", YEAR.label, "W06000012")
    folder = data / "landing" / "cla" / YEAR.label / case.gss
    kept = data.parent / f"kept-{case_id}"
    shutil.move(folder, kept)
    shutil.copytree(case.folder, folder)
    try:
        result = run_cssd(["build", "--census", "cla", "--years", YEAR.label], data)
    finally:
        shutil.rmtree(folder)
        shutil.move(kept, folder)
    assert result.returncode == 1, result.stdout[-2000:]
    err = result.stderr
    for e in case.expected:
        where = f"{e.file} row {e.row}, field {e.field}"
        assert where in err and f"[{e.rule}]" in err, err[-3000:]
    assert "1 error(s) in 1 file(s)" in err
    assert not [v for vs in personal_values(case.folder, "cla", YEAR.label).values() for v in vs if v in err]
    assert raw_digests(data) == raw_before
    assert output_digests(data) == out_before
    report = (data / "output" / YEAR.label / "validation" / "cla" / f"{case.gss}.csv").read_text()
    assert case.expected[0].rule in report
