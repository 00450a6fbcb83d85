"""Sign-off (orchestration/lib/signoff.py): the round trip (a release awaits sign-off; signed off, it
says who and when; a new return arrives and the sign-off is stale; a new finding makes it stale), the
record in the release, the output-checking record, and bad input refused with nothing changed."""

import argparse
import io
import json
import os
from datetime import UTC, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from orchestration.lib import signoff
from orchestration.lib.findings import COLUMNS, with_meaning
from orchestration.lib.outputs import release_store as store
from orchestration.lib.release_files import write_release
from orchestration.lib.translations import text
from orchestration.lib.years import CollectionYear
from orchestration.settings import load_settings
from tests.unit.test_release_store import stage

YEAR = "2024-25"
CARDIFF = "W06000015"
RETURN_1 = {"census": "cla", "year": YEAR, "la_code": CARDIFF, "table_name": "episodes", "file": "episodes.csv",
            "sha256": "a" * 64, "row_count": 10}  # fmt: skip
RETURN_2 = {**RETURN_1, "la_code": "W06000001", "sha256": "b" * 64}
WHEN = datetime(2026, 9, 3, 10, 30, tzinfo=UTC)


def _finding(check="flow_identity", area=CARDIFF):
    f = pd.DataFrame(
        [[check, "fct_cla_looked_after_at_census", YEAR, area, "flow_gap_children", "11", "at most 10.0 children"]],
        columns=COLUMNS[:-1],
    )
    return with_meaning(f)


def _stage(data):
    stage(data)  # as the published asset writes them (StatsWales's note-code format)


def _release(settings, landing, findings):
    manifest, problems = write_release(settings, CollectionYear.parse(YEAR), landing, findings=findings)
    assert problems == []
    return manifest


def _view(settings):
    return settings.output_dir / YEAR


def _cover_text(view) -> str:
    english = next(p for p in sorted(view.glob("*.xlsx")) if not p.stem.endswith("-cy"))
    wb = load_workbook(english, read_only=True)
    text = " ".join(str(c) for row in wb["Cover"].iter_rows(values_only=True) for c in row if c)
    wb.close()
    return text


def _sign(settings, stored, accepts, by="Ann Statistician"):
    return signoff.sign_off(settings, CollectionYear.parse(YEAR), by, "checked with the LAs", accepts, stored, WHEN)


@pytest.fixture()
def settings(tmp_path):
    data = tmp_path / "data"
    _stage(data)
    return load_settings({"CSSD_DATA_DIR": str(data), "CSSD_TODAY": "2026-11-25"})


def test_sign_off_round_trip(settings):
    # 1. built: the release waits for sign-off, its finding listed
    manifest = _release(settings, [RETURN_1], _finding())
    view = _view(settings)
    assert manifest["signoff"]["status"] == "not signed off" and manifest["qa_findings"]["count"] == 1
    assert "Not signed off" in (view / "release.html").read_text() and "Not signed off" in _cover_text(view)
    assert text("signoff.not_signed", "cy") in (view / "release-cy.html").read_text()  # in Welsh on the Welsh page
    assert (view / "qa" / "findings.csv").read_text().count(CARDIFF) == 1
    checking = pd.read_csv(view / signoff.CHECKING_FILE, dtype=str)
    assert list(checking.columns) == signoff.CHECKING_HEADER
    assert set(checking["status"]) == {"awaiting sign-off"}
    cla1 = checking[checking["output"] == "statswales/cla1.csv"].iloc[0]
    assert cla1["findings"] == "1"  # flow_identity bears on CLA1, CLA4 and CLA5
    assert checking.set_index("output").loc["statswales/cla2.csv", "findings"] == "0"
    assert checking.set_index("output").loc["qa/findings.csv", "findings"] == "1"
    assert cla1["sha256"] == next(e["sha256"] for e in manifest["outputs"] if e["path"] == "statswales/cla1.csv")

    # 2. signed off: the record is in the release, which says who and when
    record, state = _sign(settings, [RETURN_1], {f"flow_identity:{CARDIFF}": "two sibling groups in March"})
    assert state.status == signoff.SIGNED
    assert record["accepted"][0]["reason"] == "two sibling groups in March"
    assert record["accepted"][0]["findings"][0]["observed"] == "11"
    assert "statswales/cla1.csv" in record["outputs"] and "release.html" not in record["outputs"]
    line = "Signed off by Ann Statistician on 2026-09-03"
    assert line in (view / "release.html").read_text() and line in _cover_text(view)
    assert json.loads((view / signoff.SIGNOFF_FILE).read_text())["signed_by"] == "Ann Statistician"
    manifest = json.loads((view / "manifest.json").read_text())
    assert manifest["signoff"]["status"] == "signed off"
    assert set(pd.read_csv(view / signoff.CHECKING_FILE)["status"]) == {"cleared for publication"}
    assert signoff.status(settings, YEAR, [RETURN_1]).status == signoff.SIGNED

    # 3. a new return arrives (stored): the sign-off is stale, before and after the year is rebuilt
    assert signoff.status(settings, YEAR, [RETURN_1, RETURN_2]).reasons == ("new_data",)
    with pytest.raises(signoff.SignoffError, match="returns were stored after this release"):
        _sign(settings, [RETURN_1, RETURN_2], {f"flow_identity:{CARDIFF}": "again"})
    manifest = _release(settings, [RETURN_1, RETURN_2], _finding())
    assert manifest["signoff"]["status"] == "stale" and manifest["signoff"]["reasons"] == ["new_data"]
    page = (view / "release.html").read_text()
    assert "the sign-off is stale: new or changed returns were stored after it" in page
    assert "stale" in _cover_text(view)
    assert set(pd.read_csv(view / signoff.CHECKING_FILE)["status"]) == {"sign-off stale"}

    # 4. signed again; then a new finding makes it stale
    _sign(settings, [RETURN_1, RETURN_2], {f"flow_identity:{CARDIFF}": "two sibling groups in March"})
    assert json.loads((view / "manifest.json").read_text())["signoff"]["status"] == "signed off"
    both = pd.concat([_finding(), _finding("rec1_difference", "W06000001")], ignore_index=True)
    manifest = _release(settings, [RETURN_1, RETURN_2], both)
    assert manifest["signoff"]["reasons"] == ["new_findings"]


def test_bad_sign_off_is_refused_and_changes_nothing(settings):
    with pytest.raises(signoff.SignoffError, match="no release of this year"):
        _sign(settings, [], {})
    _release(settings, [RETURN_1], _finding())
    view = _view(settings)
    before = (os.readlink(view), sorted(p.name for p in (settings.output_dir / ".releases" / YEAR).iterdir()))
    accept = {f"flow_identity:{CARDIFF}": "fine"}
    for by, accepts, message in [
        ("", accept, "--by: the name"),
        ("  ", accept, "--by: the name"),
        ("Ann", {}, f"not accepted: flow_identity:{CARDIFF}"),
        ("Ann", {**accept, "rec1_difference:W06000001": "x"}, "rec1_difference:W06000001 is not an open finding"),
    ]:
        with pytest.raises(signoff.SignoffError, match=message):
            _sign(settings, [RETURN_1], accepts, by=by)
    # a build under way: the staged tables differ from the release
    staged = store.staging_dir(settings.output_dir, YEAR) / "statswales" / "cla1.csv"
    original = staged.read_bytes()
    staged.write_bytes(original + b"\n")
    with pytest.raises(signoff.SignoffError, match="a build of the year has not finished"):
        _sign(settings, [RETURN_1], accept)
    staged.write_bytes(original)
    # a release changed by hand since it was written
    released = view / "statswales" / "cla2.csv"
    kept = released.read_bytes()
    released.write_bytes(kept.replace(b",", b";", 1))
    with pytest.raises(signoff.SignoffError, match=r"differ from its manifest \(statswales/cla2.csv\)"):
        _sign(settings, [RETURN_1], accept)
    released.write_bytes(kept)
    # a release whose blocking checks failed
    manifest_path = view / "manifest.json"
    manifest_text = manifest_path.read_text()
    manifest_path.write_text(manifest_text.replace('"all_gates_passed": true', '"all_gates_passed": false'))
    with pytest.raises(signoff.SignoffError, match="a blocking check of this release failed"):
        _sign(settings, [RETURN_1], accept)
    manifest_path.write_text(manifest_text)
    after = (os.readlink(view), sorted(p.name for p in (settings.output_dir / ".releases" / YEAR).iterdir()))
    assert after == before and not signoff.store_path(settings.output_dir, YEAR).exists()


def test_the_output_checking_record_marks_an_output_whose_check_failed():
    manifest = {
        "outputs": [{"path": "statswales/cla1.csv", "sha256": "1" * 64}, {"path": "release.html", "sha256": "2" * 64}],
        "gates": {
            "cla1": {"disclosure_audit": {"passed": False}, "file_reads_back": {"passed": True}},
            "release_reads_back": {"passed": True},
        },
    }
    rows = pd.read_csv(
        io.BytesIO(
            signoff.checking_csv(manifest, _finding(), signoff.State(signoff.NOT_SIGNED), {"flow_identity": ("cla1",)})
        ),
        dtype=str,
    ).set_index("output")
    assert rows.loc["statswales/cla1.csv", "status"] == "blocked"
    assert rows.loc["statswales/cla1.csv", "checks_run"] == (
        "disclosure_audit FAILED; file_reads_back passed; plausibility: flow_identity"
    )
    assert rows.loc["statswales/cla1.csv", "findings"] == "1"
    assert rows.loc["release.html", "status"] == "awaiting sign-off"
    assert rows.loc["release.html", "signoff"] == "Not signed off"


@pytest.mark.parametrize(
    "items, message",
    [
        (["flow_identity=W06000015=ok"], "write it as CHECK:AREA"),
        (["flow_identity:W06000015"], "write it as CHECK:AREA"),
        (["flow_identity:W06000015=  "], "the reason is empty"),
        (["flow_identity:W06000015=a", "flow_identity:W06000015=b"], "given twice"),
    ],
)
def test_bad_accept_arguments(items, message):
    with pytest.raises(signoff.SignoffError, match=message):
        signoff.parse_accept(items)


def test_accept_file(tmp_path):
    good = tmp_path / "accept.csv"
    good.write_text('check,area_code,reason\nflow_identity,W06000015,"two groups, in March"\n')
    assert signoff.read_accept_file(good) == {"flow_identity:W06000015": "two groups, in March"}
    for body, message in [
        ("check,area,reason\n", "row 1: the header must be check,area_code,reason"),
        ("check,area_code,reason\nflow_identity,,why\n", "row 2, field area_code: empty"),
        ("check,area_code,reason\nflow_identity,W06000015\n", "row 2: 3 fields expected"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(body)
        with pytest.raises(signoff.SignoffError, match=message) as err:
            signoff.read_accept_file(bad)
        assert str(bad) in str(err.value)


def test_the_command_reports_bad_input_and_exits_2(settings, tmp_path):
    def run(**kw):
        args = argparse.Namespace(**{"year": YEAR, "by": None, "note": None, "accept": None, "accept_file": None,
                                     "status": False, **kw})  # fmt: skip
        out, err = io.StringIO(), io.StringIO()
        code = signoff.command(settings, args, None, out, err)
        return code, out.getvalue(), err.getvalue()

    code, _, err = run(by="Ann")
    assert code == 2 and "no release of this year" in err and "Nothing was changed" in err
    assert run(year="2024-2025", by="Ann")[0] == 2
    _release(settings, [], _finding())
    code, _, err = run(accept=[f"flow_identity:{CARDIFF}=ok"])
    assert code == 2 and "--by" in err
    code, out, _ = run(status=True)
    assert code == 0 and out.strip() == f"{YEAR}: Not signed off"
    code, out, _ = run(by="Ann", accept=[f"flow_identity:{CARDIFF}=checked with Cardiff"])
    assert code == 0 and "Signed off by Ann on" in out
    assert signoff.build_summary(settings.output_dir, [YEAR])[0].startswith("QA findings (plausibility")
