"""Two kinds of checks (docs/quality.md): an invariant failure blocks; a plausibility failure is a QA
finding and never blocks. The limits come from quality_thresholds.toml, and a bad thresholds file
is refused with the file, the check, the key and the rule named, before anything is stored."""

import duckdb
import pandas as pd
import pytest
from dagster import AssetCheckSeverity, build_asset_check_context

from orchestration.lib import findings as qa
from orchestration.lib.reference import WALES, area_order
from orchestration.lib.thresholds import DEFAULT_PATH, SCHEMA, ThresholdsError, load_thresholds

LIMITS = load_thresholds()
LAS = [a for a in area_order() if a != WALES]
CARDIFF = "W06000015"


# ---------------------------------------------------------------------------------------------
# The thresholds file


def test_the_shipped_file_has_every_limit_with_a_reason():
    assert set(LIMITS) == set(SCHEMA) == set(qa.CHECKS)
    lines = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            # every limit has its reason in the comment lines above it (or above its group)
            above = [x for x in lines[max(0, n - 12) : n] if x.lstrip().startswith("#")]
            assert above, f"no reason above {line!r}"


def _write(tmp_path, text: str):
    path = tmp_path / "thresholds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_with(replace: str, by: str) -> str:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert replace in text
    return text.replace(replace, by, 1)


@pytest.mark.parametrize(
    "replace, by, message",
    [
        (
            "[placement_la_missing]",
            "[placement_la_missing]\n[no_such_check]\nx = 1\n[placement_la_missing_2]",
            r"\[no_such_check\] is not a check",
        ),
        (
            "la_share = 0.10",
            "la_share = 'ten percent'",
            r"\[flow_identity\] la_share = 'ten percent': it must be a number from 0 to 1",
        ),
        ("la_share = 0.10", "la_share = 1.5", r"\[flow_identity\] la_share = 1.5"),
        ("la_share = 0.10", "la_share = -0.1", r"\[flow_identity\] la_share = -0.1"),
        ("la_min_children = 5", "la_min_children = 2.5", r"la_min_children = 2.5: it must be a whole number"),
        ("la_min_children = 5", "", r"\[flow_identity\] la_min_children is missing"),
        ("la_share = 0.10", "la_share = 0.10\nla_shaer = 0.2", r"\[flow_identity\] la_shaer is not a limit"),
        ("wales_min_ratio = 0.90", "wales_min_ratio = 1.2", r"wales_min_ratio = 1.2 is above wales_max_ratio"),
        ("max_share = 0.25", "max_share = true", r"max_share = True"),
        ("[flow_identity]", "[flow_identity", r"not valid TOML"),
    ],
)
def test_a_bad_thresholds_file_is_refused_naming_file_check_key_and_rule(tmp_path, replace, by, message):
    path = _write(tmp_path, _shipped_with(replace, by))
    with pytest.raises(ThresholdsError, match=message) as err:
        load_thresholds(path)
    assert str(path) in str(err.value)


def test_a_missing_check_or_file_is_refused(tmp_path):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    without = text[: text.index("[placement_la_missing]")]
    with pytest.raises(ThresholdsError, match=r"\[placement_la_missing\] is missing"):
        load_thresholds(_write(tmp_path, without))
    with pytest.raises(ThresholdsError, match="does not exist"):
        load_thresholds(tmp_path / "nowhere.toml")


def test_cssd_build_refuses_a_bad_thresholds_file_before_storing_anything(tmp_path, monkeypatch, capsys):
    from orchestration import cli

    bad = _write(tmp_path, _shipped_with("la_share = 0.10", "la_share = 10"))
    data = tmp_path / "data"
    monkeypatch.setenv("CSSD_DATA_DIR", str(data))
    monkeypatch.setenv("CSSD_QUALITY_THRESHOLDS", str(bad))
    monkeypatch.delenv("CSSD_WAREHOUSE", raising=False)
    assert cli.main(["build", "--census", "cla", "--years", "2024-25:2024-25"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "[flow_identity] la_share = 10" in err
    assert not (data / "warehouse.duckdb").exists() and not (data / "output").exists()


# ---------------------------------------------------------------------------------------------
# Each plausibility check against its limits


def _flows(rows):
    f = pd.DataFrame(rows, columns=["year", "area_code", "stock", "stock_previous", "starts", "ceased"])
    f["flow_gap"] = f["stock_previous"] + f["starts"] - f["ceased"] - f["stock"]
    f["flow_gap_rate"] = f["flow_gap"].abs() / f["stock"]
    f["ratio_to_previous_year"] = f["stock"] / f["stock_previous"]
    return f.astype({c: "float64" for c in f.columns if c not in ("year", "area_code")})


def test_flow_identity_allows_a_small_la_a_handful_of_children():
    frame = _flows(
        [
            ("2024-25", CARDIFF, 100, 100, 30, 25, ), # gap 5: at the floor of 5 children (10 % = 10 anyway)
            ("2024-25", "W06000001", 100, 100, 30, 19),  # gap 11 > 10 (10 % of 100)
            ("2024-25", "W06000002", 40, 40, 10, 4),  # gap 6 > 5 children (10 % of 40 = 4)
            ("2024-25", WALES, 7000, 7000, 1800, 1660),  # gap 140 = 2 % of 7000: at the limit
        ]
    )  # fmt: skip
    found = qa.with_meaning(qa.judge_flow_identity(frame, LIMITS["flow_identity"]))
    assert found["area_code"].tolist() == ["W06000001", "W06000002"]
    first = found.iloc[0]
    assert (first["check"], first["table"], first["year"], first["measure"], first["observed"]) == (
        "flow_identity", "fct_cla_looked_after_at_census", "2024-25", "flow_gap_children", "11")  # fmt: skip
    assert first["threshold"] == "at most 10.0 children (10 % of 100, at least 5)"
    assert "several periods of care" in first["meaning"]
    wales_off = _flows([("2024-25", WALES, 7000, 7000, 1800, 1650)])  # gap 150 > 140
    assert qa.judge_flow_identity(wales_off, LIMITS["flow_identity"])["area_code"].tolist() == [WALES]


def test_year_on_year_needs_a_ratio_and_enough_children_in_an_la():
    frame = _flows(
        [
            ("2024-25", CARDIFF, 30, 20, 0, 0),  # 1.5 but 10 children: at the LA floor -> finding
            ("2024-25", "W06000001", 27, 18, 0, 0),  # 1.5 but 9 children: no finding
            ("2024-25", "W06000002", 130, 100, 0, 0),  # 1.3: within 0.75 to 1.33
            ("2024-25", WALES, 7800, 7000, 0, 0),  # 1.114 > 1.10
        ]
    )
    found = qa.judge_cla_year_on_year(frame, LIMITS["cla_year_on_year"])
    assert found["area_code"].tolist() == [CARDIFF, WALES]
    assert found["observed"].tolist()[0] == "1.500 (20 to 30)"


def test_crcs_year_on_year_and_placement_la_missing():
    crcs = pd.DataFrame(
        {
            "year": ["2024-25"] * 2,
            "area_code": [CARDIFF, WALES],
            "children": [700.0, 16000.0],
            "ratio_to_previous_year": [1.4, 1.05],
        }  # fmt: skip
    )
    assert qa.judge_crcs_year_on_year(crcs, LIMITS["crcs_year_on_year"])["area_code"].tolist() == [CARDIFF]
    placement = pd.DataFrame(
        {
            "year": ["2024-25"] * 2,
            "area_code": [CARDIFF, "W06000001"],
            "episodes": [400.0, 400.0],
            "missing": [100.0, 101.0],
            "missing_share": [0.25, 101 / 400],
        }  # fmt: skip
    )
    found = qa.judge_placement_la_missing(placement, LIMITS["placement_la_missing"])
    assert found["area_code"].tolist() == ["W06000001"] and found["threshold"].tolist() == ["at most 0.25"]


def test_other_limits_change_the_findings_without_code(tmp_path):
    frame = _flows([("2024-25", CARDIFF, 100, 100, 30, 22)])  # gap 8 of 100
    assert qa.judge_flow_identity(frame, LIMITS["flow_identity"]).empty
    strict = load_thresholds(_write(tmp_path, _shipped_with("la_share = 0.10", "la_share = 0.05")))
    assert qa.judge_flow_identity(frame, strict["flow_identity"])["area_code"].tolist() == [CARDIFF]


# ---------------------------------------------------------------------------------------------
# In Dagster: an invariant failure blocks (ERROR); a plausibility failure warns (WARN) with counts


def _rec1_warehouse(path, cardiff_crcs: int, bad_difference: bool):
    con = duckdb.connect(str(path))
    con.execute("create schema publication")
    rows = []
    for area in area_order():
        crcs, cla = (cardiff_crcs, 100) if area == CARDIFF else (100, 100)
        if area == WALES:
            crcs, cla = 100 * 21 + cardiff_crcs, 2200
        diff = crcs - cla + (7 if bad_difference and area == WALES else 0)
        rows += [("2024-25", area, "crcs_count", crcs), ("2024-25", area, "cla_count", cla),
                 ("2024-25", area, "difference", diff)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["year", "area_code", "measure", "value"])  # noqa: F841
    con.execute("create table publication.pub_rec1 as select *, '' as note_codes from frame")
    con.close()


def _run_check(check_def, path):
    from orchestration.defs.resources import WarehouseResource

    context = build_asset_check_context(resources={"warehouse": WarehouseResource(path=str(path))})
    return check_def(context)


@pytest.fixture()
def checks():
    from orchestration.defs.quality import GE_CHECKS, QA_CHECKS

    def named(defs, name):
        return next(c for c in defs if next(iter(c.check_specs)).name == name)

    return named(GE_CHECKS, "ge_pub_rec1"), named(QA_CHECKS, "qa_rec1_difference")


def test_a_plausibility_failure_is_a_warning_finding_and_the_invariant_passes(tmp_path, checks):
    ge, qa_check = checks
    assert qa_check.check_specs and not next(iter(qa_check.check_specs)).blocking
    assert next(iter(ge.check_specs)).blocking
    path = tmp_path / "w.duckdb"
    _rec1_warehouse(path, cardiff_crcs=40, bad_difference=False)  # Cardiff 60 children below CLA
    invariant = _run_check(ge, path)
    assert invariant.passed
    finding = _run_check(qa_check, path)
    assert not finding.passed and finding.severity == AssetCheckSeverity.WARN
    assert finding.metadata["findings"].value == 1 and finding.metadata["areas_with_findings"].value == 1
    # counts only in the metadata: no area's figures
    counts = {k: type(v.value).__name__ for k, v in finding.metadata.items() if k not in ("kind", "limits")}
    assert counts == dict.fromkeys(["rows_checked", "findings", "areas_with_findings", "years_with_findings"], "int")


def test_an_invariant_failure_still_blocks(tmp_path, checks):
    ge, qa_check = checks
    path = tmp_path / "w.duckdb"
    _rec1_warehouse(path, cardiff_crcs=95, bad_difference=True)  # the published difference is wrong
    invariant = _run_check(ge, path)
    assert not invariant.passed and invariant.severity == AssetCheckSeverity.ERROR
    assert _run_check(qa_check, path).passed  # the figures themselves are plausible


def test_findings_files_say_what_each_finding_may_mean_in_both_languages():
    frame = _flows([("2024-25", CARDIFF, 100, 100, 30, 19)])
    found = qa.with_meaning(qa.judge_flow_identity(frame, LIMITS["flow_identity"]))
    text = qa.findings_csv(found).decode()
    assert text.splitlines()[0] == ",".join(qa.COLUMNS) and "W06000015" in text
    page = qa.findings_html(found, "2024-25", {CARDIFF: "Cardiff"}).decode()
    assert "Cardiff (W06000015)" in page and "QA findings, 2024-25" in page and 'lang="cy"' in page
    empty = qa.findings_html(qa.with_meaning(found.iloc[0:0]), "2024-25").decode()
    assert "No findings" in empty
