"""A year's release is swapped in whole (orchestration/lib/outputs/release_store.py): output/<year> is a
symlink to one complete release folder; the validation reports stay live beneath it; a release killed
half-way (CSSD_CRASH_AT=outputs) or after it is complete but before the swap (swap) leaves the previous
release in place, and the next release clears the leftovers; a folder of the old layout is migrated."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.outputs import release_store as store
from orchestration.lib.outputs.statswales import read_long_csv, to_long_csv
from orchestration.lib.publication import TABLES
from tests.conftest import REPO
from tests.security.helpers import release_is_complete, year_outputs
from tests.unit.test_release_workbook import make_tables

pytestmark = pytest.mark.xdist_group("release_store")  # the tests share one data folder, in order

YEAR = "2024-25"

WRITE_RELEASE = """
import sys
from orchestration.lib.release_files import write_release
from orchestration.lib.years import CollectionYear
from orchestration.settings import load_settings

manifest, problems = write_release(load_settings(), CollectionYear.parse(sys.argv[1]), [], run_id="test")
print("\\n".join(problems))
sys.exit(1 if problems else 0)
"""


def stage(data: Path, notes: str = "") -> None:
    """Published tables of YEAR in the staging folder, as the transform run leaves them."""
    folder = store.staging_dir(data / "output", YEAR) / "statswales"
    folder.mkdir(parents=True, exist_ok=True)
    for table_id, frame in make_tables(YEAR, notes).items():
        # as the published asset writes them: StatsWales's note-code format (bare, t on totals)
        (folder / f"{table_id}.csv").write_bytes(to_long_csv(frame, TABLES[table_id].dimensions))


def release(data: Path, crash: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CSSD_DATA_DIR": str(data), "CSSD_TODAY": "2026-11-25"}
    env.pop("CSSD_CRASH_AT", None)
    if crash:
        env["CSSD_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, "-c", WRITE_RELEASE, YEAR], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_validation_reports_are_live_under_the_year_before_any_release(tmp_path):
    output = tmp_path / "output"
    view = store.ensure_year_view(output, YEAR)
    assert view.is_symlink() and os.readlink(view) == f".releases/{YEAR}/0000"
    (view / "validation" / "cla").mkdir()
    (view / "validation" / "cla" / "W06000015.csv").write_text("report\n")
    assert (output / ".validation" / YEAR / "cla" / "W06000015.csv").read_text() == "report\n"
    assert store.ensure_year_view(output, YEAR) == view  # idempotent
    assert not (view / "manifest.json").exists()


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A data folder with one complete release of YEAR (from staged tables), and a validation report."""
    data = tmp_path_factory.mktemp("store") / "data"
    view = store.ensure_year_view(data / "output", YEAR)
    (view / "validation" / "cla").mkdir(parents=True)
    (view / "validation" / "cla" / "W06000015.csv").write_text("report\n")
    stage(data)
    result = release(data)
    assert result.returncode == 0, result.stderr[-3000:]
    return data


def test_a_release_is_one_complete_folder_behind_the_year_symlink(released):
    view = released / "output" / YEAR
    assert os.readlink(view) == f".releases/{YEAR}/0001"
    assert release_is_complete(view) == []
    manifest = json.loads((view / "manifest.json").read_text())
    paths = {e["path"] for e in manifest["outputs"]}
    assert "statswales/cla1.csv" in paths and f"cssd-release-{YEAR}.xlsx" in paths and "release.html" in paths
    assert not any(p.startswith("validation/") for p in paths), "validation reports are live, not released"
    assert (view / "validation" / "cla" / "W06000015.csv").read_text() == "report\n"
    assert (view / ".baseline" / "cla1.csv").exists()


def test_killed_half_way_or_before_the_swap_the_previous_release_stays(released):
    view = released / "output" / YEAR
    old = year_outputs(view)
    stage(released, notes="[p]")  # a new set: every cell provisional

    result = release(released, crash="outputs")
    assert result.returncode == -9 and "crash point outputs reached" in result.stderr
    assert year_outputs(view) == old and release_is_complete(view) == []
    releases = released / "output" / ".releases" / YEAR
    assert [p.name for p in sorted(releases.iterdir())] == ["0000", "0001", "0002.partial"]

    result = release(released, crash="swap")
    assert result.returncode == -9 and "crash point swap reached" in result.stderr
    assert year_outputs(view) == old
    # the half-written 0002 went; the new 0002 is complete but was never swapped in
    assert [p.name for p in sorted(releases.iterdir())] == ["0000", "0001", "0002"]
    assert store.recover(released / "output", YEAR) == (released / "output" / ".releases" / YEAR / "0001").resolve()

    result = release(released)
    assert result.returncode == 0, result.stderr[-3000:]
    new = year_outputs(view)
    assert new != old and release_is_complete(view) == []
    assert any("[p]" in n for n in read_long_csv(view / "statswales" / "cla1.csv")["note_codes"])
    # the new release and the one before it (for readers still in it); the rest cleared
    assert os.readlink(view) == f".releases/{YEAR}/0003"
    assert [p.name for p in sorted(releases.iterdir())] == ["0001", "0003"]
    assert (view / "validation" / "cla" / "W06000015.csv").read_text() == "report\n"


def test_a_missing_or_dangling_year_link_points_at_the_newest_complete_release(tmp_path):
    output = tmp_path / "output"
    for name in ("0001", "0002", "0003.partial"):
        (output / ".releases" / YEAR / name).mkdir(parents=True)
    assert store.recover(output, YEAR) == (output / ".releases" / YEAR / "0002").resolve()
    os.replace(output / YEAR, output / "elsewhere")
    os.symlink(".releases/nowhere", output / YEAR)  # dangling
    os.symlink(".releases/x", output / f".{YEAR}.swap")  # a swap cut short
    assert store.recover(output, YEAR) == (output / ".releases" / YEAR / "0002").resolve()
    assert not (output / f".{YEAR}.swap").is_symlink()
    assert (output / YEAR / "validation").is_symlink()


def test_an_old_layout_year_folder_is_migrated(tmp_path):
    output = tmp_path / "output"
    old = output / YEAR
    (old / "statswales").mkdir(parents=True)
    (old / "statswales" / "cla1.csv").write_text("table\n")
    (old / ".gates").mkdir()
    (old / ".gates" / "cla1.json").write_text("{}\n")
    (old / ".baseline").mkdir()
    (old / ".baseline" / "cla1.csv").write_text("baseline\n")
    (old / "validation" / "cla").mkdir(parents=True)
    (old / "validation" / "cla" / "W06000015.csv").write_text("report\n")
    (old / "manifest.json").write_text("{}\n")

    current = store.recover(output, YEAR)
    view = output / YEAR
    assert view.is_symlink() and current == (output / ".releases" / YEAR / "0001").resolve()
    assert (view / "statswales" / "cla1.csv").read_text() == "table\n"
    assert (view / ".baseline" / "cla1.csv").read_text() == "baseline\n"
    assert (view / "validation" / "cla" / "W06000015.csv").read_text() == "report\n"
    assert (output / ".validation" / YEAR / "cla" / "W06000015.csv").exists()
    staged = store.staging_dir(output, YEAR)
    assert (staged / "statswales" / "cla1.csv").read_text() == "table\n"
    assert (staged / ".gates" / "cla1.json").exists()


def test_a_release_that_does_not_read_back_is_not_swapped_in(released, monkeypatch):
    from orchestration.lib import release_files
    from orchestration.lib.years import CollectionYear
    from orchestration.settings import load_settings

    view = released / "output" / YEAR
    before, target = year_outputs(view), os.readlink(view)
    monkeypatch.setattr(release_files, "check_release_files", lambda *a: ["release.html: table CLA1 missing"])
    settings = load_settings({"CSSD_DATA_DIR": str(released), "CSSD_TODAY": "2026-11-25"})
    _, problems = release_files.write_release(settings, CollectionYear.parse(YEAR), [])
    assert problems[0] == "release.html: table CLA1 missing" and "not released" in problems[-1]
    assert os.readlink(view) == target and year_outputs(view) == before
    assert [p.name for p in (released / "output" / ".releases" / YEAR).iterdir() if p.name.endswith(".failed")]
