"""`make bench`: the cssd pipeline against plain DuckDB SQL on the same landing files.

For each scale on the ladder it generates synthetic CLA returns (all 22 LAs, the chosen years),
runs `cssd build` (landing -> raw -> dbt -> outputs, one run) and then computes the same CLA1
stock counts with a single plain DuckDB SQL query over the CSVs. It reports wall time and peak
memory of each, their ratio, and checks that the two agree on every LA total.

    python -m benchmarks.run [--scales 0.25,1] [--years 2016-17:2025-26]

Results go to benchmarks/results/<timestamp>.json (not committed) and to stdout.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
CSSD = Path(sys.executable).with_name("cssd")

# CLA1 totals straight from the LAC/CLA-era CSVs (ISO dates): open, not a short break, under 18.
PLAIN_SQL = """
with episodes as (
    select split_part(filename, '/', -3) as year, split_part(filename, '/', -2) as la_code, *
    from read_csv('{root}/cla/*/*/episodes.csv', filename = true, all_varchar = true)
), children as (
    select split_part(filename, '/', -3) as year, split_part(filename, '/', -2) as la_code, *
    from read_csv('{root}/cla/*/*/children.csv', filename = true, all_varchar = true)
), open_now as (
    select distinct e.year, e.la_code, e.child_id
    from episodes e join children c using (year, la_code, child_id)
    where e.legal_status not in ('V3', 'V4')
      and coalesce(e.episode_end_date, '') = ''
      and cast(e.episode_start_date as date) <= make_date(cast(left(e.year, 4) as int) + 1, 3, 31)
      and date_diff('year', cast(c.date_of_birth as date), make_date(cast(left(e.year, 4) as int) + 1, 3, 31))
          - case when strftime(make_date(cast(left(e.year, 4) as int) + 1, 3, 31), '%m%d')
                      < strftime(cast(c.date_of_birth as date), '%m%d') then 1 else 0 end < 18
)
select year, la_code, count(*) as n from open_now group by all order by all
"""


def _run(cmd: list[str], env: dict) -> tuple[float, int]:
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, cwd=REPO)
    elapsed = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib


def bench(scale: float, years: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="cssd-bench-") as tmp:
        data = Path(tmp) / "data"
        # synthetic returns from `cssd generate`: demo mode, the public demo key (docs/security.md)
        env = {**os.environ, "CSSD_DATA_DIR": str(data), "DO_NOT_TRACK": "1", "CSSD_DEMO": "1"}
        gen_s, _ = _run([str(CSSD), "generate", "--census", "cla", "--years", years, "--scale", str(scale)], env)
        build_s, build_peak = _run([str(CSSD), "build", "--census", "cla", "--years", years], env)
        rows = sum(1 for _ in (data / "landing").rglob("episodes.csv"))
        started = time.monotonic()
        con = duckdb.connect()
        plain = con.execute(PLAIN_SQL.format(root=data / "landing")).fetchall()
        plain_s = time.monotonic() - started
        ours = (
            duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
            .execute(
                "select year, area_code, cast(value as bigint) from publication.pub_cla1 "
                "where legal_status_group = 'total' and measure = 'count' and area_code <> 'W92000004' order by all"
            )
            .fetchall()
        )
        episodes = (
            duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
            .execute("select count(*) from raw.cla_episodes")
            .fetchall()[0][0]
        )
        agree = [(y, la, n) for y, la, n in plain] == [(y, la, n) for y, la, n in ours if n is not None]
        return {
            "scale": scale,
            "years": years,
            "episode_files": rows,
            "episodes": episodes,
            "generate_s": round(gen_s, 1),
            "pipeline_s": round(build_s, 1),
            "plain_duckdb_s": round(plain_s, 2),
            "ratio_pipeline_to_plain": round(build_s / max(plain_s, 1e-3), 1),
            "pipeline_peak_rss_mib": round(build_peak / 1024),
            "totals_agree": agree,
        }


def bench_validate(scale: float, la: str = "W06000015", year: str = "2025-26") -> dict:
    """Time `cssd validate` on one LA's return (the LA officer's check) at a given scale."""
    from orchestration.lib.synthetic import generate_cla
    from orchestration.lib.years import CollectionYear

    with tempfile.TemporaryDirectory(prefix="cssd-validate-") as tmp:
        landing = Path(tmp) / "landing"
        generate_cla(landing, [CollectionYear.parse(year)], seed=1, scale=scale, la_codes=[la])
        folder = landing / "cla" / year / la
        episodes = sum(1 for _ in (folder / "episodes.csv").open()) - 1
        env = {**os.environ, "DO_NOT_TRACK": "1"}
        started = time.monotonic()
        done = subprocess.run(
            [str(CSSD), "validate", str(folder), "--limit", "5"], env=env, capture_output=True, text=True, cwd=REPO
        )
        elapsed = time.monotonic() - started
        return {
            "scale": scale,
            "la": la,
            "year": year,
            "episodes": episodes,
            "validate_s": round(elapsed, 1),
            "exit_code": done.returncode,
            "summary": done.stdout.splitlines()[0] if done.stdout else done.stderr,
        }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="0.25,1")
    parser.add_argument("--years", default="2016-17:2025-26", help="LAC/CLA-era years (ISO dates)")
    parser.add_argument("--validate-scales", default="1,40", help="one LA's return: Wales size, England size")
    args = parser.parse_args()
    validations = [bench_validate(float(s)) for s in args.validate_scales.split(",") if s]
    print(f"{'validate scale':>14} {'episodes':>9} {'seconds':>8} exit")
    for v in validations:
        print(f"{v['scale']:>14} {v['episodes']:>9} {v['validate_s']:>8} {v['exit_code']}  {v['summary']}")
    results = [bench(float(s), args.years) for s in args.scales.split(",") if s]
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps({"pipeline": results, "validate": validations}, indent=1)
    )
    print(f"{'scale':>5} {'episodes':>9} {'pipeline s':>10} {'plain s':>8} {'ratio':>7} {'peak MiB':>8} agree")
    for r in results:
        print(
            f"{r['scale']:>5} {r['episodes']:>9} {r['pipeline_s']:>10} {r['plain_duckdb_s']:>8} "
            f"{r['ratio_pipeline_to_plain']:>7} {r['pipeline_peak_rss_mib']:>8} {r['totals_agree']}"
        )
    ok = all(r["totals_agree"] for r in results) and all(v["exit_code"] in (0, 1) for v in validations)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
