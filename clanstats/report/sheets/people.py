"""The People sheet: each player with alts (people.csv), their accounts' gains and messages
added up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from xlsxwriter.workbook import Workbook

from clanstats.people import Person, most_active, order_key, total
from clanstats.report.data import ReportData
from clanstats.report.formats import Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
)

# (header, metric, period, kind): what each account gained, added up per player.
SUMS = (
    ("XP 7d", "xp", "7d", "int"),
    ("XP 30d", "xp", "30d", "int"),
    ("EHP 30d", "ehp", "30d", "dec1"),
    ("EHB 30d", "ehb", "30d", "dec1"),
    ("Boss kills 30d", "boss_kills", "30d", "int"),
    ("Messages 7d", "messages", "7d", "int"),
    ("Messages 30d", "messages", "30d", "int"),
)


@dataclass(frozen=True)
class PersonRow:
    """One player with alts, as the sheet shows them."""

    person: Person
    status: str
    last_active_on: date | None
    sums: dict[str, float | None]


def write_people(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the People sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "People",
        "Players with alts",
        f"Each player with alts in people.csv on {data.today:%Y-%m-%d}: their main, their alts, "
        "and their accounts' gains and messages added up (an account without data adds "
        "nothing; an empty cell: no account has data). Status: the most active of their "
        "accounts'. A player is active while any account is, a removal candidate only when "
        "every account is, and judged for promotion as one player unless rules.yaml says "
        "`promotions: {judge: account}`.",
    )
    rows = person_rows(data)
    if not rows:
        write_note(
            sheet,
            formats,
            FIRST_ROW,
            "No player has alts listed: write one line per alt (alt,main) in people.csv; "
            "see people.example.csv.",
        )
        return
    columns: list[Column[PersonRow]] = [
        Column("Player", "text", lambda r: data.name(r.person.main), width=20),
        Column("Alts", "wrap", lambda r: ", ".join(map(data.name, r.person.alts)), width=30),
        Column("Status", "status", lambda r: r.status, width=10),
        Column("Last active", "date", lambda r: r.last_active_on),
        *(_sum_column(header, kind) for header, _, _, kind in SUMS),
    ]
    # "Boss kills 30d" takes three lines.
    end = write_table(sheet, formats, FIRST_ROW, columns, rows, header_height=45)
    sheet.freeze_panes(FIRST_ROW + 1, 1)
    set_print_area(sheet, end - 1, len(columns) - 1, header_row=FIRST_ROW)


def _sum_column(header: str, kind: str) -> Column[PersonRow]:
    return Column(header, kind, lambda r: r.sums[header])


def person_rows(data: ReportData) -> list[PersonRow]:
    """The players with alts, most active first, then by 30-day XP (most first) and name."""
    members = {m.player_id: m for m in data.current_members}
    rows = []
    for person in data.people:
        accounts = [members[pid] for pid in person.accounts if pid in members]
        rows.append(
            PersonRow(
                person=person,
                status=most_active(m.status for m in accounts),
                last_active_on=max(
                    (m.last_active_on for m in accounts if m.last_active_on), default=None
                ),
                sums={
                    header: total(data.gains.get(m.player_id, metric, period) for m in accounts)
                    for header, metric, period, _ in SUMS
                },
            )
        )
    rows.sort(key=lambda r: order_key(r.status, r.sums["XP 30d"], data.name(r.person.main)))
    return rows
