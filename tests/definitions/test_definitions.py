"""The Dagster definitions load; the asset graph matches its snapshot; every asset has a gate."""

import json
import os
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("asset_graph.json")
LAYER_GROUPS = {"raw", "staging", "intermediate", "marts", "publication", "outputs", "reference"}


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


def _graph(defs) -> dict:
    ag = defs.resolve_asset_graph()
    out = {}
    for key in sorted(ag.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = ag.get(key)
        out[key.to_user_string()] = {
            "group": node.group_name,
            "partitioned": node.partitions_def is not None,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "checks": sorted(c.name for c in ag.asset_check_keys if c.asset_key == key),
        }
    return out


def test_definitions_load_with_jobs_and_resources(defs):
    assert defs.resolve_job_def("cla_ingest") is not None
    assert defs.resolve_job_def("cla_transform") is not None
    assert defs.resolve_job_def("reference_build") is not None
    assert {"warehouse", "dbt"} <= set(defs.resources)


def test_asset_graph_matches_snapshot(defs):
    graph = _graph(defs)
    if os.environ.get("CSSD_UPDATE_SNAPSHOT") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(graph, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert graph == expected, "asset graph changed: if on purpose, rerun with CSSD_UPDATE_SNAPSHOT=1"


def test_groups_mirror_the_layers(defs):
    graph = _graph(defs)
    assert {v["group"] for v in graph.values()} == LAYER_GROUPS
    assert graph["raw_cla_episodes"]["group"] == "raw"
    assert graph["stg_cla__episodes"]["deps"] == sorted(
        ["raw_cla_episodes", "eras", "cla_legal_status_groups", "cla_placement_groups", "cla_ceased_groups"]
    )
    assert "pub_cla1" in graph["published_cla1"]["deps"]
    assert "pub_crcs1" in graph["published_crcs1"]["deps"]
    assert {f"published_{t}" for t in ("cla1", "cla9", "crcs1", "crcs8", "rec1")} <= set(graph["release_files"]["deps"])


def test_published_tables_have_blocking_disclosure_and_publication_checks(defs):
    from orchestration.defs.outputs import PUBLISHED_CLA, PUBLISHED_CRCS

    for a in [*PUBLISHED_CLA, *PUBLISHED_CRCS]:
        specs = {s.name: s for s in a.check_specs}
        assert set(specs) == {"disclosure_audit", "ge_publication", "file_reads_back", "statswales_conformance"}
        assert all(s.blocking for s in specs.values())


def test_release_files_have_a_blocking_statswales_conformance_check(defs):
    from orchestration.defs.outputs import release_files

    specs = {s.name: s for s in release_files.check_specs}
    assert set(specs) == {"release_reads_back", "statswales_conformance"}
    assert all(s.blocking for s in specs.values())


def test_every_asset_has_a_check(defs):
    unchecked = [k for k, v in _graph(defs).items() if not v["checks"]]
    assert unchecked == []


def test_mart_gate_is_a_blocking_great_expectations_check(defs):
    from orchestration.defs.quality import GE_CHECKS

    specs = {s.name: s for c in GE_CHECKS for s in c.check_specs}
    assert specs["ge_pub_cla1"].blocking and specs["ge_pub_cla1"].asset_key.to_user_string() == "pub_cla1"
    assert specs["ge_stg_cla_codes"].blocking and specs["ge_stg_cla_nulls"].blocking


def test_warehouse_writers_share_one_pool_and_backfill_in_one_run(defs):
    from orchestration.defs.context import WAREHOUSE_POOL
    from orchestration.defs.ingest import raw_cla
    from orchestration.defs.transform import dbt_cla_models

    for asset in (raw_cla, dbt_cla_models):
        assert asset.op.pool == WAREHOUSE_POOL
        assert asset.backfill_policy is not None and asset.backfill_policy.max_partitions_per_run is None


def test_no_future_annotations_in_modules_dagster_inspects():
    root = Path(__file__).resolve().parents[2] / "orchestration"
    for path in list((root / "defs").glob("*.py")) + [root / "definitions.py"]:
        assert "from __future__ import annotations" not in path.read_text(), path


def test_invariants_block_and_plausibility_checks_warn(defs):
    from orchestration.defs.quality import GE_CHECKS, QA_CHECKS
    from orchestration.lib.findings import CHECKS

    assert all(s.blocking for c in GE_CHECKS for s in c.check_specs)
    qa = {s.name: s for c in QA_CHECKS for s in c.check_specs}
    assert set(qa) == {f"qa_{name}" for name in CHECKS}
    assert not any(s.blocking for s in qa.values())


def test_docs_quality_catalogues_every_check(defs):
    """docs/quality.md lists every check of the definitions by name (dbt's generic tests by their test)."""
    import re

    doc = (Path(__file__).parents[2] / "docs" / "quality.md").read_text(encoding="utf-8")
    generic = re.compile(r"^(not_null_columns|not_null|unique_combination|unique|accepted_values|accepted_range|"
                         r"relationships|valid_code_for_era)_")  # fmt: skip
    names = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    missing = sorted(n for n in names if not generic.match(n) and f"`{n}`" not in doc)
    assert missing == []
    tests = {generic.match(n).group(1) for n in names if generic.match(n)}
    assert sorted(t for t in tests if f"`{t}`" not in doc) == []
