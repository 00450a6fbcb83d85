"""Synthetic census returns for demos and tests (plain Python, no Dagster)."""

from orchestration.lib.synthetic.cla import generate_cla, published_flows, published_stock, wales_targets
from orchestration.lib.synthetic.crcs import generate_crcs

__all__ = ["generate_cla", "generate_crcs", "published_flows", "published_stock", "wales_targets"]
