"""Dagster objects, thin: each module wraps lib/ functions for the asset graph."""
