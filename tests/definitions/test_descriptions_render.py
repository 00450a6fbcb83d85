"""Descriptions render in the Dagster UI: it shows them as Markdown with HTML, so a placeholder
written like an HTML tag (``<data>``, ``<year>``) is eaten and the sentence loses its words."""

import re

import pytest

TAG = re.compile(r"<[A-Za-z][^>\s]*>")


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


def _descriptions(defs) -> dict[str, str]:
    ag = defs.resolve_asset_graph()
    out = {}
    for key in ag.get_all_asset_keys():
        out[f"asset {key.to_user_string()}"] = ag.get(key).description or ""
    for check_key in ag.asset_check_keys:
        spec = ag.get_check_spec(check_key)
        out[f"check {check_key.asset_key.to_user_string()}:{check_key.name}"] = spec.description or ""
    for job in defs.resolve_all_job_defs():
        out[f"job {job.name}"] = job.description or ""
    for sensor in defs.sensors or []:
        out[f"sensor {sensor.name}"] = sensor.description or ""
    for schedule in defs.schedules or []:
        out[f"schedule {schedule.name}"] = schedule.description or ""
    return out


def test_no_description_holds_a_placeholder_the_ui_would_take_for_a_tag(defs):
    bad = {name: TAG.findall(text) for name, text in _descriptions(defs).items() if TAG.search(text)}
    assert bad == {}


def test_the_pattern_finds_the_placeholders_that_were_eaten():
    assert TAG.findall("swapped in whole as <data>/output/<year>/.") == ["<data>", "<year>"]
    assert not TAG.search("swapped in whole as DATA/output/YEAR/; 5 < 6 and a -> b")
