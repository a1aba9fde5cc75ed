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
from weakref import WeakKeyDictionary

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.report.formats import (
    DATA_BAR,
    LIGHT_HIGH,
    LIGHT_LOW,
    NUMERIC_KINDS,
    Formats,
    status_label,
)

T = TypeVar("T")
MAX_CELL_TEXT = 32_767  # Excel's limit; longer text would make Excel "repair" the file
MIN_WIDTH, MAX_WIDTH = 6, 42
TITLE_ROW, EXPLANATION_ROW, FIRST_ROW = 0, 1, 3  # FIRST_ROW: where a sheet's content starts
ROW_HEIGHT = 15  # points: one line of 11-point Calibri
DEFAULT_COLUMN_PIXELS, PIXELS_PER_CHARACTER = 64, 7  # Excel's default column, Calibri 11
# Each sheet's explanation, so its print setup can wrap it across the printed width.
_explanations: WeakKeyDictionary[Worksheet, tuple[str, Any]] = WeakKeyDictionary()
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
    portrait: bool = False,
) -> Worksheet:
    """A new sheet with its title, its one-line explanation and its print setup.

    Every sheet prints one page wide (as many pages down as it needs), landscape unless it is a
    narrow list that reads larger and on fewer pages upright (`portrait`). A sheet whose table
    is wider than a page says in `print_area` which columns print.
    """
    sheet = workbook.add_worksheet(name)
    sheet.write_string(TITLE_ROW, 0, title, formats.title)
    sheet.write_string(EXPLANATION_ROW, 0, explanation, formats.explanation)
    _explanations[sheet] = (
        explanation,
        formats.explanation_wrapped,
    )
    sheet.set_row(TITLE_ROW, 21)
    if portrait:
        sheet.set_portrait()
    else:
        sheet.set_landscape()
    sheet.set_paper(9)  # A4; Letter printers scale it
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&L&8ClanStats &A&R&8Page &P of &N")
    return sheet


def set_print_area(
    sheet: Worksheet, last_row: int, last_col: int, *, header_row: int | None = None
) -> None:
    """Print rows from the title to `last_row` and columns A to `last_col`; a table's header
    row repeats at the top of every printed page.

    The explanation under the title wraps across the printed columns (one long line would be
    cut off at the print's right edge).
    """
    last_col = max(last_col, 0)
    sheet.print_area(TITLE_ROW, 0, max(last_row, EXPLANATION_ROW), last_col)
    if header_row is not None:
        sheet.repeat_rows(header_row)
    if last_col > 0 and sheet in _explanations:
        text, wrapped = _explanations[sheet]
        sheet.merge_range(EXPLANATION_ROW, 0, EXPLANATION_ROW, last_col, text, wrapped)
        pixels = columns_pixels(sheet, 0, last_col)
        lines = wrapped_lines(text, pixels / PIXELS_PER_CHARACTER)
        sheet.set_row(EXPLANATION_ROW, ROW_HEIGHT * lines)


def columns_pixels(sheet: Worksheet, first_col: int, last_col: int) -> float:
    """Columns first..last's width in pixels as set so far (XlsxWriter keeps it per column)."""
    infos = (sheet.col_info.get(col) for col in range(first_col, last_col + 1))
    return sum(
        info.width if info is not None and info.width is not None else DEFAULT_COLUMN_PIXELS
        for info in infos
    )


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
        # A header lines up with its column: text indented like the names, numbers right.
        sheet.write_string(top, left + offset, column.header, formats.header(column.kind))
    sheet.set_row(top, header_height)  # two lines: headers wrap rather than widen columns
    # Headers wrap, so a column need only fit the header's longest word.
    widths = [max(map(len, column.header.split() or [""])) + 2 for column in columns]
    for index, item in enumerate(items, start=top + 1):
        dim = muted(item) if muted else False
        lines = 1
        for offset, column in enumerate(columns):
            value, kind = column.value(item), column.kind_for(item)
            if kind == "wrap" and isinstance(value, str):
                lines = max(lines, wrapped_lines(value, column.width or MAX_WIDTH))
            if kind == "status" and not dim:
                cell_format = formats.status(str(value))
            else:
                cell_format = formats.cell(kind, muted=dim)
            if kind == "status":
                value = status_label(str(value))
            write_value(sheet, index, left + offset, value, cell_format)
            widths[offset] = max(widths[offset], _shown_width(value, kind))
        if lines > 1:
            # Spreadsheets don't grow a row for wrapped text on opening (LibreOffice, Excel
            # for a file it didn't write): the row is given its height here.
            sheet.set_row(index, ROW_HEIGHT * lines)
    if set_widths:
        for offset, column in enumerate(columns):
            width = column.width or min(max(widths[offset], MIN_WIDTH), MAX_WIDTH)
            sheet.set_column(left + offset, left + offset, width)
    if autofilter and items:
        sheet.autofilter(top, left, top + len(items), left + len(columns) - 1)
    return top + 1 + len(items)


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped at word breaks in a column `width` characters wide
    (less its indent: most letters are narrower than the digit that sets the width)."""
    room = max(8, int(width * 1.1) - 3)
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > room:
            lines, used = lines + 1, 0
        used = used + 1 + len(word) if used else len(word)
        while used > room:  # a word longer than the line breaks where it must
            lines, used = lines + 1, used - room
    return lines


def write_note(sheet: Worksheet, formats: Formats, row: int, text: str, col: int = 0) -> int:
    """Write the line saying why a table is empty; return the next free row."""
    sheet.write_string(row, col, text, formats.note)
    return row + 1


def write_section(sheet: Worksheet, formats: Formats, row: int, text: str, col: int = 0) -> int:
    """Write a heading above a table; return the row the table starts on."""
    sheet.write_string(row, col, text, formats.section)
    return row + 1


def add_bars(
    sheet: Worksheet, first: int, last: int, col: int, *, scale: tuple[float, float] | None = None
) -> None:
    """Data bars alone in a "bar" column (its numbers hidden) beside the column that shows the
    numbers: a bar never sits under a number."""
    add_data_bars(sheet, first, last, col, scale=scale, bar_only=True)


def add_light_scale(sheet: Worksheet, first: int, last: int, col: int) -> None:
    """A pale tint from white (the column's least) to light blue (its most) behind numbers that
    stay fully readable: the Bosses sheet's colouring, for measure columns."""
    add_colour_scale(sheet, first, last, col, col, min_color=LIGHT_LOW, max_color=LIGHT_HIGH)


def add_data_bars(
    sheet: Worksheet,
    first: int,
    last: int,
    col: int,
    *,
    scale: tuple[float, float] | None = None,
    bar_only: bool = False,
) -> None:
    """Solid data bars on one column's data rows (no-op for an empty table).

    `scale` (lowest, highest) fixes the bar's ends, for values with a scale of their own (a
    percent); without it the column's own smallest and largest values are the ends.
    `bar_only` hides the cell's number (see `add_bars`).
    """
    if last < first:
        return
    options = {
        "type": "data_bar",
        "bar_color": DATA_BAR,
        "bar_solid": True,
        "bar_only": bar_only,
    }
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
        shown = f"{value:,.0f}" if kind in ("int", "rank") else f"{value:,.1f}"
        return len(shown) + 1
    if kind in ("date", "month", "datetime"):
        return {"date": 12, "month": 10}.get(kind, 17)
    return len(str(value)) + 1
