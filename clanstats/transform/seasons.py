"""Season scores: each player's points in every season that has started, and their place.

points = sum over the season's weights of weight x the player's gain in that metric from the
season's first day to its last (or today, if sooner), inclusive, counting only days the player was
in the clan; the weight `competitions` is per WOM competition they took part in that started
within those days while they were in the clan. Only players with points above 0 get a row.
Places are standard competition ranking by points (1, 2, 2, 4): equal points share a place and
nothing breaks the tie.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import Player, SeasonScore
from clanstats.db.replace import replace_rows
from clanstats.rules import Rules, Season
from clanstats.transform.attendance import joined_competitions
from clanstats.transform.gains_query import DEFAULT_TIMEZONE, gains_in_clan, unknown_metrics
from clanstats.transform.stays import load_stays, members_on

COMPETITIONS = "competitions"  # a season weight per competition taken part in


def derive_season_scores(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = DEFAULT_TIMEZONE,
) -> dict[str, object]:
    """Replace the group's season scores with the points and places of every started season."""
    started = [season for season in rules.seasons if season.start <= today]
    places = {
        season.name: competition_places(
            season_points(session, group_id=group_id, season=season, today=today, timezone=timezone)
        )
        for season in started
    }
    rows = [
        {
            "group_id": group_id,
            "season": season.name,
            "player_id": player_id,
            "points": points,
            "place": place,
            "is_current": season.start <= today <= season.end,
        }
        for season in started
        for player_id, (points, place) in sorted(places[season.name].items())
    ]
    replace_rows(session, SeasonScore, rows, scope=SeasonScore.group_id == group_id)
    return _summary(session, group_id, today, started, places)


def season_points(
    session: Session, *, group_id: int, season: Season, today: date, timezone: ZoneInfo
) -> dict[int, float]:
    """Each player's points above 0 in a season, counted up to today."""
    gains: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    last = min(season.end, today)
    if COMPETITIONS in season.points:
        joined = joined_competitions(session, group_id, last, timezone)
        starts = sorted({j.starts_on for entries in joined.values() for j in entries})
        # Like a gain, a competition earns points only for someone in the clan when it started.
        members = members_on(load_stays(session, group_id), starts, timezone)
        for player_id, entries in joined.items():
            taken = sum(
                1
                for j in entries
                if season.start <= j.starts_on and player_id in members[j.starts_on]
            )
            if taken:
                gains[player_id][COMPETITIONS] = float(taken)
    for player_id, _, metric, gained in gains_in_clan(
        session,
        group_id=group_id,
        metrics=[m for m in season.points if m != COMPETITIONS],
        start=season.start,
        end=min(season.end, today),
        timezone=timezone,
    ):
        gains[player_id][metric] += gained
    points = {}
    for player_id, by_metric in gains.items():
        # Summed per metric in name order, then rounded: the same input always gives the same
        # float, and 0.1 + 0.2 doesn't split a tie.
        total = round(sum(season.points[m] * by_metric[m] for m in sorted(by_metric)), 6)
        if total > 0:
            points[player_id] = total
    return points


def competition_places(points: dict[int, float]) -> dict[int, tuple[float, int]]:
    """Player -> (points, place) in standard competition ranking: 1, 2, 2, 4."""
    ordered = sorted(points.values(), reverse=True)
    # The place of a score is 1 + how many scores beat it; the first index of it in `ordered`.
    place_of: dict[float, int] = {}
    for index, value in enumerate(ordered):
        place_of.setdefault(value, index + 1)
    return {player_id: (value, place_of[value]) for player_id, value in points.items()}


def _summary(
    session: Session,
    group_id: int,
    today: date,
    started: list[Season],
    places: dict[str, dict[int, tuple[float, int]]],
) -> dict[str, object]:
    """How many seasons were scored, and who leads the current one(s)."""
    names = {
        player_id: name
        for player_id, name in session.execute(
            select(Player.player_id, Player.display_name).where(Player.group_id == group_id)
        )
    }
    leaders = []
    for season in started:
        firsts = sorted(
            names.get(player_id, f"player {player_id}")
            for player_id, (_, place) in places[season.name].items()
            if place == 1
        )
        if firsts and season.end >= today:
            leaders.append(f"{season.name}: {', '.join(firsts)}")
    summary: dict[str, object] = {
        "seasons scored": len(started),
        "season scores": sum(len(board) for board in places.values()),
        "season leaders": "; ".join(leaders) or "none",
    }
    unknown = unknown_metrics(
        session, {m for season in started for m in season.points if m != COMPETITIONS}
    )
    if unknown:
        summary["season metrics never seen"] = ", ".join(unknown)
    return summary
