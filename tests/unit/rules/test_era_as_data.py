"""Eras are data: a made-up era added to copies of the eras seed and the submission specs (nothing
else: no code, no rule) gets every rule of today's latest era, and the rules that stopped before it
stay stopped.

The copies close each census's open era at 2029-30 and open a new era from 2030-31 whose files hold
what the latest era's hold (the specs' era lists, source names and unique keys extended to it). The
code lists (reference seeds) are not copied: whether a code carries on into a new era is a seed row
of its own (spec/codes/README.md), so the last test adds those rows too and shows that the clean
return is clean and a faulty one caught in the new era as in the old.
"""

import csv
import shutil

import pandas as pd
import pytest
import yaml

from orchestration.lib import codes as codes_mod
from orchestration.lib import schemas as schemas_mod
from orchestration.lib import specs as specs_mod
from orchestration.lib import years as years_mod
from orchestration.lib.rules import RuleContext, run_rules
from orchestration.lib.rules import helpers as helpers_mod
from orchestration.lib.rules.cla import CLA_RULES
from orchestration.lib.rules.crcs import CRCS_RULES
from orchestration.lib.years import CollectionYear
from orchestration.paths import MAPPING_SEEDS_DIR, REFERENCE_SEEDS_DIR, SPECS_DIR
from tests.unit.rules.returns import HandReturn

NEW = {"cla": "CLA_NEXT", "crcs": "CRCS_NEXT"}
NEW_YEAR = CollectionYear(2030)
RULES = {"cla": CLA_RULES, "crcs": CRCS_RULES}


def _clear_caches() -> None:
    for f in (
        years_mod.eras,
        specs_mod.submission_spec,
        codes_mod.code_list,
        codes_mod.valid_codes,
        schemas_mod.table_model,
        helpers_mod.codes,
        helpers_mod.codes_any_era,
    ):
        f.cache_clear()


def _latest_eras() -> dict[str, str]:
    return {c: years_mod.eras_of(c)[-1].name for c in NEW}


def _copy_eras(target) -> None:
    with (MAPPING_SEEDS_DIR / "eras.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    for census, name in NEW.items():
        last = max((r for r in rows if r["census"] == census), key=lambda r: int(r["era_order"]))
        assert last["last_year"] == "", "the latest era is open"
        last["last_year"] = NEW_YEAR.previous().label
        new = {"era": name, "era_order": str(int(last["era_order"]) + 1), "first_year": NEW_YEAR.label, "last_year": ""}
        rows.append({**last, **new})
    target.mkdir(parents=True)
    with (target / "eras.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _copy_specs(target, latest: dict[str, str]) -> None:
    """The new era's files hold what the latest era's hold."""
    target.mkdir(parents=True)
    for census, name in NEW.items():
        spec = yaml.safe_load((SPECS_DIR / f"{census}.yaml").read_text(encoding="utf-8"))
        for table in spec["tables"].values():
            if isinstance(table.get("unique"), dict) and latest[census] in table["unique"]:
                table["unique"][name] = table["unique"][latest[census]]
            for column in table["columns"].values():
                if "eras" in column and latest[census] in column["eras"]:
                    column["eras"].append(name)
                if latest[census] in column.get("source", {}):
                    column["source"][name] = column["source"][latest[census]]
        (target / f"{census}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def _copy_code_lists(target, latest: dict[str, str]) -> None:
    """Every code valid in the latest era stays valid in the new one (the seed rows of a new era)."""
    target.mkdir(parents=True)
    for path in REFERENCE_SEEDS_DIR.glob("*.csv"):
        census = path.name.split("_")[0]
        if census not in NEW:
            shutil.copy(path, target / path.name)
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "era_to" in frame.columns:
            frame.loc[frame["era_to"] == latest[census], "era_to"] = NEW[census]
        frame.to_csv(target / path.name, index=False, lineterminator="\n")


@pytest.fixture
def new_era(tmp_path, monkeypatch):
    latest = _latest_eras()
    _copy_eras(tmp_path / "mappings")
    _copy_specs(tmp_path / "specs", latest)
    monkeypatch.setattr(years_mod, "MAPPING_SEEDS_DIR", tmp_path / "mappings")
    monkeypatch.setattr(specs_mod, "SPECS_DIR", tmp_path / "specs")
    _clear_caches()
    yield latest
    _clear_caches()


def _applying(census: str, era: str) -> set[str]:
    return {r.id for r in RULES[census] if r.era_range is None or r.era_range.includes(census, era)}


@pytest.mark.parametrize("census", ["cla", "crcs"])
def test_a_new_era_gets_every_rule_of_the_latest_era(new_era, census):
    assert NEW_YEAR.era(census).name == NEW[census]
    assert NEW_YEAR.previous().era(census).name == new_era[census]
    carried = _applying(census, NEW[census])
    assert carried == _applying(census, new_era[census])
    # the rules of earlier eras only stay where they were
    stopped = {r.id for r in RULES[census]} - carried
    assert stopped, "some rules belong to earlier eras only"
    for rule in RULES[census]:
        if rule.id in stopped:
            assert NEW[census] not in rule.eras and new_era[census] not in rule.eras
        elif rule.eras is not None:
            assert rule.eras[-2:] == (new_era[census], NEW[census]), rule.id


def test_known_ranges_resolve_in_the_new_era(new_era):
    by_id = {r.id: r for r in (*CLA_RULES, *CRCS_RULES)}
    assert by_id["CLA-006"].eras == ("SSDA903",)  # an SSDA903-only rule stays there
    assert by_id["CLA-007"].eras == ("LAC", "CLA", "CLA_NEXT")  # from LAC on
    assert by_id["CLA-039"].eras == ("CLA", "CLA_NEXT")  # transfers between Welsh LAs, from the CLA era on
    assert by_id["CLA-033"].eras == ("SSDA903", "LAC")  # before the CLA era
    assert by_id["CRCS-003"].eras == ("CIN", "CRCS")  # snapshot eras
    assert by_id["CRCS-004"].eras == ("CRCS_ALL_YEAR", "CRCS_NEXT")  # from the all-year era on


def test_the_new_eras_types_and_code_list_links_follow_the_data(new_era):
    # pandera: the new era's model has the latest era's cross-field checks (chosen by the spec's columns)
    assert schemas_mod.table_model("crcs", "children", NEW["crcs"]) is not None
    assert (
        schemas_mod._table_checks("crcs", "children", NEW["crcs"]).keys()
        == schemas_mod._table_checks("crcs", "children", new_era["crcs"]).keys()
    )
    assert "plan_end_not_before_start" in schemas_mod._table_checks("crcs", "children", NEW["crcs"])
    # CRCS borrows the CLA ethnicity list of the CLA era in force at the start of its era
    assert codes_mod.crcs_era_as_cla(NEW["crcs"]) == NEW["cla"]


def test_without_code_rows_only_the_code_rules_notice_the_new_era(new_era):
    """The code lists end at today's latest era: until their rows say a code goes on, the clean
    return's codes are not valid in the new era, and only rules about codes say so."""
    ctx = _hand_context()
    fired = {i.rule for i in run_rules(ctx, CLA_RULES)}
    code_rules = {r.id for r in CLA_RULES if "code" in r.message.lower()}
    assert fired and fired <= code_rules, (fired, code_rules)


def _hand_context() -> RuleContext:
    """The clean hand-built return of 2030-31 (rendered before the data changed: dates shifted, the CLA
    era's codes and formats), as text in the new era."""
    hand = _rendered
    return RuleContext("cla", NEW_YEAR, hand["la"], hand["tables"], previous=hand["previous"], linked=hand["linked"])


def _render():
    hand = HandReturn(NEW_YEAR.start_year)
    previous = hand.frames(previous=True)
    return {"la": hand.la_code, "tables": hand.frames(), "previous": previous, "linked": hand.linked()}


_rendered = _render()


def test_with_the_code_rows_the_new_era_checks_as_the_old(new_era, tmp_path, monkeypatch):
    _copy_code_lists(tmp_path / "reference", new_era)
    monkeypatch.setattr(codes_mod, "REFERENCE_SEEDS_DIR", tmp_path / "reference")
    _clear_caches()
    ctx = _hand_context()
    assert ctx.era == NEW["cla"]
    assert run_rules(ctx, CLA_RULES) == []  # the clean return is clean in the new era
    # a transfer from an LA that is not Welsh: the CLA era's rule CLA-039 carries on into the new era
    episodes = ctx.tables["episodes"].copy()
    row = episodes.index[episodes["transferred_from_la"].notna()][0]
    episodes.loc[row, "transferred_from_la"] = "E09000001"
    tables = {**ctx.tables, "episodes": episodes}
    faulty = RuleContext("cla", NEW_YEAR, ctx.la_code, tables, previous=ctx.previous, linked=ctx.linked)
    found = {(i.rule, i.row) for i in run_rules(faulty, CLA_RULES)}
    assert found == {("CLA-039", int(episodes.loc[row, "_line"]))}
