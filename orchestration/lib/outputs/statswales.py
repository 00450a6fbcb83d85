"""StatsWales long fact tables: one row per published cell (publication.md, Files; statswales.md).

Columns: year, area_code, <the table's dimension columns>, measure, value, note_codes.
``value`` is text: a whole number for counts, one decimal for rates, percentages and
medians, empty when the cell is hidden ([c], [x] or [z]).

Inside cssd a cell's note codes are written the GSS way, ``[c] [p]`` (the workbook and the page show
them so). The StatsWales files write them as StatsWales accepts them (``src/enums/note-code.ts``,
``fact-table-validator.ts`` of the platform): bare, lower case, comma-separated without spaces, in
the fixed order of :data:`BARE_ORDER` (``c,p``), and ``t`` on every total row (a dimension key
``total``). :func:`to_long_csv` writes that form and :func:`read_long_csv` reads either form back
into the internal one, so a file written before the change still reads.
"""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd

from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic

COUNT_MEASURES = frozenset({"count", "crcs_count", "cla_count", "difference"})
EMPTY_VALUE_NOTES = ("[c]", "[x]", "[z]")
# The order codes are written in: hidden-cell codes first (confidential, not available, not
# applicable), then the status of a figure (provisional, revised), then total. The spec's own order.
BARE_ORDER = ("c", "x", "z", "p", "r", "t")
TOTAL_KEY = "total"
_CODE = re.compile(r"\[([a-z]+)\]|([a-z]+)")


def format_value(measure: str, value: object, note_codes: str) -> str:
    if any(n in (note_codes or "") for n in EMPTY_VALUE_NOTES) or value is None or pd.isna(value):
        return ""
    d = Decimal(str(value))
    if measure in COUNT_MEASURES:
        if d != d.to_integral_value():
            raise ValueError(f"count {value} is not a whole number")
        return str(int(d))
    return f"{d.quantize(Decimal('0.1'))}"


def codes_of(text: object) -> list[str]:
    """The codes in a note-codes text of either form ('[c] [p]' or 'c,p'), bare, as written."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [a or b for a, b in _CODE.findall(str(text))]


def bare_notes(internal: object, total_row: bool = False) -> str:
    """'[c] [p]' -> 'c,p' (and 't' on a total row), in :data:`BARE_ORDER`."""
    present = set(codes_of(internal))
    if total_row:
        present.add("t")
    unknown = present - set(BARE_ORDER)
    if unknown:
        raise ValueError(f"note codes {sorted(unknown)} are not ones cssd writes ({', '.join(BARE_ORDER)})")
    return ",".join(c for c in BARE_ORDER if c in present)


def bracketed_notes(text: object) -> str:
    """'c,p,t' (or '[c] [p]') -> '[c] [p]': the internal, GSS form ('t' is said by the row's key)."""
    present = set(codes_of(text)) - {"t"}
    return " ".join(f"[{c}]" for c in BARE_ORDER if c in present)


def to_long_csv(frame: pd.DataFrame, dimension_columns: list[str]) -> bytes:
    columns = ["year", "area_code", *dimension_columns, "measure", "value", "note_codes"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for rec in frame.to_dict("records"):
        notes = rec.get("note_codes") or ""
        keys = [rec[c] for c in dimension_columns]
        row = [
            rec["year"],
            rec["area_code"],
            *keys,
            rec["measure"],
            format_value(rec["measure"], rec["value"], notes),
            bare_notes(notes, total_row=TOTAL_KEY in keys),
        ]
        w.writerow([neutralise(str(c)) for c in row])
    return buf.getvalue().encode("utf-8")


def read_long_csv(path: Path) -> pd.DataFrame:
    """A published long CSV as text (empty cells stay ''), its note codes in the internal form."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "note_codes" in frame.columns:
        frame["note_codes"] = frame["note_codes"].map(bracketed_notes)
    return frame


def write_long_csv(path: Path, frame: pd.DataFrame, dimension_columns: list[str]) -> int:
    data = to_long_csv(frame, dimension_columns)
    write_bytes_atomic(path, data)
    return len(frame)
