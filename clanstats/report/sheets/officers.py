"""The officers' decision sheets: Inactive (removal candidates) and Promotions."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from clanstats.report.data import ReportData
from clanstats.report.formats import STATUS_COLOURS, Formats, tenure_source_label
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    add_bars,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
)
from clanstats.report.queries import Member, PromotionRow

QUIET_STATUSES = ("quiet", "inactive")
HELD_BACK = "held back"


def write_inactive(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Inactive sheet: quiet and inactive members, removal candidates first."""
    sheet = start_sheet(
        workbook,
        formats,
        "Inactive",
        "Inactive members and removal candidates",
        f"Current members on {data.today:%Y-%m-%d} who are quiet or inactive (days without XP or "
        "a message, thresholds in rules.yaml) or removal candidates (removal rules), with the "
        "reason; candidates first, longest quiet first. Members on a leave of absence "
        "(rules.yaml `absences`) are not candidates until it ends. A player with alts "
        "(people.csv) is active while any account is, and a candidate only when every account "
        "is. Members with not enough history yet aren't listed.",
    )
    rows = [m for m in data.current_members if m.removal_candidate or m.status in QUIET_STATUSES]
    if not rows:
        note = "Nobody is quiet, inactive or up for removal."
        if not data.members:
            note = "No member data yet: run harvest (see the Summary's data freshness)."
        write_note(sheet, formats, FIRST_ROW, note)
        return
    rows.sort(key=lambda m: (not m.removal_candidate, -_quiet_days(m, data), m.display_name))
    gains = data.gains
    columns: list[Column[Member]] = [
        Column("Name", "text", lambda m: data.label(m.player_id), width=24),
        Column("Role", "text", lambda m: m.role),
        Column("Status", "status", lambda m: m.status, width=10),
        Column("Removal candidate", "text", lambda m: m.removal_candidate, width=10),
        Column("Reason", "wrap", lambda m: m.removal_reason or _away(m), width=50),
        Column("Days since active", "int", lambda m: _days_since(m, data), width=9),
        Column("Last active", "date", lambda m: m.last_active_on),
        Column("Last XP", "date", lambda m: m.last_xp_on),
        Column("Last message", "date", lambda m: m.last_message_on),
        Column("Joined", "date", lambda m: m.joined_on),
        Column("Tenure (days)", "int", lambda m: m.tenure_days, width=9),
        Column("Tenure from", "text", lambda m: tenure_source_label(m.tenure_source)),
        Column("XP 30d", "int", lambda m: gains.get(m.player_id, "xp", "30d")),
        Column("Messages 30d", "int", lambda m: gains.get(m.player_id, "messages", "30d")),
    ]
    # "Days since active" takes three lines.
    end = write_table(sheet, formats, FIRST_ROW, columns, rows, header_height=45)
    sheet.freeze_panes(FIRST_ROW + 1, 1)
    set_print_area(sheet, end - 1, len(columns) - 1, header_row=FIRST_ROW)
    fill, font = STATUS_COLOURS["inactive"]
    sheet.conditional_format(
        FIRST_ROW + 1,
        3,
        end - 1,
        3,
        {
            "type": "cell",
            "criteria": "==",
            "value": '"yes"',
            "format": formats.make(bg_color=fill, font_color=font, bold=True),
        },
    )


def write_promotions(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Promotions sheet: who is due for which rank and the rule met, then the rest."""
    sheet = start_sheet(
        workbook,
        formats,
        "Promotions",
        "Promotions",
        f"Current members on {data.today:%Y-%m-%d} against the rank ladder in rules.yaml: who is "
        "due for which rank and the rule they meet first, then who meets a rank's rules but is "
        "held back (inactive or a removal candidate) and why, then how ready the rest are for "
        "their next rank and what they still miss.",
    )
    members = {m.player_id: m for m in data.current_members}
    rows = [p for p in data.promotions if p.player_id in members]
    if not rows:
        write_note(sheet, formats, FIRST_ROW, _no_promotions(data))
        return
    rows.sort(
        key=lambda p: (_promotion_rank(p), -(p.readiness or 0.0), data.name(p.player_id).lower())
    )
    columns: list[Column[PromotionRow]] = [
        Column("Name", "text", lambda p: data.label(p.player_id), width=20),
        Column("Role now", "text", lambda p: p.current_role),
        Column("Due", "text", _due, width=10),
        Column("Promote to", "text", lambda p: p.eligible_rank if p.is_due else None),
        Column("Held back", "wrap", lambda p: p.held_back if not p.is_due else None, width=28),
        Column("Rule met", "wrap", lambda p: p.rule_met, width=36),
        Column("Next rank", "text", lambda p: p.next_rank),
        Column("Ready for next", "pct", lambda p: p.readiness, width=9),
        Column("", "bar", lambda p: p.readiness, width=8),  # its bar, beside the number
        Column("Still missing", "wrap", lambda p: p.missing, width=26),
        Column("Status", "status", lambda p: members[p.player_id].status),
        Column("Tenure (days)", "int", lambda p: members[p.player_id].tenure_days, width=9),
    ]
    end = write_table(sheet, formats, FIRST_ROW, columns, rows)
    sheet.freeze_panes(FIRST_ROW + 1, 1)
    set_print_area(sheet, end - 1, len(columns) - 1, header_row=FIRST_ROW)
    # Green for due, amber for held back: the two answers an officer acts on.
    for answer, status in (("yes", "active"), (HELD_BACK, "quiet")):
        fill, font = STATUS_COLOURS[status]
        sheet.conditional_format(
            FIRST_ROW + 1,
            2,
            end - 1,
            2,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{answer}"',
                "format": formats.make(bg_color=fill, font_color=font, bold=True),
            },
        )
    ready = [column.header for column in columns].index("Ready for next")
    add_bars(sheet, FIRST_ROW + 1, end - 1, ready + 1, scale=(0, 1))


def _no_promotions(data: ReportData) -> str:
    """Why the Promotions sheet is empty: no rank ladder, no member data, or no role on it."""
    if not data.ranks:
        return "No promotion data: add a rank ladder (`ranks:`) to rules.yaml and run transform."
    ladder = " > ".join(data.ranks)
    if not data.members:
        return f"No member data yet: run harvest (the rank ladder is set: {ladder})."
    return f"Nobody's role is on the rank ladder ({ladder})."


def _promotion_rank(promotion: PromotionRow) -> int:
    """Where a promotion row sorts: due first, then held back, then the rest."""
    if promotion.is_due:
        return 0
    return 1 if promotion.held_back else 2


def _due(promotion: PromotionRow) -> str:
    """The Due column: "yes", "held back" (rules met, not due: see Held back) or "no"."""
    if promotion.is_due:
        return "yes"
    return HELD_BACK if promotion.held_back else "no"


def _days_since(member: Member, data: ReportData) -> int | None:
    """Days since the member's last active day; None when they never were (no data)."""
    if member.last_active_on is None:
        return None
    return (data.today - member.last_active_on).days


def _quiet_days(member: Member, data: ReportData) -> int:
    """How long they have been quiet, for sorting: never active counts as longest."""
    days = _days_since(member, data)
    return days if days is not None else 1_000_000


def _away(member: Member) -> str | None:
    """ "away until 2027-01-14 (exams)" for a member on a leave of absence."""
    if member.away_until is None:
        return None
    why = f" ({member.away_reason})" if member.away_reason else ""
    return f"away until {member.away_until:%Y-%m-%d}{why}: not a removal candidate until then"
