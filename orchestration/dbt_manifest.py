"""Make sure dbt_project/target/manifest.json exists and is newer than the project's files."""

import os
import subprocess
import sys
from pathlib import Path

from orchestration.paths import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_WATCHED = ("models", "seeds", "macros", "tests", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _WATCHED:
        p = DBT_PROJECT_DIR / name
        paths = [p] if p.is_file() else list(p.rglob("*")) if p.is_dir() else []
        for f in paths:
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


def manifest_is_fresh() -> bool:
    return MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime()


def ensure_manifest() -> Path:
    if manifest_is_fresh():
        return MANIFEST
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        check=True,
        cwd=DBT_PROJECT_DIR,
        env=env,
    )
    MANIFEST.touch()
    return MANIFEST
