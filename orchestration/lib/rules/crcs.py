"""The CRCS rule pack (placeholder while it is written)."""

CRCS_RULES: tuple = ()
