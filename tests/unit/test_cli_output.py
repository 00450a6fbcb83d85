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


def test_great_expectations_says_nothing_at_info_when_its_context_is_made():
    """GX sets some of its own loggers to INFO and writes a line about a temporary docs folder on
    every context: a line in every `cssd build`'s output until the context quietens them."""
    import subprocess

    code = (
        "import logging; logging.basicConfig(level=logging.WARNING)\n"
        "from orchestration.lib.expectations import _context\n"
        "_context(); print('made')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == "made\n", result.stderr[-2000:]
    assert "INFO" not in result.stderr, result.stderr
