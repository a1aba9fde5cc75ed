"""Every colour and number format of the workbook, in one place."""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

# Number formats by the kind of value a column holds ("text" and "status" have none).
NUMBER_FORMATS: dict[str, str | None] = {
    "text": None,
    "wrap": None,  # text that wraps onto more lines in its column (a reason, a rule)
    "status": None,
    "flag": None,  # a short answer read down a column: yes, no, unknown
    "int": "#,##0",
    "dec1": "#,##0.0",
    "score": "0.0",
    "pct": "0%",
    # A whole percent written as the number itself (33 shows "33%"): nothing left to round up.
    "percent": '0"%"',
    "rank": "0",
    "date": "yyyy-mm-dd",
    "month": "mmm yyyy",  # a date standing for its calendar month ("Nov 2026")
    "datetime": "yyyy-mm-dd hh:mm",
    # A number drawn as a data bar only (see layout.add_bars): the number itself is hidden.
    "bar": ";;;",
}
NUMERIC_KINDS = frozenset({"int", "dec1", "score", "pct", "percent", "rank"})
# How a column's header lines up: like its values (text indented, numbers right).
HEADER_ALIGN: dict[str, dict[str, Any]] = {
    "text": {"align": "left", "indent": 1},
    "wrap": {"align": "left", "indent": 1},
    "status": {"align": "center"},
    "flag": {"align": "center"},
    "date": {"align": "center"},
    "month": {"align": "center"},
    "datetime": {"align": "center"},
    "rank": {"align": "center"},
    "bar": {},
    "group": {"align": "center"},  # a header over several columns, merged across them
    **{kind: {"align": "right"} for kind in ("int", "dec1", "score", "pct", "percent")},
}

FONT = "Calibri"
HEADER_FILL, HEADER_FONT = "#1F4E78", "#FFFFFF"
TITLE_FONT = "#1F4E78"
EXPLANATION_FONT = "#595959"
MUTED_FONT = "#808080"  # former members
TOTAL_FILL = "#F2F2F2"

# (fill, font) per member status; officers read red as "act on this". `unknown` (not watched
# long enough to tell) is a neutral slate: neither good nor bad, and not the grey of former members.
STATUS_COLOURS = {
    "active": ("#C6EFCE", "#006100"),
    "new": ("#DDEBF7", "#1F4E78"),
    "unknown": ("#E4E8EE", "#3B4A5E"),
    "quiet": ("#FFEB9C", "#9C5700"),
    "inactive": ("#FFC7CE", "#9C0006"),
    "left": ("#EDEDED", "#7F7F7F"),
}
# How a status reads in a cell where its key alone would mislead; the others read as themselves.
STATUS_LABELS = {"unknown": "not enough history yet"}
# Where a tenure counts from, as a cell reads it (member_status.tenure_source).
TENURE_SOURCE_LABELS = {"clan_sync": "in-game join", "wom_listed": "WOM listing"}
# (fill, font) per data-freshness state on the Summary.
FRESHNESS_COLOURS = {
    "fresh": ("#C6EFCE", "#006100"),
    "stale": ("#FF0000", "#FFFFFF"),
    "never": ("#FF0000", "#FFFFFF"),
    "not set up": ("#EDEDED", "#7F7F7F"),
}

# Conditional formats: low-to-high scales, data bars, the chat heatmap.
SCALE_LOW, SCALE_MID, SCALE_HIGH = "#F8696B", "#FFEB84", "#63BE7B"
HEAT_LOW, HEAT_HIGH = "#FFFFFF", "#E46C0A"
BOSS_LOW, BOSS_HIGH = "#FFFFFF", "#8EA9DB"
DATA_BAR = "#9DC3E6"
LIGHT_LOW, LIGHT_HIGH = "#FFFFFF", "#BDD7EE"  # a pale tint behind numbers (see add_light_scale)

# Chart series.
CHART_XP, CHART_MESSAGES, CHART_MEMBERS = "#2E75B6", "#ED7D31", "#70AD47"
CHART_EHP, CHART_EHB = "#70AD47", "#ED7D31"


def tenure_source_label(source: str | None) -> str | None:
    """Where a tenure counts from, as officers read it ("clan_sync" -> "in-game join")."""
    return TENURE_SOURCE_LABELS.get(source) if source is not None else None


def status_label(status: str) -> str:
    """A member status as officers read it ("unknown" -> "not enough history yet")."""
    return STATUS_LABELS.get(status, status)


class Formats:
    """The workbook's cell formats, made once each and shared by every sheet."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._made: dict[tuple[tuple[str, Any], ...], Format] = {}
        # `cell` runs for every cell of every sheet: its answers are kept by their arguments.
        self._cells: dict[tuple[str, bool, bool], Format] = {}

    def make(self, **properties: Any) -> Format:
        """A format with these XlsxWriter properties (the same object for the same properties)."""
        key = tuple(sorted({"font_name": FONT, **properties}.items()))
        if key not in self._made:
            self._made[key] = self._workbook.add_format(dict(key))
        return self._made[key]

    @property
    def title(self) -> Format:
        """A sheet's title in its first row."""
        return self.make(bold=True, font_size=14, font_color=TITLE_FONT)

    @property
    def explanation(self) -> Format:
        """The one line under the title saying what the sheet shows and for which period."""
        return self.make(italic=True, font_color=EXPLANATION_FONT)

    @property
    def explanation_wrapped(self) -> Format:
        """The explanation wrapped across the printed width (see layout.set_print_area)."""
        return self.make(italic=True, font_color=EXPLANATION_FONT, text_wrap=True, valign="top")

    @property
    def section(self) -> Format:
        """A heading above a table inside a sheet."""
        return self.make(bold=True, font_size=12, font_color=TITLE_FONT)

    def header(self, kind: str = "text", *, rotated: bool = False) -> Format:
        """A table's header cell, lined up like the column's values (see HEADER_ALIGN)."""
        extra = {"rotation": 90, "align": "center"} if rotated else HEADER_ALIGN.get(kind, {})
        return self.make(
            bold=True,
            font_color=HEADER_FONT,
            bg_color=HEADER_FILL,
            text_wrap=True,
            valign="bottom" if rotated else "top",
            border=1,
            border_color="#BFBFBF",
            **extra,
        )

    def cell(self, kind: str, *, muted: bool = False, bold: bool = False) -> Format:
        """A data cell holding a value of this kind (see NUMBER_FORMATS)."""
        key = (kind, muted, bold)
        if key not in self._cells:
            self._cells[key] = self._cell(kind, muted=muted, bold=bold)
        return self._cells[key]

    def _cell(self, kind: str, *, muted: bool, bold: bool) -> Format:
        properties: dict[str, Any] = {}
        number_format = NUMBER_FORMATS[kind]
        if number_format:
            properties["num_format"] = number_format
        if muted:
            properties.update(font_color=MUTED_FONT, italic=True)
        if bold:
            properties.update(bold=True, bg_color=TOTAL_FILL, top=1)
        if kind in ("date", "month", "datetime", "rank", "flag"):
            properties["align"] = "center"
        elif kind in ("text", "wrap"):
            # Indented (which needs an explicit left), like its header: keeps text off a
            # right-aligned number in the cell before.
            properties.update(align="left", indent=1)
        if kind == "wrap":
            properties["text_wrap"] = True
        # Rows with a wrapped cell grow taller: every cell then reads from the top line.
        properties["valign"] = "top"
        return self.make(**properties)

    def status(self, status: str, *, align: str = "center") -> Format:
        """A member status, coloured."""
        fill, font = STATUS_COLOURS.get(status, ("#FFFFFF", "#000000"))
        return self.make(bg_color=fill, font_color=font, align=align, indent=1, valign="top")

    def freshness(self, state: str) -> Format:
        """A source family's freshness flag, red when stale or never fetched."""
        fill, font = FRESHNESS_COLOURS[state]
        return self.make(bg_color=fill, font_color=font, bold=state != "fresh", align="center")

    @property
    def note(self) -> Format:
        """The line that says why a table is empty."""
        return self.make(italic=True, font_color=MUTED_FONT)

    @property
    def note_wrapped(self) -> Format:
        """A note wrapped across the cells merged for it."""
        return self.make(italic=True, font_color=MUTED_FONT, text_wrap=True, valign="top")
