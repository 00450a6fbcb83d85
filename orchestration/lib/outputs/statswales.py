"""StatsWales long fact tables: one row per published cell (publication.md, Files).

Columns: year, area_code, <the table's dimension columns>, measure, value, note_codes.
``value`` is text: a whole number for counts, one decimal for rates, percentages and
medians, empty when note_codes holds [c], [x] or [z].
"""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pandas as pd

from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic

COUNT_MEASURES = frozenset({"count", "crcs_count", "cla_count", "difference"})
EMPTY_VALUE_NOTES = ("[c]", "[x]", "[z]")


def format_value(measure: str, value: object, note_codes: str) -> str:
    if any(n in (note_codes or "") for n in EMPTY_VALUE_NOTES) or value is None or pd.isna(value):
        return ""
    d = Decimal(str(value))
    if measure in COUNT_MEASURES:
        if d != d.to_integral_value():
            raise ValueError(f"count {value} is not a whole number")
        return str(int(d))
    return f"{d.quantize(Decimal('0.1'))}"


def to_long_csv(frame: pd.DataFrame, dimension_columns: list[str]) -> bytes:
    columns = ["year", "area_code", *dimension_columns, "measure", "value", "note_codes"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for rec in frame.to_dict("records"):
        notes = rec.get("note_codes") or ""
        row = [
            rec["year"],
            rec["area_code"],
            *(rec[c] for c in dimension_columns),
            rec["measure"],
            format_value(rec["measure"], rec["value"], notes),
            notes,
        ]
        w.writerow([neutralise(str(c)) for c in row])
    return buf.getvalue().encode("utf-8")


def write_long_csv(path: Path, frame: pd.DataFrame, dimension_columns: list[str]) -> int:
    data = to_long_csv(frame, dimension_columns)
    write_bytes_atomic(path, data)
    return len(frame)
