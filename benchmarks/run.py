"""`make bench`: the cssd pipeline against plain DuckDB SQL on the same landing files.

Every step runs the `cssd` command line in a process of its own, on DuckDB and SQLite (any
CSSD_DBT_TARGET, CSSD_DAGSTER_STORAGE, CSSD_PG_* or CSSD_WAREHOUSE in the environment is dropped),
and is set against benchmarks/plain_sql.py — CLA1 and CRCS1 computed by plain DuckDB SQL from the
files the step read — run right after it in a process of its own. The bench checks that the two
agree on every CLA1 and CRCS1 cell it compares (counts and rates, each LA and Wales: the pipeline's
unrounded pub_cla1 and pub_crcs1 in the warehouse) and stops with the differences if not.

Steps (the default; ``--quick``: the last three years instead of all, and the ladder at ×1 only):

1. the full demo: ``cssd generate --census all --years all --seed 1`` (timed on its own), then
   ``cssd build --census all --years all`` — what ``cssd demo --seed 1`` generates and builds;
2. a one-year rebuild on that warm data folder: ``cssd build --census all --years <latest>``;
3. ``cssd validate`` on one LA's CLA return and on its CRCS return (Cardiff, the latest year), as a
   command (process start included) and as the call inside a process that has imported cssd;
4. the PostgreSQL build (``--steps postgres``): the last three years of both censuses built as a
   deployment would (warehouse and Dagster storage on PostgreSQL: CSSD_PG_* from the environment,
   default 127.0.0.1:5432, in a database of its own, dropped afterwards), set against the same build
   on DuckDB; skipped, saying so, when no server answers;
5. a scale ladder for the latest year, both censuses, each in a new data folder: ×1 (Wales),
   ×12 (England-sized) from ``cssd generate --scale``, and ×120: the ×12 returns copied ten times
   with new child ids (the generators simulate every LA from 1975 at the given scale; at ×120 that
   needs ~20 GB and ~20 minutes, and the CRCS ids of the largest LAs outgrow their 10 characters);
5. the LA officer's validator (``--steps validator``): the whole ``cssd validate --report`` process on
   the CLA return of an average Welsh LA and on one of 100,000 episodes, the median of three runs.

Time: wall clock of the process. Peak memory: the largest sum of the resident set sizes of the
process and all its descendants (dbt, validation workers), sampled every 0.1 s, and never less than
the largest single process's maximum RSS from the kernel (wait4).

    python -m benchmarks.run [--quick] [--steps demo,ladder] [--scales 1,12,120] [--workdir DIR] [--keep]
    python -m benchmarks.run --markdown-from benchmarks/results/<file>.json

Results go to benchmarks/results/<timestamp>.json (not committed). A full run (every step, the
default ladder) also writes benchmarks/RESULTS.md (the table, the machine, the date and the
targets); any other run writes its table to benchmarks/results/<timestamp>[-quick].md instead.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CSSD = Path(sys.executable).with_name("cssd")
RESULTS_DIR = REPO / "benchmarks" / "results"
RESULTS_MD = REPO / "benchmarks" / "RESULTS.md"
LA = "W06000015"  # Cardiff: among the largest returns of both censuses
SEED = 1
DIRECT_SCALES_UP_TO = 12  # larger scales: the ×12 returns copied with new child ids
TARGETS = {
    "demo_build_s": 60,
    "rebuild_s": 15,
    "x120_ratio": 2.0,
    "peak_mib": 2048,
    "validate_average_s": 1.0,  # issue 18: the whole `cssd validate` process for an average Welsh LA
    "validate_100k_s": 2.0,  # ... and for a return of 100,000 episodes
    "postgres_ratio": 2.0,  # the PostgreSQL build against the DuckDB build of the same returns
}
VALIDATOR_EPISODES = 100_000
VALIDATOR_RUNS = 3  # the median of three processes: one process is at the mercy of the machine's load
# The environment that would send cssd elsewhere than the default DuckDB + SQLite of a data folder.
DROPPED_ENV = ("CSSD_DBT_TARGET", "CSSD_DAGSTER_STORAGE", "CSSD_WAREHOUSE", "CSSD_DATA_DIR", "CSSD_DAGSTER_PG_DATABASE")


class BenchError(RuntimeError):
    """A step failed, or the pipeline and the plain SQL disagree: the bench is not valid."""


# ---------------------------------------------------------------------------------------------
# Measuring a process: wall time and peak memory of its tree


@dataclass
class Measured:
    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0  # user + system CPU of the process and its waited-for children (wait4)


def _tree_rss_bytes(root: int, page: int) -> int:
    """Sum of the RSS of ``root`` and every process descended from it (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                text = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = text[text.rindex(b")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])  # field 4, ppid
        rss[pid] = int(fields[21]) * page  # field 24, rss in pages
    tree, frontier = {root}, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in tree)


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.stop = threading.Event()
        self.enabled = os.path.isdir("/proc")

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while self.enabled and not self.stop.is_set():
            with contextlib.suppress(OSError, ValueError):  # a process that ended while being read
                self.peak = max(self.peak, _tree_rss_bytes(self.pid, page))
            self.stop.wait(self.interval)


def measure(cmd: list[str], env: dict[str, str], timeout: float = 6 * 3600) -> Measured:
    """Run ``cmd``; its wall time, the peak memory of its process tree, exit code and output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err, text=True)
        sampler = _Sampler(proc.pid)
        sampler.start()
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        # ru_maxrss: KiB on Linux; the largest of the process and its waited-for descendants
        peak = max(sampler.peak, usage.ru_maxrss * 1024)
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(seconds, peak / 2**20, proc.returncode, out.read(), err.read(), cpu)


def _environment(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV and not k.startswith("CSSD_PG_")}
    env.update(
        {
            "CSSD_DATA_DIR": str(data),
            "CSSD_PSEUDONYM_KEY": "cssd-bench-key-not-a-secret",  # synthetic data; >= 16 characters
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "False",
        }
    )
    return env


def cssd(args: list[str], data: Path, what: str) -> Measured:
    m = measure([str(CSSD), *args], _environment(data))
    if m.returncode != 0:
        raise BenchError(f"{what}: `cssd {' '.join(args)}` exited {m.returncode}\n{m.stderr[-3000:]}{m.stdout[-1500:]}")
    print(f"  {what}: {m.seconds:.1f} s, peak {m.peak_mib:.0f} MiB", flush=True)
    return m


# ---------------------------------------------------------------------------------------------
# The plain SQL, and the comparison with the pipeline


@dataclass
class Plain:
    measured: Measured
    query_s: float
    cells: dict[tuple[str, str, str, str, str], Decimal]


def plain(landing: Path, years=None, las=None, census: str = "all") -> Plain:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, "-m", "benchmarks.plain_sql", str(landing), "--out", str(out), "--census", census]
    if years:
        cmd += ["--years", ",".join(years)]
    if las:
        cmd += ["--las", ",".join(las)]
    try:
        m = measure(cmd, {**os.environ, "PYTHONPATH": str(REPO)})
        if m.returncode != 0:
            raise BenchError(f"plain SQL on {landing} exited {m.returncode}\n{m.stderr[-3000:]}")
        result = json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)
    cells = {tuple(c[:5]): Decimal(c[5]) for c in result["cells"]}
    print(f"  plain SQL: {m.seconds:.2f} s ({result['query_s']:.2f} s of SQL), peak {m.peak_mib:.0f} MiB", flush=True)
    return Plain(m, result["query_s"], cells)


def pipeline_cells(warehouse: "Path | dict", years=None, las=None, census: str = "all") -> dict:
    """The pipeline's CLA1 and CRCS1 cells with a figure (unrounded: pub_cla1, pub_crcs1); ``warehouse``:
    a DuckDB file, or the connection arguments of a PostgreSQL warehouse."""
    import duckdb

    tables = {"cla": ("cla1", "legal_status_group"), "crcs": ("crcs1", "status")}
    parts, params = [], []
    for c, (table, key) in tables.items():
        if census not in ("all", c):
            continue
        where = ["value is not null"]
        if years:
            where.append("year in (select unnest(?))")
            params.append(list(years))
        if las:
            where.append("area_code in (select unnest(?))")
            params.append(list(las))
        parts.append(
            f"select '{table}', year, area_code, {key}, measure, value from publication.pub_{table} "
            f"where {' and '.join(where)}"
        )
    if isinstance(warehouse, dict):
        from orchestration.lib.warehouse import connect_postgres

        con = connect_postgres(warehouse)
    else:
        con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(" union all ".join(parts), params).fetchall()
    finally:
        con.close()
    return {tuple(r[:5]): Decimal(r[5]) for r in rows}


def agree(ours: dict, theirs: dict, what: str) -> dict:
    """The pipeline's cells equal the plain SQL's, or BenchError listing the differences."""
    only_ours = sorted(set(ours) - set(theirs))
    only_plain = sorted(set(theirs) - set(ours))
    differ = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])
    if only_ours or only_plain or differ or not ours:
        lines = [f"{what}: the pipeline and the plain SQL DISAGREE (the bench is not valid)"]
        lines += [f"  only in the pipeline: {k} = {ours[k]}" for k in only_ours[:10]]
        lines += [f"  only in the plain SQL: {k} = {theirs[k]}" for k in only_plain[:10]]
        lines += [f"  differ: {k}: pipeline {ours[k]}, plain SQL {theirs[k]}" for k in differ[:20]]
        if not ours:
            lines.append("  no cell to compare")
        raise BenchError("\n".join(lines))
    areas = {k[2] for k in ours}
    wales = sum(1 for k in ours if k[2] == "W92000004")
    print(f"  agree: {len(ours)} CLA1/CRCS1 cells ({len(areas)} areas, {wales} Wales cells)", flush=True)
    return {"cells": len(ours), "areas": len(areas), "wales_cells": wales}


def row(step: str, m: Measured | None, p: Plain | None, agreement=None, in_process=None, **extra) -> dict:
    """A line of the results. ``in_process``: (pipeline seconds, plain seconds) without process start."""
    pipeline_s = in_process[0] if in_process else (m.seconds if m else None)
    plain_s = (in_process[1] if in_process else p.measured.seconds) if p else None
    return {
        "step": step,
        "pipeline_s": pipeline_s,
        "plain_s": plain_s,
        "ratio": pipeline_s / plain_s if pipeline_s and plain_s else None,
        "peak_mib": m.peak_mib if m else None,
        "plain_peak_mib": p.measured.peak_mib if p else None,
        "plain_query_s": p.query_s if p else None,
        "agreement": agreement,
        **extra,
    }


# ---------------------------------------------------------------------------------------------
# Data


def landing_rows(landing: Path) -> dict[str, int]:
    """Data rows of the return files: CLA episodes and CRCS rows (children or plans)."""

    def count(pattern: str) -> int:
        total = 0
        for path in landing.glob(pattern):
            with path.open("rb") as f:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda f=f: f.read(1 << 20), b"")) - 1
        return total

    return {"cla_episodes": count("cla/*/*/episodes.csv"), "crcs_rows": count("crcs/*/*/children.csv")}


ID_COLUMNS = ("child_id", "CHILD", "CHILD_ID")


def replicate(source: Path, target: Path, copies: int) -> None:
    """``target``'s returns = ``source``'s with every row written ``copies`` times, each copy with new
    child ids. An LA's ids are renumbered once for all its files of both censuses, so a child keeps
    one id in CLA and in CRCS (the cross-census checks and REC1 still match them up); ids stay
    within the spec's 10 characters. Everything else in a row is copied as it is."""
    digits = len(str(copies - 1))
    folders: dict[tuple[str, str], list[Path]] = {}
    for path in sorted(source.glob("*/*/*/*.csv")):
        folders.setdefault((path.parent.parent.name, path.parent.name), []).append(path)
    for paths in folders.values():
        texts = {p: p.read_text(encoding="utf-8").splitlines() for p in paths}
        number: dict[str, int] = {}
        for lines in texts.values():
            for line in lines[1:]:
                number.setdefault(line.split(",", 1)[0], len(number))
        width = max(7, len(str(len(number))))
        if 1 + digits + width > 10:
            raise BenchError(f"{len(number)} children in one LA: new ids would be longer than 10 characters")
        for path, lines in texts.items():
            if not lines or lines[0].split(",", 1)[0] not in ID_COLUMNS:
                raise BenchError(f"{path}: the first column is not the child id")
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            rows = [line.split(",", 1) for line in lines[1:]]
            if any(len(r) != 2 for r in rows):
                raise BenchError(f"{path}: a row with one column")
            with out.open("w", encoding="utf-8", newline="") as f:
                f.write(lines[0] + "\n")
                for copy in range(copies):
                    head = f"R{copy:0{digits}d}"
                    f.writelines(f"{head}{number[child]:0{width}d},{rest}\n" for child, rest in rows)


# ---------------------------------------------------------------------------------------------
# The steps


def _latest():
    """The latest collection year (CSSD_TODAY respected, as cssd does)."""
    from orchestration.settings import load_settings

    today = {k: v for k, v in os.environ.items() if k == "CSSD_TODAY"}
    return load_settings({**today, "CSSD_PSEUDONYM_KEY": "not-used"}).latest_year


def _year_before(year, back: int) -> str:
    for _ in range(back):
        year = year.previous()
    return year.label


def bench_demo(work: Path, years_arg: str, years: list[str], rows: list[dict], quick: bool) -> Path:
    data = work / "demo"
    label = "all years" if not quick else f"{years[0]} to {years[-1]}"
    print(f"== full demo ({label}), both censuses, ×1", flush=True)
    gen = cssd(["generate", "--census", "all", "--years", years_arg, "--seed", str(SEED)], data, "generate")
    volume = landing_rows(data / "landing")
    rows.append(row(f"full demo: generate synthetic returns ({label})", gen, None, kind="generate", **volume))
    build = cssd(["build", "--census", "all", "--years", years_arg], data, "build")
    p = plain(data / "landing")
    a = agree(pipeline_cells(data / "warehouse.duckdb"), p.cells, "full demo")
    rows.append(row(f"full demo: build both censuses ({label})", build, p, a, kind="demo_build", **volume))
    return data


def bench_rebuild(data: Path, latest: str, rows: list[dict]) -> None:
    print(f"== one-year rebuild ({latest}) on the warm data folder", flush=True)
    build = cssd(["build", "--census", "all", "--years", latest], data, "build")
    p = plain(data / "landing", years=[latest])
    a = agree(pipeline_cells(data / "warehouse.duckdb", years=[latest]), p.cells, "one-year rebuild")
    rows.append(row(f"one-year rebuild: build both censuses {latest} (warm)", build, p, a, kind="rebuild"))


def bench_validate(data: Path, latest: str, rows: list[dict]) -> None:
    for census in ("cla", "crcs"):
        folder = data / "landing" / census / latest / LA
        print(f"== cssd validate {folder.relative_to(data)}", flush=True)
        command = cssd(["validate", str(folder), "--limit", "0"], data, "validate (command)")
        env = {**_environment(data), "PYTHONPATH": str(REPO)}
        inside = measure([sys.executable, "-m", "benchmarks.run", "--validate-in-process", str(folder)], env)
        if inside.returncode != 0:
            raise BenchError(f"validate in process: exit {inside.returncode}\n{inside.stderr[-3000:]}")
        call_s = json.loads(inside.stdout.strip().splitlines()[-1])["seconds"]
        print(f"  validate (in process): {call_s:.2f} s of {inside.seconds:.1f} s", flush=True)
        p = plain(data / "landing", years=[latest], las=[LA], census=census)
        ours = pipeline_cells(data / "warehouse.duckdb", years=[latest], las=[LA], census=census)
        a = agree(ours, p.cells, f"validate {census}")
        what = f"validate one {census.upper()} return ({LA}, {latest})"
        rows.append(row(f"{what}: command", command, p, a, kind="validate"))
        rows.append(row(f"{what}: in process", inside, p, a, in_process=(call_s, p.query_s), kind="validate"))


def bench_validator(work: Path, latest: str, rows: list[dict]) -> None:
    """The LA officer's validator: the whole `cssd validate --report` process (start, imports, reading,
    the rules, the HTML and XLSX report) on the CLA return of an average Welsh LA (the LA whose episode
    count is nearest the mean of the 22) and on a return of 100,000 episodes (the largest LA's rows copied
    with new child ids); the median of three runs each, with the small install (`pip install .`: what an
    LA officer installs) and with the platform's environment. The two installs are timed and sized too:
    each into a new virtual environment with uv, from uv's cache."""
    data = work / "validator"
    cssd(["generate", "--census", "cla", "--years", latest, "--seed", str(SEED)], data, "generate CLA")
    year_dir = data / "landing" / "cla" / latest
    episodes = {p.name: landing_rows_of(p / "episodes.csv") for p in sorted(year_dir.iterdir()) if p.is_dir()}
    mean = sum(episodes.values()) / len(episodes)
    la = min(episodes, key=lambda code: (abs(episodes[code] - mean), code))
    # 100,000 episodes: the largest LA's return copied with new ids (fewer copies keep the ids in 10 characters)
    largest = max(episodes, key=lambda code: (episodes[code], code))
    shutil.copytree(year_dir / largest, work / "validator-one" / "cla" / latest / largest)
    copies = -(-VALIDATOR_EPISODES // episodes[largest])
    big = work / "validator-big"
    replicate(work / "validator-one", big, copies)
    installs = {
        "small install": _install(work, "small", ""),
        "platform": _install(work, "platform", "[platform]"),
    }
    for name, (_venv, m, mib) in installs.items():
        what = "pip install ." if name == "small install" else "pip install '.[platform]'"
        rows.append(row(f"validator: {name}: {what} into a new venv (uv, cached): {mib:,.0f} MiB", m, None,
                        kind=f"install_{name.split()[0]}", size_mib=mib))  # fmt: skip
    cases = [
        (f"an average Welsh LA ({la}, {episodes[la]:,} CLA episodes)", year_dir / la, "average", episodes[la]),
        (f"{episodes[largest] * copies:,} CLA episodes ({largest} ×{copies}, new ids)",
         big / "cla" / latest / largest, "100k", episodes[largest] * copies),
    ]  # fmt: skip
    for what, folder, kind, n in cases:
        for name, (venv, _, _) in installs.items():  # noqa: B007 - venv is used below
            step = f"validator ({name}): cssd validate --report, {what}"
            print(f"== {step}", flush=True)
            args = [str(venv / "bin" / "cssd"), "validate", str(folder), "--limit", "0", "--report",
                    str(work / "validator-report")]  # fmt: skip
            runs = []
            for _ in range(VALIDATOR_RUNS):
                m = measure(args, _environment(data))
                if m.returncode != 0:
                    raise BenchError(f"{step}: exit {m.returncode}\n{m.stderr[-3000:]}{m.stdout[-1500:]}")
                runs.append(m)
            median = sorted(runs, key=lambda m: m.seconds)[len(runs) // 2]
            print(
                f"  {median.seconds:.2f} s, CPU {median.cpu_s:.2f} s (median of {[round(m.seconds, 2) for m in runs]})",
                flush=True,
            )
            key = f"validator_{kind}" + ("" if name == "small install" else "_platform")
            rows.append(
                row(
                    step,
                    median,
                    None,
                    kind=key,
                    episodes=n,
                    runs=[round(m.seconds, 3) for m in runs],
                    cpu_s=median.cpu_s,
                )
            )


def _install(work: Path, name: str, extra: str) -> "tuple[Path, Measured, float]":
    """A new venv with the package (and ``extra``) from a copy of the package's files: (venv, time, MiB)."""
    uv = [shutil.which("uv")] if shutil.which("uv") else [sys.executable, "-m", "uv"]
    src = work / f"src-{name}"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "orchestration", src / "orchestration", ignore=ignore)
    shutil.copytree(REPO / "dbt_project" / "seeds", src / "dbt_project" / "seeds", ignore=ignore)
    for f in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPO / f, src / f)
    venv = work / f"venv-{name}"
    env = {**os.environ, "UV_NO_PROGRESS": "1", "VIRTUAL_ENV": ""}
    script = (
        f"{' '.join(uv)} venv -q --python 3.11 {venv} && "
        f"{' '.join(uv)} pip install -q --compile-bytecode --python {venv / 'bin' / 'python'} '{src}{extra}'"
    )
    m = measure(["bash", "-c", script], env)
    if m.returncode != 0:
        raise BenchError(f"install {name}: {m.stderr[-3000:]}")
    size = sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    print(f"  install {name}: {m.seconds:.1f} s, {size:,.0f} MiB", flush=True)
    return venv, m, size


def landing_rows_of(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1


def _validate_in_process(folder: str) -> int:
    """Import cssd's validation, then time `cssd validate FOLDER` called inside this process."""
    import contextlib
    import io

    from orchestration import cli
    from orchestration.lib import ingest  # noqa: F401 (imported before the clock starts)
    from orchestration.lib.outputs import validation_report  # noqa: F401

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["validate", folder, "--limit", "0"])
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "exit": code}))
    return code


def bench_ladder(work: Path, latest: str, scales: list[int], rows: list[dict], keep: bool) -> None:
    generated: dict[int, tuple[Path, Measured]] = {}  # scale -> (data folder with its landing, generation)
    copied_later = any(s > DIRECT_SCALES_UP_TO for s in scales)
    for scale in scales:
        data = work / f"x{scale}"
        print(f"== scale ×{scale}: {latest}, both censuses", flush=True)
        if scale <= DIRECT_SCALES_UP_TO:
            gen = cssd(
                ["generate", "--census", "all", "--years", latest, "--seed", str(SEED), "--scale", str(scale)],
                data,
                "generate",
            )
            how = f"cssd generate --scale {scale}"
            generated[scale] = (data, gen)
        else:
            base = DIRECT_SCALES_UP_TO
            if scale % base:
                raise BenchError(f"scale {scale}: above ×{base} a scale must be a multiple of {base}")
            if base not in generated:
                src = work / f"x{base}-source"
                m = cssd(
                    ["generate", "--census", "all", "--years", latest, "--seed", str(SEED), "--scale", str(base)],
                    src,
                    f"generate ×{base}",
                )
                generated[base] = (src, m)
            src, base_gen = generated[base]
            copy = measure(
                [sys.executable, "-m", "benchmarks.run", "--replicate", str(src / "landing"), str(data / "landing"),
                 str(scale // base)],
                {**os.environ, "PYTHONPATH": str(REPO)},
            )  # fmt: skip
            if copy.returncode != 0:
                raise BenchError(f"replicating ×{base} to ×{scale}: {copy.stderr[-3000:]}")
            print(f"  copied ×{base} {scale // base} times with new ids: {copy.seconds:.1f} s", flush=True)
            how = f"cssd generate --scale {base} ({base_gen.seconds:.0f} s), copied {scale // base}× with new ids"
            # the two one after the other: their times add up, the peak is the larger one's
            gen = Measured(base_gen.seconds + copy.seconds, max(base_gen.peak_mib, copy.peak_mib), 0, "", "")
        volume = landing_rows(data / "landing")
        rows.append(row(f"×{scale}: generate ({how})", gen, None, kind="generate", scale=scale, **volume))
        build = cssd(["build", "--census", "all", "--years", latest], data, "build")
        p = plain(data / "landing", years=[latest])
        a = agree(pipeline_cells(data / "warehouse.duckdb", years=[latest]), p.cells, f"×{scale}")
        rows.append(
            row(f"×{scale}: build both censuses {latest}", build, p, a, kind="ladder_build", scale=scale, **volume)
        )
        if not keep:  # the disk: a ×120 warehouse is large; the ×12 landing is the source of larger scales
            if scale == DIRECT_SCALES_UP_TO and copied_later:
                _drop(data / "warehouse.duckdb", data / "output", data / "dagster_home")
            else:
                _drop(data)


def _postgres_admin():
    """A connection to the PostgreSQL server of CSSD_PG_* (autocommit), or None if none answers."""
    from orchestration.settings import postgres_settings

    pg = postgres_settings(os.environ)
    try:
        import psycopg2

        con = psycopg2.connect(connect_timeout=3, **pg.connect_kwargs())
    except Exception as exc:  # psycopg2.OperationalError: no server
        print(f"  no PostgreSQL server at {pg.describe()}: {str(exc).strip()[:200]}", flush=True)
        return pg, None
    con.autocommit = True
    return pg, con


def bench_postgres(work: Path, latest, rows: list[dict], keep: bool) -> None:
    first = _year_before(latest, 2)
    years_arg, years = f"{first}:{latest.label}", [first, _year_before(latest, 1), latest.label]
    print(f"== PostgreSQL: both censuses {years_arg}, against DuckDB", flush=True)
    pg, admin = _postgres_admin()
    if admin is None:
        rows.append(row(f"PostgreSQL: build both censuses {years_arg}", None, None, kind="pg_build", skipped=True))
        return
    duck_data, pg_data = work / "pg-duckdb", work / "pg-postgres"
    cssd(["generate", "--census", "all", "--years", years_arg, "--seed", str(SEED)], duck_data, "generate")
    shutil.copytree(duck_data / "landing", pg_data / "landing")
    duck = cssd(["build", "--census", "all", "--years", years_arg], duck_data, "build on DuckDB")
    database = f"cssd_bench_{os.getpid()}_{int(time.time())}"
    admin.cursor().execute(f'create database "{database}"')
    try:
        env = {
            **_environment(pg_data),
            **{k: v for k, v in os.environ.items() if k.startswith("CSSD_PG_")},
            "CSSD_DBT_TARGET": "postgres",
            "CSSD_DAGSTER_STORAGE": "postgres",
            "CSSD_PG_DATABASE": database,
        }
        on_pg = measure([str(CSSD), "build", "--census", "all", "--years", years_arg], env)
        if on_pg.returncode != 0:
            tail = on_pg.stderr[-3000:] + on_pg.stdout[-1500:]
            raise BenchError(f"build on PostgreSQL exited {on_pg.returncode}\n{tail}")
        print(f"  build on PostgreSQL: {on_pg.seconds:.1f} s, peak {on_pg.peak_mib:.0f} MiB", flush=True)
        p = plain(duck_data / "landing", years=years)
        a_duck = agree(pipeline_cells(duck_data / "warehouse.duckdb", years=years), p.cells, "DuckDB build")
        a_pg = agree(pipeline_cells(pg.connect_kwargs(database), years=years), p.cells, "PostgreSQL build")
    finally:
        admin.cursor().execute(f'drop database if exists "{database}" with (force)')
        admin.close()
    volume = landing_rows(duck_data / "landing")
    rows.append(row(f"PostgreSQL: build both censuses {years_arg} on DuckDB", duck, p, a_duck, kind="pg_duckdb_build",
                    **volume))  # fmt: skip
    rows.append(row(f"PostgreSQL: build both censuses {years_arg} on PostgreSQL", on_pg, p, a_pg, kind="pg_build",
                    duckdb_s=duck.seconds, **volume))  # fmt: skip
    if not keep:
        _drop(duck_data, pg_data)


def _drop(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


# ---------------------------------------------------------------------------------------------
# The machine, and RESULTS.md


def machine() -> dict:
    def first(path: str, prefix: str, sep: str = ":") -> str:
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.startswith(prefix):
                        return line.split(sep, 1)[1].strip().strip('"')
        except OSError:
            pass
        return ""

    mem_kib = first("/proc/meminfo", "MemTotal").split()
    from importlib.metadata import version

    return {
        "cpu": first("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kib[0]) / 2**20, 1) if mem_kib else None,
        "os": f"{first('/etc/os-release', 'PRETTY_NAME', '=') or platform.system()} ({platform.system()} "
        f"{platform.release()})",
        "python": platform.python_version(),
        "packages": {p: version(p) for p in ("dagster", "dbt-core", "dbt-duckdb", "duckdb", "pandas")},
        "ingest_workers": os.environ.get("CSSD_INGEST_WORKERS", "default"),
    }


def _fmt(x, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def targets(results: dict) -> list[tuple[str, str, str]]:
    """(target, measured, met / not met / not measured)."""
    rows = results["rows"]
    quick = results["mode"] == "quick"

    def first(kind: str, scale=None):
        return next((r for r in rows if r.get("kind") == kind and (scale is None or r.get("scale") == scale)), None)

    out = []
    demo, gen = first("demo_build"), first("generate")
    if demo and not quick:
        note = f"build {demo['pipeline_s']:.1f} s (generation apart: {gen['pipeline_s']:.1f} s)" if gen else ""
        out.append(("full demo < 60 s (the build)", note, _met(demo["pipeline_s"] < TARGETS["demo_build_s"])))
    else:
        note = "quick run: not every year" if demo else "not run"
        out.append(("full demo < 60 s (the build)", note, "not measured"))
    rebuild = first("rebuild")
    out.append(
        (
            "one-year rebuild < 15 s",
            f"{rebuild['pipeline_s']:.1f} s" if rebuild else "",
            _met(rebuild["pipeline_s"] < TARGETS["rebuild_s"]) if rebuild else "not measured",
        )
    )
    x120 = first("ladder_build", 120)
    out.append(
        (
            "×120 ≤ 2× plain SQL",
            f"{x120['ratio']:.1f}× ({x120['pipeline_s']:.0f} s against {x120['plain_s']:.1f} s)" if x120 else "",
            _met(x120["ratio"] <= TARGETS["x120_ratio"]) if x120 else "not measured",
        )
    )
    on_pg = first("pg_build")
    if on_pg and not on_pg.get("skipped"):
        ratio = on_pg["pipeline_s"] / on_pg["duckdb_s"]
        out.append(
            (
                "PostgreSQL build ≤ 2× the DuckDB build",
                f"{ratio:.1f}× ({on_pg['pipeline_s']:.0f} s against {on_pg['duckdb_s']:.0f} s)",
                _met(ratio <= TARGETS["postgres_ratio"]),
            )
        )
    else:
        note = "no PostgreSQL server" if on_pg else "not run"
        out.append(("PostgreSQL build ≤ 2× the DuckDB build", note, "not measured"))
    for kind, target, what in (
        ("validator_average", TARGETS["validate_average_s"], "an average Welsh LA"),
        ("validator_100k", TARGETS["validate_100k_s"], f"{VALIDATOR_EPISODES:,} episodes"),
    ):
        v, full = first(kind), first(kind + "_platform")
        note = (
            f"{v['pipeline_s']:.2f} s, CPU {v['cpu_s']:.2f} s (runs: {', '.join(f'{x:.2f}' for x in v['runs'])})"
            if v
            else ""
        )
        if full:
            note += f"; in the platform's environment {full['pipeline_s']:.2f} s, CPU {full['cpu_s']:.2f} s"
        out.append(
            (
                f"cssd validate --report < {target:g} s, {what} (the whole process, the small install)",
                note,
                _met(v["pipeline_s"] < target) if v else "not measured",
            )
        )
    peaks = [r for r in rows if r.get("kind") != "generate" and r.get("peak_mib")]
    worst = max(peaks, key=lambda r: r["peak_mib"]) if peaks else None
    out.append(
        (
            "peak memory < 2 GiB (cssd builds and validation)",
            f"{worst['peak_mib']:.0f} MiB ({worst['step']})" if worst else "",
            _met(worst["peak_mib"] < TARGETS["peak_mib"]) if worst else "not measured",
        )
    )
    return out


def _command(results: dict) -> str:
    return "python -m benchmarks.run" + (" --quick" if results["mode"] == "quick" else "")


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`{results.get('command') or _command(results)}`) "
        f"on {results['date']}; latest collection year {results['latest_year']}. "
        "See [README.md](README.md) for what each step runs and what the plain SQL does and does not do.",
        "",
        f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m['os']}; Python {m['python']}",
        "- **Stack**: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- **Load average** (1 min) at the start {results['load'][0]:.2f}, at the end {results['load'][1]:.2f}; "
        f"CSSD_INGEST_WORKERS {m['ingest_workers']}",
        f"- **Total bench time**: {results['total_s'] / 60:.1f} min",
        "",
        "| step | pipeline s | plain SQL s | ratio | peak MiB (cssd / plain SQL) |",
        "|---|--:|--:|--:|--:|",
    ]
    for r in results["rows"]:
        peak = _fmt(r["peak_mib"], 0)
        if r.get("plain_peak_mib") is not None:
            peak += f" / {r['plain_peak_mib']:.0f}"
        ratio = f"{r['ratio']:.1f}×" if r.get("ratio") else ""
        plain_s = _fmt(r["plain_s"], 2)
        pipeline_s = _fmt(r["pipeline_s"], 1 if (r["pipeline_s"] or 0) >= 1 else 2)
        lines.append(f"| {r['step']} | {pipeline_s} | {plain_s} | {ratio} | {peak} |")
    lines += ["", "Data (rows of the return files):", ""]
    for r in results["rows"]:
        if r.get("kind") == "generate":
            lines.append(f"- {r['step']}: {r['cla_episodes']:,} CLA episodes, {r['crcs_rows']:,} CRCS rows")
    lines += [
        "",
        "Every row with a plain-SQL time passed the agreement check: the pipeline's unrounded CLA1 and "
        "CRCS1 cells (pub_cla1, pub_crcs1: counts and rates, each LA and Wales) equal the plain SQL's "
        f"({sum(r['agreement']['cells'] for r in results['rows'] if r.get('agreement')):,} cells compared in all).",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {v} | {ok} |" for t, v, ok in targets(results)]
    lines += [
        "",
        "Times are wall clock of a process (process start included) except the rows marked *in process*: the "
        "validation call inside a process that had imported cssd, against the plain SQL's queries inside theirs. "
        "Peak memory is the largest sum of the resident set sizes of the process and its descendants (sampled "
        "every 0.1 s; never below the kernel's maximum RSS of the largest single process).",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description="cssd against plain DuckDB SQL on the same data")
    parser.add_argument("--quick", action="store_true", help="the last three years and the ladder at ×1 only")
    parser.add_argument("--scales", help="the ladder (default 1,12,120; --quick: 1)")
    parser.add_argument(
        "--steps",
        default="demo,postgres,ladder,validator",
        help="demo (the demo, the rebuild, validate), postgres, ladder, validator (cssd validate --report: an "
        "average LA and 100,000 episodes); any of them (default: all four)",
    )
    parser.add_argument("--workdir", type=Path, help="where the data folders go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    parser.add_argument("--markdown-from", type=Path, help="only write benchmarks/RESULTS.md from a results JSON")
    parser.add_argument("--validate-in-process", help=argparse.SUPPRESS)
    parser.add_argument("--replicate", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.validate_in_process:
        return _validate_in_process(args.validate_in_process)
    if args.replicate:
        source, target, copies = args.replicate
        replicate(Path(source), Path(target), int(copies))
        return 0
    if args.markdown_from:
        RESULTS_MD.write_text(markdown(json.loads(args.markdown_from.read_text(encoding="utf-8"))), encoding="utf-8")
        print(f"wrote {RESULTS_MD}")
        return 0

    latest = _latest()
    quick = args.quick
    scales = [int(s) for s in (args.scales or ("1" if quick else "1,12,120")).split(",") if s]
    first = _year_before(latest, 2) if quick else None
    years_arg = f"{first}:{latest.label}" if quick else "all"
    years = [first, latest.label] if quick else []
    started = time.perf_counter()
    results = {
        "mode": "quick" if quick else "full",
        "command": " ".join(["python -m benchmarks.run", *(sys.argv[1:] if argv is None else argv)]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "latest_year": latest.label,
        "machine": machine(),
        "scales": scales,
        "rows": [],
    }
    load_start = os.getloadavg()[0]
    stamp = time.strftime("%Y%m%dT%H%M%S") + ("-quick" if quick else "")
    results["steps"] = args.steps
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS_DIR / f"{stamp}.json"
    work = Path(tempfile.mkdtemp(prefix="cssd-bench-", dir=args.workdir))
    failure = None
    try:
        steps = set(args.steps.split(","))
        if "demo" in steps:
            demo = bench_demo(work, years_arg, years, results["rows"], quick)
            bench_rebuild(demo, latest.label, results["rows"])
            bench_validate(demo, latest.label, results["rows"])
            if not args.keep:
                _drop(demo)
        if "postgres" in steps:
            bench_postgres(work, latest, results["rows"], args.keep)
        if "ladder" in steps:
            bench_ladder(work, latest.label, scales, results["rows"], args.keep)
        if "validator" in steps:
            bench_validator(work, latest.label, results["rows"])
    except BenchError as exc:
        failure = str(exc)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        results["load"] = [load_start, os.getloadavg()[0]]
        results["total_s"] = time.perf_counter() - started
        results["failure"] = failure
        json_path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if failure:
        print(f"\nBENCH FAILED\n{failure}\n(partial results: {json_path})", file=sys.stderr)
        return 1
    text = markdown(results)
    partial = quick or set(args.steps.split(",")) != {"demo", "postgres", "ladder", "validator"} or args.scales
    md_path = RESULTS_DIR / f"{stamp}.md" if partial else RESULTS_MD
    md_path.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"results: {json_path}\n{md_path}" + (f"\ndata kept under {work}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
