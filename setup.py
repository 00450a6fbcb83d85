"""Packages of the cssd wheel: setuptools reads the rest from pyproject.toml.

The seeds under dbt_project/seeds (the code lists, the eras, the LAs) are the validator's reference
data as well as dbt's: the wheel carries them as ``orchestration.seeds`` so that `pip install .`
gives a validator that runs outside the checkout (orchestration/paths.py finds them there).
"""

from setuptools import find_packages, setup

SEEDS = ["orchestration.seeds", "orchestration.seeds.reference", "orchestration.seeds.mappings"]

setup(
    packages=find_packages(include=["orchestration", "orchestration.*"]) + SEEDS,
    package_dir={"orchestration.seeds": "dbt_project/seeds"},
)
