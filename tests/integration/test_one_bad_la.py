"""A bad return from one LA: one readable error naming it; the other 21 LAs' data is stored and the
build goes on to publish them (exit 0, the failed return listed; --strict: exit 1)."""

import duckdb
import pytest

from orchestration.lib.synthetic import generate_cla
from orchestration.lib.years import CollectionYear
from tests.integration.helpers import run_cssd

pytestmark = pytest.mark.integration

YEAR = CollectionYear.parse("2023-24")
BAD = "W06000022"


@pytest.fixture(scope="module")
def data(tmp_path_factory, seeded_warehouse):
    data = tmp_path_factory.mktemp("onebad") / "data"
    seeded_warehouse(data)
    generate_cla(data / "landing", [YEAR], seed=3, scale=0.1)
    episodes = data / "landing" / "cla" / YEAR.label / BAD / "episodes.csv"
    lines = episodes.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[3] = "ZZ"  # legal_status: not a code in any era
    lines[1] = ",".join(fields)
    episodes.write_text("".join(lines), encoding="utf-8")
    return data


def test_one_bad_la_is_listed_with_one_readable_error_and_the_rest_is_published(data):
    result = run_cssd(["build", "--census", "cla", "--years", YEAR.label], data)
    assert result.returncode == 0, result.stderr[-3000:]
    err = result.stderr
    assert "1 return(s) failed validation and were not stored" in err
    assert f"CLA {YEAR.label} {BAD}: the return of " in err and "no return has been accepted: figures [x]" in err
    assert (data / "output" / YEAR.label / "manifest.json").exists()
    status = (data / "output" / YEAR.label / "submissions.csv").read_text(encoding="utf-8")
    assert f"cla,{YEAR.label},{BAD}," in status and "failed_validation" in status
    assert f"cla/{YEAR.label}/{BAD}/episodes.csv row 2, field legal_status" in err
    assert "legal status is not a recognised code" in err
    assert "1 error(s) in 1 file(s)" in err
    other_las = [la for la in ("W06000001", "W06000015") if la in err]
    assert other_las == []

    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    stored = {
        r[0]
        for r in con.execute("select distinct la_code from raw.cla_episodes where year = ?", [YEAR.label]).fetchall()
    }
    con.close()
    assert len(stored) == 21 and BAD not in stored

    reports = data / "output" / YEAR.label / "validation" / "cla"
    assert len(list(reports.glob("W06*.csv"))) == 22 and len(list(reports.glob("W06*.html"))) == 22
    bad_report = (reports / f"{BAD}.csv").read_text()
    assert "CLA-027" in bad_report and ",error," in bad_report
    summary = (reports / "summary.csv").read_text()
    assert BAD in summary and "CLA-027" in summary


def test_strict_makes_a_failed_return_fail_the_build(data):
    result = run_cssd(["build", "--census", "cla", "--years", YEAR.label, "--strict"], data)
    assert result.returncode == 1
    assert "--strict: the build exits 1" in result.stderr
