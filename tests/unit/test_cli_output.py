"""`cssd build` without --verbose: what a run writes to stdout (dagster-dbt's echo of every line of
dbt's log) and the INFO lines of Dagster's loggers stay off the terminal, and are kept for a failure."""

import logging
import sys

from orchestration.cli import _run_output_kept


def test_run_output_is_kept_off_the_terminal_and_info_lines_silenced(capsys):
    builtin = logging.getLogger("dagster.builtin")
    builtin.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    builtin.addHandler(handler)
    try:
        with _run_output_kept() as kept:
            sys.stdout.write("1 of 89 OK loaded seed file reference.age_groups\n")
            builtin.info("Finished dbt command")
            builtin.warning("a warning still shows")
        print("built CLA 2016-17")
    finally:
        builtin.removeHandler(handler)
    out, err = capsys.readouterr()
    assert out == "built CLA 2016-17\n"
    assert "Finished dbt command" not in err and "a warning still shows" in err
    assert kept.getvalue() == "1 of 89 OK loaded seed file reference.age_groups\n"
    assert builtin.level == logging.INFO  # restored
