"""Sign-off through the command line, on a copy of the shared build: the built year awaits sign-off
with its QA findings listed; `cssd signoff` accepting each open finding signs it (release.html and the
workbook say who and when); a new return arrives and, once built, the sign-off is stale and the
rebuilt release says so."""

import json
import shutil

import pandas as pd
import pytest

from orchestration.lib.synthetic import generate_cla
from orchestration.lib.years import CollectionYear
from tests.integration.conftest import BUILD_ENV
from tests.integration.helpers import run_cssd

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("built")]

YEAR = "2016-17"
NEW_LA = "W06000012"  # not among the shared build's LAs


def test_sign_off_then_a_new_return_makes_it_stale(built, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(built, data, symlinks=True)
    view = data / "output" / YEAR
    manifest = json.loads((view / "manifest.json").read_text())
    assert manifest["signoff"]["status"] == "not signed off"
    assert "Not signed off" in (view / "release.html").read_text()
    findings = pd.read_csv(view / "qa" / "findings.csv", dtype=str, keep_default_na=False)
    assert manifest["qa_findings"]["count"] == len(findings)

    keys = sorted(set(zip(findings["check"], findings["area_code"], strict=True)))
    accepts = [f"--accept={c}:{a}=checked with the LA" for c, a in keys]
    refused = run_cssd(["signoff", YEAR, "--note", "no name"], data, **BUILD_ENV)
    assert refused.returncode == 2 and "--by" in refused.stderr
    signed = run_cssd(["signoff", YEAR, "--by", "Ann Statistician", "--note", "test", *accepts], data, **BUILD_ENV)
    assert signed.returncode == 0, signed.stderr[-3000:]
    assert "Signed off by Ann Statistician on" in (view / "release.html").read_text()
    assert json.loads((view / "manifest.json").read_text())["signoff"]["status"] == "signed off"
    status = run_cssd(["signoff", YEAR, "--status"], data, **BUILD_ENV)
    assert status.returncode == 0 and "Signed off by Ann Statistician" in status.stdout

    # a new return arrives and is built: the sign-off is stale, and the release says so
    generate_cla(tmp_path / "new", [CollectionYear.parse(YEAR)], seed=11, scale=0.3, la_codes=[NEW_LA])
    shutil.copytree(tmp_path / "new" / "cla" / YEAR / NEW_LA, data / "landing" / "cla" / YEAR / NEW_LA)
    rebuilt = run_cssd(["build", "--census", "cla", "--years", YEAR], data, **BUILD_ENV)
    assert rebuilt.returncode == 0, rebuilt.stderr[-4000:]
    assert "awaiting sign-off" in rebuilt.stdout
    state = json.loads((view / "manifest.json").read_text())["signoff"]
    assert state["status"] == "stale" and "new_data" in state["reasons"]
    assert "the sign-off is stale" in (view / "release.html").read_text()
    status = run_cssd(["signoff", YEAR, "--status"], data, **BUILD_ENV)
    assert "stale" in status.stdout
