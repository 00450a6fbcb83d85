"""`make profile`: where every second of a `cssd build` goes, per stage, at a given scale.

It generates the latest year of both censuses at each scale of ``--scales`` (×1 and ×12 with
``cssd generate --scale``; above ×12 the ×12 returns copied with new child ids, as ``make bench``
does), runs ``cssd build --census all --years <latest>`` in a process of its own, and then reads
where the time went from what the build leaves behind:

- the Dagster runs and their steps (the instance in ``<data>/dagster_home``: each step's start and
  end), so ingestion, the dbt invocation, each quality check and each published table has a line;
- for each dbt step, dbt's own ``run_results.json`` (in the invocation's folder under
  ``dbt_project/target/``): dbt's start and parse (the step's time outside dbt's run), and the run
  itself split into seeds, models and data tests (summed thread time, so it may exceed the wall time
  when dbt runs nodes in parallel), with the slowest nodes;
- what lies outside every run: the process's start, its imports and the planning between runs.

Every line is wall time in seconds with its share of the whole build. The table is printed and
written to ``benchmarks/results/profile-x<scale>-<timestamp>.md`` (JSON beside it).

    python -m benchmarks.profile [--scales 1,120] [--years 2025-26] [--workdir DIR] [--keep]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import (
    CSSD,
    DIRECT_SCALES_UP_TO,
    RESULTS_DIR,
    SEED,
    BenchError,
    _environment,
    _latest,
    cssd,
    landing_rows,
    measure,
)
from orchestration.paths import DBT_PROJECT_DIR

TOP_NODES = 5


def _dbt_breakdown(step_key: str, run_id: str) -> "dict | None":
    """dbt's run results of the invocation of ``step_key`` in run ``run_id`` (its target folder)."""
    target = DBT_PROJECT_DIR / "target"
    for folder in sorted(target.glob(f"{step_key}-{run_id[:7]}-*")):
        results = folder / "run_results.json"
        if not results.is_file():
            continue
        data = json.loads(results.read_text(encoding="utf-8"))
        by_type: dict[str, float] = {}
        nodes = []
        for r in data.get("results", []):
            kind = r["unique_id"].split(".", 1)[0]
            by_type[kind] = by_type.get(kind, 0.0) + float(r.get("execution_time") or 0.0)
            nodes.append((float(r.get("execution_time") or 0.0), r["unique_id"]))
        nodes.sort(reverse=True)
        return {
            "elapsed_s": float(data.get("elapsed_time") or 0.0),
            "by_type_s": by_type,
            "nodes": len(nodes),
            "slowest": [(n, round(s, 2)) for s, n in nodes[:TOP_NODES]],
        }
    return None


def runs_profile(dagster_home: Path) -> list[dict]:
    """Every run of the instance, oldest first, with its steps' times."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterInstance

    instance = DagsterInstance.get()
    out = []
    for run in reversed(instance.get_runs()):
        stats = instance.get_run_stats(run.run_id)
        if stats.start_time is None or stats.end_time is None:
            continue  # not started or not ended: no time to account for
        steps = []
        for s in instance.get_run_step_stats(run.run_id):
            if s.start_time is None or s.end_time is None:
                continue
            step = {"step": s.step_key, "seconds": s.end_time - s.start_time, "start": s.start_time}
            if s.step_key.startswith("dbt_"):
                step["dbt"] = _dbt_breakdown(s.step_key, run.run_id)
            steps.append(step)
        steps.sort(key=lambda s: s["start"])
        out.append(
            {
                "job": run.job_name,
                "status": str(run.status.value),
                "start": stats.start_time,
                "end": stats.end_time,
                "seconds": (stats.end_time or 0) - (stats.start_time or 0),
                "steps": steps,
            }
        )
    return out


def profile_lines(total_s: float, runs: list[dict]) -> list[tuple[str, float]]:
    """(stage, seconds): every second of the build's wall time is on one line (or the lines under
    it, indented, for the parts of a stage)."""
    lines: list[tuple[str, float]] = []
    in_runs = sum(r["seconds"] for r in runs)
    lines.append(("outside the runs: process start, imports, planning, between runs", total_s - in_runs))
    for r in runs:
        lines.append((f"run {r['job']}", r["seconds"]))
        steps_s = sum(s["seconds"] for s in r["steps"])
        # steps of a run may overlap (multiprocess executor): their sum is then above the run's time
        lines.append(("    run start and end, between steps (run minus its steps, if steps did not overlap)",
                      max(r["seconds"] - steps_s, 0.0)))  # fmt: skip
        for s in r["steps"]:
            lines.append((f"    step {s['step']}", s["seconds"]))
            dbt = s.get("dbt")
            if dbt:
                lines.append(("        dbt start and parse (step minus dbt's run)", s["seconds"] - dbt["elapsed_s"]))
                lines.append((f"        dbt run of {dbt['nodes']} nodes", dbt["elapsed_s"]))
                for kind, secs in sorted(dbt["by_type_s"].items()):
                    lines.append((f"            {kind}s (thread time)", secs))
                for node, secs in dbt["slowest"]:
                    lines.append((f"            slowest: {node}", secs))
    return lines


def markdown(scale: int, year: str, total_s: float, volume: dict, lines: list[tuple[str, float]], load) -> str:
    out = [
        f"# Profile: `cssd build --census all --years {year}` at ×{scale}",
        "",
        f"{volume['cla_episodes']:,} CLA episodes, {volume['crcs_rows']:,} CRCS rows; build {total_s:.1f} s wall; "
        f"load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end; {os.cpu_count()} cores.",
        "",
        "| stage | s | share |",
        "|---|--:|--:|",
    ]
    for stage, secs in lines:
        label = stage.strip()
        depth = (len(stage) - len(label)) // 4
        out.append(f"| {'&nbsp;&nbsp;' * 2 * depth}{label} | {secs:.2f} | {100 * secs / total_s:.0f} % |")
    return "\n".join(out) + "\n"


def _generate(work: Path, scale: int, year: str, cache: dict) -> Path:
    data = work / f"x{scale}"
    if scale <= DIRECT_SCALES_UP_TO:
        cssd(["generate", "--census", "all", "--years", year, "--seed", str(SEED), "--scale", str(scale)], data,
             f"generate ×{scale}")  # fmt: skip
        cache[scale] = data
        return data
    base = DIRECT_SCALES_UP_TO
    if scale % base:
        raise BenchError(f"scale {scale}: above ×{base} a scale must be a multiple of {base}")
    if base not in cache:
        src = work / f"x{base}-source"
        cssd(["generate", "--census", "all", "--years", year, "--seed", str(SEED), "--scale", str(base)], src,
             f"generate ×{base}")  # fmt: skip
        cache[base] = src
    copy = measure(
        [sys.executable, "-m", "benchmarks.run", "--replicate", str(cache[base] / "landing"), str(data / "landing"),
         str(scale // base)],
        {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )  # fmt: skip
    if copy.returncode != 0:
        raise BenchError(f"replicating ×{base} to ×{scale}: {copy.stderr[-3000:]}")
    return data


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description="where the seconds of a cssd build go, per stage")
    parser.add_argument("--scales", default="1", help="comma-separated scales (default 1; e.g. 1,120)")
    parser.add_argument("--years", help="the year to build (default: the latest)")
    parser.add_argument("--workdir", type=Path, help="where the data folders go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    args = parser.parse_args(argv)
    year = args.years or _latest().label
    work = Path(tempfile.mkdtemp(prefix="cssd-profile-", dir=args.workdir))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    cache: dict[int, Path] = {}
    try:
        for scale in [int(s) for s in args.scales.split(",") if s]:
            data = _generate(work, scale, year, cache)
            volume = landing_rows(data / "landing")
            load_start = os.getloadavg()[0]
            build = measure([str(CSSD), "build", "--census", "all", "--years", year], _environment(data))
            if build.returncode != 0:
                raise BenchError(f"build ×{scale} exited {build.returncode}\n{build.stderr[-3000:]}")
            runs = runs_profile(data / "dagster_home")
            lines = profile_lines(build.seconds, runs)
            text = markdown(scale, year, build.seconds, volume, lines, (load_start, os.getloadavg()[0]))
            stamp = time.strftime("%Y%m%dT%H%M%S")
            (RESULTS_DIR / f"profile-x{scale}-{stamp}.md").write_text(text, encoding="utf-8")
            (RESULTS_DIR / f"profile-x{scale}-{stamp}.json").write_text(
                json.dumps({"scale": scale, "year": year, "seconds": build.seconds, "peak_mib": build.peak_mib,
                            "volume": volume, "runs": runs}, indent=1, default=str),
                encoding="utf-8",
            )  # fmt: skip
            print(text, flush=True)
    except BenchError as exc:
        print(f"PROFILE FAILED\n{exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
