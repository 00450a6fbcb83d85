"""The seeds are copies of shared/spec/codes and shared/reference; fail if they drift."""

import csv
import re
from pathlib import Path

import pytest

from orchestration.paths import REFERENCE_SEEDS_DIR, REPO_ROOT
from tools.refresh_seeds import expected_seeds

SHARED = REPO_ROOT.parent / "shared"


@pytest.mark.skipif(not (SHARED / "spec" / "codes").is_dir(), reason="no ../shared beside this checkout")
def test_seeds_match_the_shared_contract():
    for name, content in expected_seeds(SHARED).items():
        seed = REFERENCE_SEEDS_DIR / name
        assert seed.exists(), f"{name} is missing: run tools/refresh_seeds.py"
        if isinstance(content, bytes):
            assert seed.read_bytes() == content, f"{name} differs from shared/: run tools/refresh_seeds.py"
        else:
            with seed.open(encoding="utf-8", newline="") as f:
                assert list(csv.DictReader(f)) == content, f"{name} differs from shared/"


def test_nothing_reads_shared_at_run_time():
    pattern = re.compile(r"""(['"]\.\./shared|/\s*['"]shared['"])""")
    for path in (REPO_ROOT / "orchestration").rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), f"{path} refers to ../shared"
    assert Path(REFERENCE_SEEDS_DIR).is_dir()
