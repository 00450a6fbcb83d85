"""Synthetic census returns for demos and tests (plain Python, no Dagster)."""

from orchestration.lib.synthetic.cla import generate_cla, published_flows, published_stock, wales_targets

__all__ = ["generate_cla", "published_flows", "published_stock", "wales_targets"]
