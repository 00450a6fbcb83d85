"""Run a Great Expectations suite (JSON under expectations/) on a pandas frame.

GX's SQL datasource does not work on DuckDB, so the gate queries the warehouse itself
and hands GX a frame. A suite that loads empty, or lacks an expectation type its meta
says it must have, fails the gate: a check that cannot fail is no check.
"""

import itertools
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.paths import EXPECTATIONS_DIR


class SuiteError(RuntimeError):
    """The suite itself is unusable (missing, empty, or without its required expectations)."""


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: all {self.evaluated} expectations met"
        lines = [f"{self.suite}: {len(self.failed)} of {self.evaluated} expectations failed"]
        lines += [f"  - {f['type']} {f['kwargs']}: {f['observed']}" for f in self.failed]
        return "\n".join(lines)


def load_suite_json(name: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    path = directory / f"{name}.json"
    if not path.exists():
        raise SuiteError(f"expectation suite {path} does not exist")
    data = json.loads(path.read_text(encoding="utf-8"))
    expectations = data.get("expectations") or []
    if not expectations:
        raise SuiteError(f"expectation suite {name} loaded empty: it would pass anything")
    present = {e["type"] for e in expectations}
    missing = [t for t in data.get("meta", {}).get("required_expectation_types", []) if t not in present]
    if missing:
        raise SuiteError(f"expectation suite {name} lacks required expectations: {', '.join(missing)}")
    return data


_CONTEXT = None
_RUNS = itertools.count()


def _context():
    """One ephemeral GX context per process: creating one costs seconds."""
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # quiet: GX sets some of its loggers to INFO itself (a line about a temporary docs folder
        # on every context); the suites' results are reported by the checks
        for name, logger in list(logging.root.manager.loggerDict.items()):
            if name.startswith("great_expectations") and isinstance(logger, logging.Logger):
                logger.setLevel(logging.ERROR)
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def run_suite(
    name: str, frame: pd.DataFrame, parameters: "dict | None" = None, directory: Path = EXPECTATIONS_DIR
) -> SuiteResult:
    data = load_suite_json(name, directory)
    from great_expectations.core import ExpectationSuite

    context = _context()
    run = f"{name}_{next(_RUNS)}"  # names are unique within the shared context
    suite = context.suites.add(ExpectationSuite(name=run, expectations=data["expectations"], meta=data.get("meta")))
    source = context.data_sources.add_pandas(f"{run}_source")
    asset = source.add_dataframe_asset(name=f"{run}_frame")
    batch_def = asset.add_batch_definition_whole_dataframe(f"{run}_batch")
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, expectation_parameters=parameters or {})
    failed = []
    for r in result.results:
        if not r.success:
            cfg = r.expectation_config
            observed = r.result.get("observed_value", r.result.get("partial_unexpected_list"))
            if r.exception_info and r.exception_info.get("raised_exception"):
                observed = f"error: {r.exception_info.get('exception_message')}"
            failed.append(
                {
                    "type": cfg.type,
                    "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
                    "observed": observed,
                }
            )
    return SuiteResult(data["name"], bool(result.success), len(result.results), failed)
