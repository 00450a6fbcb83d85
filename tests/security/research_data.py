"""Synthetic returns with distinctive child ids, stored through the raw assets with an identity key: the data
of the identity store, research extract and retention tests (tests/security/test_research_extract.py…)."""

import dataclasses
import os
import secrets
from pathlib import Path

import pandas as pd

YEARS = ("2023-24", "2024-25")
LAS = ("W06000001", "W06000015")
ID_PREFIX = "KX"  # not a hex digit: no system id or pseudonym can contain a planted child id
PERSONAL_COLUMNS = ("child_id", "upn", "date_of_birth", "expected_date_of_birth", "placement_postcode")


def identity_secret() -> str:
    return secrets.token_hex(32)


def generate(data: Path) -> None:
    """CLA and CRCS returns of two years and two LAs, child ids rewritten to KX<8 digits> in every file."""
    from orchestration.lib.keys import mark_synthetic
    from orchestration.lib.synthetic.cla import generate_cla
    from orchestration.lib.synthetic.crcs import generate_crcs
    from orchestration.lib.years import CollectionYear

    landing = data / "landing"
    years = [CollectionYear.parse(y) for y in YEARS]
    mark_synthetic(landing)
    generate_cla(landing, years, seed=7, scale=0.05, la_codes=list(LAS))
    generate_crcs(landing, years, seed=7, scale=0.05, las=list(LAS))
    for path in sorted(landing.rglob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "child_id" in frame.columns:
            frame["child_id"] = ID_PREFIX + frame["child_id"].str[-8:].str.zfill(8)
            frame.to_csv(path, index=False)


def landing_values(data: Path) -> dict[str, set[str]]:
    """Every value of each personal column in the landing files; and every other date (``other_dates``)."""
    out: dict[str, set[str]] = {c: set() for c in PERSONAL_COLUMNS}
    out["other_dates"] = set()
    for path in sorted((data / "landing").rglob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns:
            values = {v for v in frame[column] if v}
            if column in out:
                out[column] |= values
            elif column.endswith("_date") or column.startswith("date_"):
                out["other_dates"] |= values
    return out


def ingest(data: Path, warehouse: Path, **settings) -> None:
    """Store every return of both censuses through the raw assets (Dagster, in this process)."""
    import pytest
    from dagster import DagsterInstance, materialize
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    import orchestration.defs.ingest as ingest_defs
    from orchestration.defs.resources import WarehouseResource

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            ingest_defs,
            "SETTINGS",
            dataclasses.replace(ingest_defs.SETTINGS, data_dir=data, demo=True, pseudonym_key=None, **settings),
        )
        for asset in (ingest_defs.raw_cla, ingest_defs.raw_crcs):
            result = materialize(
                [asset],
                instance=DagsterInstance.ephemeral(),
                resources={"warehouse": WarehouseResource(path=str(warehouse))},
                tags={
                    ASSET_PARTITION_RANGE_START_TAG: f"{YEARS[0]}|W06000001",
                    ASSET_PARTITION_RANGE_END_TAG: f"{YEARS[-1]}|W06000024",
                },
                raise_on_error=False,
            )
            assert result.success, [e.message for e in result.all_events if e.is_step_failure]


def settings_for(data: Path, **env):
    from orchestration.settings import load_settings

    return load_settings({"CSSD_DATA_DIR": str(data), "CSSD_DEMO": "1", **env})


def all_bytes(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def private(path: Path) -> bool:
    return (os.stat(path).st_mode & 0o077) == 0
