"""Where the repository's own files live (code, dbt project, seeds, suites).

These are paths inside the checkout, not configuration: data locations come from
``orchestration.settings``.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# In a checkout (and an editable install) the seeds are dbt's; an installed wheel (`pip install .`,
# the validator alone) carries them as the package orchestration.seeds (setup.py).
SEEDS_DIR = DBT_PROJECT_DIR / "seeds" if (DBT_PROJECT_DIR / "seeds").is_dir() else PACKAGE_DIR / "seeds"
REFERENCE_SEEDS_DIR = SEEDS_DIR / "reference"
MAPPING_SEEDS_DIR = SEEDS_DIR / "mappings"
SPECS_DIR = PACKAGE_DIR / "lib" / "specs"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
