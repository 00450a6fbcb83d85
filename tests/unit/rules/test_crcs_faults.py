"""CRCS fault injection: on a clean return a rule is quiet; after its fault is injected it fires.

The clean returns are the hand-built ``CrcsHandReturn`` written as the LA's children.csv (in the
era's column names and date format), with the LA's CLA return of the same year beside it, and
are checked through ``validate_return`` — the platform's own gate, cross-census context included.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from orchestration.lib.ingest import validate_return
from orchestration.lib.rules.crcs import CRCS_RULES
from orchestration.lib.synthetic.crcs_faults import (
    CRCS_FAULTS,
    DEFAULT_CRCS_DEMO_FAULT_YEAR,
    DEFAULT_CRCS_DEMO_FAULTS,
    inject_crcs_faults,
)
from orchestration.lib.years import CollectionYear
from tests.unit.rules.crcs_returns import UPN, CrcsHandReturn

RULES = {r.id: r for r in CRCS_RULES}
LA = "W06000015"
YEAR_OF_ERA = {"CIN": 2014, "CRCS": 2019, "CRCS_ALL_YEAR": 2025}
KEY = b"test-key"


def _landing(
    root: Path, year: int, la: str = LA, drop: tuple[str, ...] = (), with_cla: bool = True, copies: int = 1
) -> Path:
    r = CrcsHandReturn(year, la, copies)
    for child in drop:
        r.drop(child)
    folder = root / "crcs" / r.year.label / la
    folder.mkdir(parents=True)
    (folder / "children.csv").write_text(r.csv_text(), encoding="utf-8")
    if with_cla:
        cla = root / "cla" / r.year.label / la
        cla.mkdir(parents=True)
        for table, text in r.cla_csv_texts().items():
            (cla / f"{table}.csv").write_text(text, encoding="utf-8")
    return root


def _issues(landing: Path, year: int, la: str = LA):
    y = CollectionYear(year)
    return validate_return(landing / "crcs" / y.label / la, "crcs", y, la, KEY, previous=False).issues


def _fired(landing: Path, year: int, la: str = LA) -> set[str]:
    return {i.rule for i in _issues(landing, year, la)}


def _year_for(rule_id: str) -> int:
    eras = RULES[rule_id].eras or ("CRCS_ALL_YEAR",)
    return YEAR_OF_ERA["CRCS_ALL_YEAR" if "CRCS_ALL_YEAR" in eras else eras[-1]]


def test_every_rule_has_an_injector():
    assert set(CRCS_FAULTS) == set(RULES)


@pytest.mark.parametrize("year", sorted(YEAR_OF_ERA.values()))
def test_the_clean_return_passes_the_whole_gate(year, tmp_path):
    landing = _landing(tmp_path, year)
    result = validate_return(
        landing / "crcs" / CollectionYear(year).label / LA, "crcs", CollectionYear(year), LA, KEY, previous=False
    )
    assert result.issues == []
    assert len(result.tables["children"]) == len(CrcsHandReturn(year).rows)


@pytest.mark.parametrize("rule_id", sorted(CRCS_FAULTS))
def test_rule_quiet_on_clean_return_fires_after_injection(rule_id, tmp_path):
    year = _year_for(rule_id)
    landing = _landing(tmp_path, year)
    assert rule_id not in _fired(landing, year), f"{rule_id} fires on the clean return"
    described = inject_crcs_faults(landing, CollectionYear(year), LA, [rule_id], seed=5)
    assert len(described) == 1 and described[0].startswith(f"{rule_id}: children.csv line ")
    assert rule_id in _fired(landing, year), f"{rule_id} did not fire after injection: {described}"


NEEDS_A_ROW_MADE = ["CRCS-019", "CRCS-021", "CRCS-022", "CRCS-033", "CRCS-037", "CRCS-059", "CRCS-062"]


@pytest.mark.parametrize("rule_id", NEEDS_A_ROW_MADE)
def test_a_fault_makes_its_row_when_the_return_has_none(rule_id, tmp_path):
    """No unborn child and no plan closed in the year: the injector makes one from a row that is there."""
    year = _year_for(rule_id)
    landing = _landing(tmp_path, year, drop=("K3", "K4", "K6"))
    assert rule_id not in _fired(landing, year)
    inject_crcs_faults(landing, CollectionYear(year), LA, [rule_id], seed=2)
    assert rule_id in _fired(landing, year)


def test_injection_is_deterministic_and_seeded(tmp_path):
    year = YEAR_OF_ERA["CRCS_ALL_YEAR"]
    rule_ids = ["CRCS-013", "CRCS-028", "CRCS-040", "CRCS-059"]

    def run(target: Path, seed: int) -> tuple[list[str], str]:
        _landing(target, year)
        described = inject_crcs_faults(target, CollectionYear(year), LA, rule_ids, seed=seed)
        path = target / "crcs" / CollectionYear(year).label / LA / "children.csv"
        return described, hashlib.sha256(path.read_bytes()).hexdigest()

    a, b, c = run(tmp_path / "a", 1), run(tmp_path / "b", 1), run(tmp_path / "c", 2)
    assert a == b
    assert a[1] != c[1]


@pytest.mark.parametrize("era", sorted(YEAR_OF_ERA))
def test_several_faults_in_one_return_all_fire(era, tmp_path):
    year = YEAR_OF_ERA[era]
    rule_ids = {
        "CIN": ["CRCS-003", "CRCS-007", "CRCS-014", "CRCS-023", "CRCS-053", "CRCS-063"],
        "CRCS": ["CRCS-003", "CRCS-008", "CRCS-031", "CRCS-045", "CRCS-050", "CRCS-062"],
        "CRCS_ALL_YEAR": ["CRCS-004", "CRCS-016", "CRCS-017", "CRCS-034", "CRCS-040", "CRCS-051", "CRCS-063"],
    }[era]
    landing = _landing(tmp_path, year)
    inject_crcs_faults(landing, CollectionYear(year), LA, rule_ids, seed=3)
    assert set(rule_ids) <= _fired(landing, year)


def test_descriptions_hold_no_personal_data(tmp_path):
    year = YEAR_OF_ERA["CRCS_ALL_YEAR"]
    r = CrcsHandReturn(year, copies=8)
    personal = {UPN} | {row[c] for row in r.rows for c in ("child_id", "date_of_birth", "expected_date_of_birth")}
    personal.discard(None)
    landing = _landing(tmp_path, year, copies=8)  # room for every fault at once
    rule_ids = [rid for rid in sorted(CRCS_FAULTS) if RULES[rid].eras is None or "CRCS_ALL_YEAR" in RULES[rid].eras]
    described = inject_crcs_faults(landing, CollectionYear(year), LA, rule_ids, seed=9)
    assert len(described) == len(rule_ids)
    for text in described:
        assert not any(p in text for p in personal), text
        assert "ZQ" not in text  # no made-up child id either


def test_a_rule_outside_its_era_or_unknown_is_refused(tmp_path):
    year = YEAR_OF_ERA["CRCS_ALL_YEAR"]
    landing = _landing(tmp_path, year)
    with pytest.raises(ValueError, match="does not apply"):
        inject_crcs_faults(landing, CollectionYear(year), LA, ["CRCS-053"], seed=1)  # FIN in the CIN era
    with pytest.raises(ValueError, match="does not apply"):
        inject_crcs_faults(landing, CollectionYear(year), LA, ["CRCS-003"], seed=1)  # one row per child: snapshot eras
    with pytest.raises(ValueError, match="no fault injector"):
        inject_crcs_faults(landing, CollectionYear(year), LA, ["CRCS-999"], seed=1)


def test_the_cross_census_fault_needs_the_cla_return(tmp_path):
    year = YEAR_OF_ERA["CRCS_ALL_YEAR"]
    landing = _landing(tmp_path, year, with_cla=False)
    with pytest.raises(ValueError, match="CLA return"):
        inject_crcs_faults(landing, CollectionYear(year), LA, ["CRCS-063"], seed=1)


def test_demo_faults(tmp_path):
    year = CollectionYear.parse(DEFAULT_CRCS_DEMO_FAULT_YEAR)
    assert year == CollectionYear(2025)
    assert sorted(DEFAULT_CRCS_DEMO_FAULTS) == ["W06000008", "W06000018"]
    errors, warnings = DEFAULT_CRCS_DEMO_FAULTS["W06000008"], DEFAULT_CRCS_DEMO_FAULTS["W06000018"]
    assert 2 <= len(errors) <= 3 and {RULES[r].severity for r in errors} == {"error"}
    assert 1 <= len(warnings) <= 2 and {RULES[r].severity for r in warnings} == {"warning"}
    for la, rule_ids in DEFAULT_CRCS_DEMO_FAULTS.items():
        landing = _landing(tmp_path / la, year.start_year, la)
        assert not _fired(landing, year.start_year, la) & set(rule_ids)
        inject_crcs_faults(landing, year, la, rule_ids, seed=1)
        issues = _issues(landing, year.start_year, la)
        assert set(rule_ids) <= {i.rule for i in issues}, (la, set(rule_ids) - {i.rule for i in issues})
        blocked = any(i.severity == "error" for i in issues)
        assert blocked == (la == "W06000008")
