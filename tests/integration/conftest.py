"""One build shared by the integration tests: the hand-checked CLA fixture (Cardiff, Anglesey) plus
generated CLA and CRCS returns for three other LAs, 2015-16 and 2016-17 (across the SSDA903 → LAC
and CIN → CRCS changes), built for both censuses with `cssd build --census all`."""

import shutil

import pytest

from orchestration.lib.synthetic import generate_cla, generate_crcs
from orchestration.lib.years import CollectionYear
from tests.conftest import FIXTURES
from tests.integration.helpers import run_cssd

GENERATED_LAS = ["W06000011", "W06000003", "W06000010"]
YEARS = [CollectionYear.parse("2015-16"), CollectionYear.parse("2016-17")]
BUILD_ENV = {"CSSD_FINAL_THROUGH": "2015-16"}


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    data = tmp_path_factory.mktemp("built") / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    generate_cla(data / "generated", YEARS, seed=7, scale=0.5, la_codes=GENERATED_LAS)
    generate_crcs(data / "generated", YEARS, seed=7, scale=0.5, las=GENERATED_LAS)
    for census in ("cla", "crcs"):
        for year in YEARS:
            for la in GENERATED_LAS:
                src = data / "generated" / census / year.label / la
                shutil.copytree(src, data / "landing" / census / year.label / la)
    shutil.rmtree(data / "generated")
    # 2016-17 is the provisional year of this build (CSSD_FINAL_THROUGH), so [p] is tested too
    result = run_cssd(["build", "--census", "all", "--years", "2015-16:2016-17"], data, **BUILD_ENV)
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    assert "ingestion in one run, dbt and the published tables in one run" in result.stdout
    assert "release 2015-16:2016-17" in result.stdout
    return data
