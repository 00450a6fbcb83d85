"""Plain Python for cssd: no Dagster imports here, every function unit-tested on its own."""
