"""Either census builds on its own on a fresh data folder (no warehouse, no Dagster storage: the
reference seeds are loaded by the build itself): a CRCS build needs nothing from CLA (REC1 is [x]
without CLA1), and two builds started at once on a fresh folder, one per census, both succeed."""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.helpers import REPO, run_cssd

pytestmark = pytest.mark.integration

YEAR = "2024-25"


def _fresh(tmp_path: Path, censuses: "tuple[str, ...]") -> Path:
    """A data folder with only landing files (cssd's synthetic returns of all 22 LAs, one year)."""
    from orchestration.lib.synthetic import generate_cla, generate_crcs
    from orchestration.lib.years import CollectionYear

    data = tmp_path / "data"
    years = [CollectionYear.parse(YEAR)]
    generate_cla(data / "landing", years, seed=5, scale=0.2)  # the children a CRCS return links to
    if "crcs" in censuses:
        generate_crcs(data / "landing", years, seed=5, scale=0.2)
    if "cla" not in censuses:
        shutil.rmtree(data / "landing" / "cla")  # a CRCS-only folder: no CLA at all
    assert not (data / "warehouse.duckdb").exists() and not (data / "dagster_home").exists()
    return data


def _rec1(data: Path) -> dict[tuple[str, str], str]:
    with (data / "output" / YEAR / "statswales" / "rec1.csv").open(encoding="utf-8", newline="") as f:
        return {(r["area_code"], r["measure"]): r for r in csv.DictReader(f)}


def test_crcs_alone_on_a_fresh_folder(tmp_path):
    data = _fresh(tmp_path, ("crcs",))
    result = run_cssd(["build", "--census", "crcs", "--years", YEAR], data, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Table with name dim_local_authority does not exist" not in result.stderr + result.stdout
    assert f"built CRCS {YEAR}" in result.stdout
    assert (data / "output" / YEAR / "statswales" / "crcs1.csv").exists()
    assert (data / "output" / YEAR / "manifest.json").exists()
    rec1 = _rec1(data)
    assert rec1, "REC1 is written"
    notes = {r.get("note_codes", "") or r.get("notes", "") for r in rec1.values()}
    assert notes and all("x" in n.split(",") for n in notes), "no CLA return: every REC1 cell is x (StatsWales format)"


def _start(data: Path, census: str) -> subprocess.Popen:
    cssd = Path(sys.executable).with_name("cssd")
    env = {**os.environ, "CSSD_DATA_DIR": str(data), "DO_NOT_TRACK": "1"}
    env.pop("CSSD_WAREHOUSE", None)
    return subprocess.Popen(
        [str(cssd), "build", "--census", census, "--years", YEAR],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_both_censuses_at_once_on_a_fresh_folder(tmp_path):
    data = _fresh(tmp_path, ("cla", "crcs"))
    procs = {census: _start(data, census) for census in ("cla", "crcs")}
    outs = {census: p.communicate(timeout=1200) for census, p in procs.items()}
    for census, p in procs.items():
        out, err = outs[census]
        assert p.returncode == 0, f"{census}: {err[-3000:]}"
        assert f"built {census.upper()} {YEAR}" in out
    assert (data / "output" / YEAR / "statswales" / "cla1.csv").exists()
    assert (data / "output" / YEAR / "statswales" / "crcs1.csv").exists()
