"""Dagster objects (thin): partitions, ingest, transform, quality, outputs, schedules, sensors.

Dagster warns on every import that some parameters (``backfill_policy``) are still "beta": one
warning block per asset in `dagster dev`'s output (19 of them), news to nobody reading it. Silenced
here, before any definition is made, for every process that loads the definitions."""

import warnings

from dagster import BetaWarning

warnings.filterwarnings("ignore", category=BetaWarning)
