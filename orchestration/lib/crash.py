"""Fault injection for the crash-safety tests: kill this process with SIGKILL at a named point.

``CSSD_CRASH_AT=<point>[:<n>]`` makes the process send itself SIGKILL (a real kill: no exception
handler, ``finally`` or ``atexit`` runs) the n-th time (default the first) it reaches ``<point>``:

- ``ingest``: inside the transaction of an ingestion run, once a year × LA's rows are in it (the
  n-th return of the run), before the commit (``lib/warehouse.py``: ``RunWriter.add``; also inside
  ``replace_partition``'s transaction, before its commit);
- ``dbt``: while ``dbt build`` is running, after dagster-dbt has streamed one of its events and
  only if the dbt process is still running (``defs/transform.py``);
- ``outputs``: writing a year's release, after the workbooks are written into the new release
  folder and before release.html, the manifest and the swap (``lib/outputs/release_store.py``);
- ``swap``: the new release folder is complete and renamed, and not yet swapped in.

Unset (always, outside the tests), ``crash_point`` does nothing. The variable is read when a point
is reached, so a test sets it in the environment of the ``cssd`` process it starts.
"""

import os
import signal
import sys

POINTS = ("ingest", "dbt", "outputs", "swap")
ENV = "CSSD_CRASH_AT"

_reached: dict[str, int] = {}


def _wanted() -> "tuple[str, int] | None":
    text = os.environ.get(ENV, "").strip()
    if not text:
        return None
    point, _, nth = text.partition(":")
    if point not in POINTS or (nth and not nth.isdigit()):
        raise ValueError(f"{ENV}={text!r}: use one of {', '.join(POINTS)}, optionally with :N (the N-th time)")
    return point, int(nth or 1)


def crash_point(point: str, detail: str = "") -> None:
    """SIGKILL this process if CSSD_CRASH_AT names ``point`` and this is the wanted time."""
    if point not in POINTS:
        raise ValueError(f"unknown crash point {point!r}")
    wanted = _wanted()
    if wanted is None or wanted[0] != point:
        return
    _reached[point] = _reached.get(point, 0) + 1
    if _reached[point] != wanted[1]:
        return
    sys.stderr.write(f"cssd: crash point {point} reached ({ENV}): SIGKILL to pid {os.getpid()} {detail}\n".rstrip())
    sys.stderr.write("\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
