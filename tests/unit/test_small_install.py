"""The validator alone: `pip install .` (here `uv pip install`, from the uv cache) into a clean virtual
environment gives a `cssd validate` and `cssd rules` that work outside the checkout and have none of
Dagster, dbt, Great Expectations or DuckDB installed; and in the full platform the two commands import
none of them (they are imported lazily, by the commands that need them)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLATFORM = ("dagster", "dagster_dbt", "dbt", "great_expectations", "duckdb")
CLEAN = REPO / "tests" / "fixtures" / "bad" / "ctl_clean_cla" / "landing" / "cla" / "2023-24" / "W06000012"
BAD = REPO / "tests" / "fixtures" / "bad" / "header_only_episodes" / "landing" / "cla" / "2023-24" / "W06000012"


def _uv() -> "list[str] | None":
    if shutil.which("uv"):
        return [shutil.which("uv")]
    probe = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True)
    return [sys.executable, "-m", "uv"] if probe.returncode == 0 else None


def test_the_small_install_validates_a_return_without_the_platform(tmp_path):
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (make install installs it)")
    # The package's files only (as in a wheel built from a clean clone), so nothing of the checkout —
    # dbt_project, the platform's venv — is within reach of the installed validator.
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "orchestration", src / "orchestration", ignore=ignore)
    shutil.copytree(REPO / "dbt_project" / "seeds", src / "dbt_project" / "seeds", ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPO / name, src / name)
    env = {**os.environ, "UV_NO_PROGRESS": "1", "VIRTUAL_ENV": ""}
    venv = tmp_path / "venv"
    subprocess.run([*uv, "venv", "-q", "--python", "3.11", str(venv)], check=True, env=env, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([*uv, "pip", "install", "-q", "--python", str(python), str(src)], check=True, env=env, timeout=300)

    missing = subprocess.run(
        [
            str(python),
            "-c",
            f"import importlib.util as u; print(','.join(m for m in {PLATFORM!r} if u.find_spec(m) is not None))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert missing.stdout.strip() == "", f"the small install has {missing.stdout.strip()}"

    cssd = venv / "bin" / "cssd"
    run = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 120, "env": env}
    ok = subprocess.run([str(cssd), "validate", str(CLEAN), "--report", str(tmp_path / "report")], **run)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 error(s)" in ok.stdout
    assert sorted(p.suffix for p in (tmp_path / "report").iterdir()) == [".html", ".xlsx"]
    bad = subprocess.run([str(cssd), "validate", str(BAD), "--lang", "cy"], **run)
    assert bad.returncode == 1 and "file.no_rows" in bad.stdout, bad.stdout + bad.stderr
    rules = subprocess.run([str(cssd), "rules", "--census", "cla"], **run)
    assert rules.returncode == 0 and "CLA-104" in rules.stdout
    # it ran the installed copy, with the seeds the wheel carries
    where = subprocess.run(
        [str(python), "-c", "import orchestration.paths as p; print(p.SEEDS_DIR)"], **run, check=True
    ).stdout.strip()
    assert where.startswith(str(venv)) and where.endswith("orchestration/seeds")


def test_validate_and_rules_import_nothing_of_the_platform():
    """In the full platform's environment (where they are installed), the two commands import none of
    Dagster, dbt, Great Expectations or DuckDB."""
    code = (
        "import sys, contextlib, io\n"
        "from orchestration.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['validate', {str(BAD)!r}])\n"
        "    main(['rules', '--format', 'json'])\n"
        f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({PLATFORM!r}))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported: {result.stdout.strip()}"
