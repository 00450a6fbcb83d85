"""Shared by the security tests: ingestion through the Dagster raw asset in this process, and the
state of a data folder (raw tables, outputs) to compare before and after."""

import dataclasses
import hashlib
import json
from pathlib import Path

import duckdb

from orchestration.lib import release

RANGE_2016_17 = ("2016-17|W06000001", "2016-17|W06000024")


def ingest_in_process(monkeypatch, data: Path, warehouse: Path, partition_range=RANGE_2016_17, tags=None, **settings):
    """Materialise raw_cla for a range of year × LA partitions with the settings changed as given
    (data_dir is ``data``; e.g. pseudonym_key=None, demo=True); return the result (not raised)."""
    from dagster import DagsterInstance, materialize
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    import orchestration.defs.ingest as ingest
    from orchestration.defs.resources import WarehouseResource

    monkeypatch.setattr(ingest, "SETTINGS", dataclasses.replace(ingest.SETTINGS, data_dir=data, **settings))
    first, last = partition_range
    return materialize(
        [ingest.raw_cla],
        instance=DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(path=str(warehouse))},
        tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last, **(tags or {})},
        raise_on_error=False,
    )


def failure_messages(result) -> str:
    return "\n".join(
        e.step_failure_data.error.message for e in result.all_events if e.is_step_failure and e.step_failure_data.error
    )


def raw_state(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw table (and the ingested-files record), rows sorted: the stored state of ingestion."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        ]
        return {t: sorted(con.execute(f"select * from raw.{t}").fetchall(), key=repr) for t in sorted(tables)}
    finally:
        con.close()


def year_outputs(year_dir: Path) -> dict[str, str]:
    """path -> SHA-256 of every file of a year's release, the manifest included."""
    out = {str(p.relative_to(year_dir)): release.sha256_file(p) for p in release.output_files(year_dir)}
    if (year_dir / "manifest.json").exists():
        out["manifest.json"] = release.sha256_file(year_dir / "manifest.json")
    return out


def release_is_complete(year_dir: Path) -> list[str]:
    """What is wrong with a year's release as a set: every file listed in its manifest with the hash
    recorded, and no file that the manifest does not list. Empty = a complete set."""
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = {e["path"]: e["sha256"] for e in manifest["outputs"]}
    present = {str(p.relative_to(year_dir)): p for p in release.output_files(year_dir)}
    problems = [f"{p}: not in the manifest" for p in sorted(set(present) - set(listed))]
    problems += [f"{p}: in the manifest, missing" for p in sorted(set(listed) - set(present))]
    for path, digest in sorted(listed.items()):
        if path in present and release.sha256_file(present[path]) != digest:
            problems.append(f"{path}: its hash is not the manifest's")
    return problems


def folder_bytes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
