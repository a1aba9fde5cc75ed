"""Writing cells and tables safely: names are always text, "no data" is always an empty cell.

Every string goes through `write_string`, so a name like `=HYPERLINK(...)`, `+1`, `-2` or
`@SUM(A1)` is stored as text whatever the workbook options say (they are off too: belt and
braces). Numbers, dates and blanks carry their column's format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Generic, TypeVar

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.report.formats import DATA_BAR, NUMERIC_KINDS, Formats, status_label

T = TypeVar("T")
MAX_CELL_TEXT = 32_767  # Excel's limit; longer text would make Excel "repair" the file
MIN_WIDTH, MAX_WIDTH = 6, 42
TITLE_ROW, EXPLANATION_ROW, FIRST_ROW = 0, 1, 3  # FIRST_ROW: where a sheet's content starts
# The game measures every sheet shows: (period_gains metric, header label, value kind).
GAME_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("xp", "XP", "int"),
    ("ehp", "EHP", "dec1"),
    ("ehb", "EHB", "dec1"),
    ("boss_kills", "Boss kills", "int"),
)


@dataclass(frozen=True)
class Column(Generic[T]):
    """A table column: its header, the kind of value (see formats.NUMBER_FORMATS) and getter."""

    header: str
    kind: str
    value: Callable[[T], Any]
    width: float | None = None  # None: fitted to the header and values
    kind_of: Callable[[T], str] | None = None  # a row's own kind, where rows mix kinds

    def kind_for(self, item: T) -> str:
        """The kind of this row's value."""
        return self.kind_of(item) if self.kind_of else self.kind


def start_sheet(
    workbook: Workbook,
    formats: Formats,
    name: str,
    title: str,
    explanation: str,
    *,
    pages_wide: int = 1,
) -> Worksheet:
    """A new sheet with its title, its one-line explanation and a landscape print setup.

    The print fits `pages_wide` pages across (0: no fitting, for very wide sheets).
    """
    sheet = workbook.add_worksheet(name)
    sheet.write_string(TITLE_ROW, 0, title, formats.title)
    sheet.write_string(EXPLANATION_ROW, 0, explanation, formats.explanation)
    sheet.set_row(TITLE_ROW, 21)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4; Letter printers scale it
    if pages_wide:
        sheet.fit_to_pages(pages_wide, 0)
    if pages_wide != 1:
        sheet.repeat_columns(0)  # the name column on every printed page
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&L&8ClanStats &A&R&8Page &P of &N")
    return sheet


def write_value(sheet: Worksheet, row: int, col: int, value: Any, cell_format: Any) -> None:
    """Write one value with its own type: text as text, None as an empty (formatted) cell."""
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, str):
        sheet.write_string(row, col, value[:MAX_CELL_TEXT], cell_format)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", cell_format)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, cell_format)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime.combine(value, time()), cell_format)
    elif isinstance(value, int):
        sheet.write_number(row, col, value, cell_format)
    elif isinstance(value, float):
        # Sums of EHP and EHB carry float noise (10.524820000000005): not worth showing.
        sheet.write_number(row, col, round(value, 6), cell_format)
    else:
        raise TypeError(f"no cell type for {type(value).__name__}")


def write_table(
    sheet: Worksheet,
    formats: Formats,
    top: int,
    columns: Sequence[Column[T]],
    items: Sequence[T],
    *,
    left: int = 0,
    muted: Callable[[T], bool] | None = None,
    autofilter: bool = True,
    set_widths: bool = True,
    header_height: float = 30,
) -> int:
    """Write a header row and one row per item from (top, left); return the next free row."""
    for offset, column in enumerate(columns):
        sheet.write_string(top, left + offset, column.header, formats.header())
    sheet.set_row(top, header_height)  # two lines: headers wrap rather than widen columns
    # Headers wrap, so a column need only fit the header's longest word.
    widths = [max(map(len, column.header.split() or [""])) + 2 for column in columns]
    for index, item in enumerate(items, start=top + 1):
        dim = muted(item) if muted else False
        for offset, column in enumerate(columns):
            value, kind = column.value(item), column.kind_for(item)
            if kind == "status" and not dim:
                cell_format = formats.status(str(value))
            else:
                cell_format = formats.cell(kind, muted=dim)
            if kind == "status":
                value = status_label(str(value))
            write_value(sheet, index, left + offset, value, cell_format)
            widths[offset] = max(widths[offset], _shown_width(value, kind))
    if set_widths:
        for offset, column in enumerate(columns):
            width = column.width or min(max(widths[offset], MIN_WIDTH), MAX_WIDTH)
            sheet.set_column(left + offset, left + offset, width)
    if autofilter and items:
        sheet.autofilter(top, left, top + len(items), left + len(columns) - 1)
    return top + 1 + len(items)


def write_note(sheet: Worksheet, formats: Formats, row: int, text: str, col: int = 0) -> int:
    """Write the line saying why a table is empty; return the next free row."""
    sheet.write_string(row, col, text, formats.note)
    return row + 1


def write_section(sheet: Worksheet, formats: Formats, row: int, text: str, col: int = 0) -> int:
    """Write a heading above a table; return the row the table starts on."""
    sheet.write_string(row, col, text, formats.section)
    return row + 1


def add_data_bars(
    sheet: Worksheet,
    first: int,
    last: int,
    col: int,
    *,
    scale: tuple[float, float] | None = None,
) -> None:
    """Solid data bars on one column's data rows (no-op for an empty table).

    `scale` (lowest, highest) fixes the bar's ends, for values with a scale of their own (a
    percent); without it the column's own smallest and largest values are the ends.
    """
    if last < first:
        return
    options = {"type": "data_bar", "bar_color": DATA_BAR, "bar_solid": True}
    if scale is not None:
        low, high = scale
        options |= {"min_type": "num", "min_value": low, "max_type": "num", "max_value": high}
    sheet.conditional_format(first, col, last, col, options)


def add_colour_scale(
    sheet: Worksheet, first: int, last: int, first_col: int, last_col: int, **options: Any
) -> None:
    """A 2- or 3-colour scale over a block (min_color, [mid_color,] max_color, types, values)."""
    if last >= first:
        kind = "3_color_scale" if "mid_color" in options else "2_color_scale"
        sheet.conditional_format(first, first_col, last, last_col, {"type": kind, **options})


def metric_label(metric: str) -> str:
    """A WOM metric name as officers say it: chambers_of_xeric -> Chambers of Xeric."""
    small = {"of", "the", "and", "a"}
    words = metric.replace("_", " ").split()
    return " ".join(w if (i and w in small) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _shown_width(value: Any, kind: str) -> int:
    """Roughly how many characters the value takes on screen."""
    if value is None:
        return 0
    if kind in NUMERIC_KINDS and isinstance(value, int | float):
        return len(f"{value:,.1f}") + 1
    if kind in ("date", "datetime"):
        return 12 if kind == "date" else 17
    return len(str(value)) + 1
