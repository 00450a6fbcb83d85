"""`cssd dev` on a data folder made by `cssd generate` (its landing marked synthetic) turns demo mode
on by itself; never with a key set, nor on a landing folder that is not marked synthetic."""

from orchestration.cli import demo_landing
from orchestration.lib.keys import mark_synthetic
from orchestration.settings import load_settings


def _settings(tmp_path, **env):
    return load_settings({"CSSD_DATA_DIR": str(tmp_path), **env})


def test_demo_mode_on_a_synthetic_landing_folder_without_a_key(tmp_path):
    (tmp_path / "landing").mkdir()
    assert not demo_landing(_settings(tmp_path))  # not marked: real returns may be there
    mark_synthetic(tmp_path / "landing")
    assert demo_landing(_settings(tmp_path))
    assert not demo_landing(_settings(tmp_path, CSSD_PSEUDONYM_KEY="k" * 64))  # a key: the user chose it
    assert not demo_landing(_settings(tmp_path, CSSD_DEMO="1"))  # already on
