"""Fault injection: on clean generated returns a rule is quiet; after its fault is injected it fires."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from orchestration.lib.readers import read_la_return
from orchestration.lib.rules import RuleContext, run_rules
from orchestration.lib.rules.cla import CLA_RULES
from orchestration.lib.synthetic import generate_cla
from orchestration.lib.synthetic.faults import (
    DEFAULT_DEMO_FAULT_YEAR,
    DEFAULT_DEMO_FAULTS,
    FAULTS,
    inject_faults,
)
from orchestration.lib.years import CollectionYear

RULES = {r.id: r for r in CLA_RULES}
LA = "W06000015"
# the later year of each pair has last year's return beside it (for the cross-year rules)
YEAR_OF_ERA = {"SSDA903": CollectionYear(2015), "LAC": CollectionYear(2021), "CLA": CollectionYear(2025)}
YEARS = sorted({y for v in YEAR_OF_ERA.values() for y in (v.previous(), v)} | {CollectionYear(2024)})
DEMO_LAS = sorted(DEFAULT_DEMO_FAULTS)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("faults")
    generate_cla(root, YEARS, seed=11, scale=0.1, la_codes=sorted({LA, *DEMO_LAS}))
    return root


def _copy(generated: Path, target: Path, year: CollectionYear, la: str = LA) -> Path:
    for y in (year.previous(), year):
        shutil.copytree(generated / "cla" / y.label / la, target / "cla" / y.label / la)
    return target


def _issues(landing: Path, year: CollectionYear, rules, la: str = LA):
    def frames(y):
        return {t: lt.frame for t, lt in read_la_return(landing, "cla", y, la).items() if lt.frame is not None}

    crcs = landing / "crcs" / year.label / la  # the LA's CRCS return, for the cross-census rule (CLA-104)
    linked = (
        {t: lt.frame for t, lt in read_la_return(landing, "crcs", year, la).items() if lt.frame is not None}
        if crcs.is_dir()
        else None
    )
    ctx = RuleContext("cla", year, la, frames(year), previous=frames(year.previous()), linked=linked)
    return run_rules(ctx, list(rules))


def _year_for(rule_id: str) -> CollectionYear:
    eras = RULES[rule_id].eras or ("CLA",)
    return YEAR_OF_ERA["CLA" if "CLA" in eras else eras[-1]]


def test_every_rule_has_an_injector():
    assert set(FAULTS) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(FAULTS))
def test_rule_quiet_on_clean_data_fires_after_injection(rule_id, generated, tmp_path):
    year = _year_for(rule_id)
    landing = _copy(generated, tmp_path, year)
    rule = RULES[rule_id]
    assert _issues(landing, year, [rule]) == [], f"{rule_id} fires on clean generated data"
    described = inject_faults(landing, "cla", year, LA, [rule_id], seed=5)
    assert len(described) == 1 and described[0].startswith(f"{rule_id}: ")
    fired = _issues(landing, year, [rule])
    assert fired, f"{rule_id} did not fire after injection: {described}"


def test_injection_is_deterministic_and_seeded(generated, tmp_path):
    year = YEAR_OF_ERA["CLA"]
    rule_ids = ["CLA-044", "CLA-052", "CLA-091", "CLA-083"]

    def run(target: Path, seed: int) -> tuple[list[str], dict[str, str]]:
        _copy(generated, target, year)
        described = inject_faults(target, "cla", year, LA, rule_ids, seed=seed)
        folder = target / "cla" / year.label / LA
        return described, {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    a, b, c = run(tmp_path / "a", 1), run(tmp_path / "b", 1), run(tmp_path / "c", 2)
    assert a == b
    assert a[1] != c[1]


def test_several_faults_in_one_return_all_fire(generated, tmp_path):
    year = YEAR_OF_ERA["CLA"]
    landing = _copy(generated, tmp_path, year)
    rule_ids = ["CLA-003", "CLA-023", "CLA-044", "CLA-052", "CLA-056", "CLA-064", "CLA-086", "CLA-093", "CLA-101"]
    inject_faults(landing, "cla", year, LA, rule_ids, seed=3)
    fired = {i.rule for i in _issues(landing, year, CLA_RULES)}
    assert set(rule_ids) <= fired


def test_descriptions_hold_no_personal_data(generated, tmp_path):
    year = YEAR_OF_ERA["CLA"]
    folder = generated / "cla" / year.label / LA
    personal = set()
    for table in ("children", "care_leavers"):
        frame = read_la_return(generated, "cla", year, LA)[table].frame
        personal |= set(frame["child_id"].dropna()) | set(frame["date_of_birth"].dropna())
        if "upn" in frame:
            personal |= set(frame["upn"].dropna())
    assert folder.is_dir()
    landing = _copy(generated, tmp_path, year)
    rule_ids = [r for r in sorted(FAULTS) if RULES[r].eras is None or "CLA" in RULES[r].eras]
    described = inject_faults(landing, "cla", year, LA, rule_ids, seed=9)
    assert len(described) == len(rule_ids)
    for text in described:
        assert not any(p in text for p in personal), text


def test_a_rule_outside_its_era_or_unknown_is_refused(generated, tmp_path):
    year = YEAR_OF_ERA["CLA"]
    landing = _copy(generated, tmp_path, year)
    with pytest.raises(ValueError, match="does not apply"):
        inject_faults(landing, "cla", year, LA, ["CLA-006"], seed=1)  # SSDA903 sex codes
    with pytest.raises(ValueError, match="no fault injector"):
        inject_faults(landing, "cla", year, LA, ["CLA-999"], seed=1)


def test_demo_faults(generated, tmp_path):
    year = CollectionYear.parse(DEFAULT_DEMO_FAULT_YEAR)
    assert 2 <= len(DEFAULT_DEMO_FAULTS) <= 3
    severities = set()
    for la, rule_ids in DEFAULT_DEMO_FAULTS.items():
        landing = _copy(generated, tmp_path / la, year, la)
        before = {i.rule for i in _issues(landing, year, CLA_RULES, la)}
        assert not before & set(rule_ids)
        inject_faults(landing, "cla", year, la, rule_ids, seed=1)
        after = {i.rule for i in _issues(landing, year, CLA_RULES, la)}
        assert set(rule_ids) <= after, (la, set(rule_ids) - after)
        severities |= {RULES[r].severity for r in rule_ids}
    assert severities == {"error", "warning"}
    assert any(all(RULES[r].severity == "warning" for r in ids) for ids in DEFAULT_DEMO_FAULTS.values())
