"""Wise Old Man API v2 JSON shapes built from the simulated clan's state (JSON-ready dicts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.clock import iso_ms
from simulator.events import Achieved, AchievementDef, Competition, Delta, Standing
from simulator.progression import Frame, Layout
from simulator.roster import ROLE_LADDER, MemberEvent, NameChange, Roster

Json = dict[str, Any]

_MEMBERS_CSV_HEADER = "Player,Role,Experience,Last progressed,Last updated,Joined at (Client Sync)"


@dataclass(frozen=True)
class Rows:
    """Frame rows as plain Python lists, ready to become JSON."""

    values: list[list[Any]]
    ranks: list[list[int]]
    levels: list[list[int]]
    efficiency: list[list[float]]

    @classmethod
    def of(cls, layout: Layout, frame: Frame) -> Rows:
        """Convert a frame: integers for xp/kills/score, floats for computed values."""
        return cls(
            values=json_values(layout, frame.values),
            ranks=frame.ranks.tolist(),
            levels=frame.levels.tolist(),
            efficiency=frame.efficiency.tolist(),
        )


def json_values(layout: Layout, values: np.ndarray) -> list[list[Any]]:
    """Return values as lists: ints, except floats (5 decimals) for computed metrics."""
    rows: list[list[Any]] = values.astype(np.int64).tolist()
    computed = np.round(values[:, layout.computed_cols], 5).tolist()
    for row, floats in zip(rows, computed, strict=True):
        row[layout.computed_cols] = floats
    return rows


def _span(columns: slice) -> range:
    """Return the column numbers of a layout slice."""
    return range(columns.start, columns.stop)


def snapshot_data(layout: Layout, rows: Rows, row: int) -> Json:
    """Return a Snapshot's `data` object for one frame row."""
    metrics = layout.metrics
    values, ranks = rows.values[row], rows.ranks[row]
    levels, efficiency = rows.levels[row], rows.efficiency[row]
    skill_cols, boss_cols = _span(layout.skills), _span(layout.boss_cols)
    activity_cols, computed_cols = _span(layout.activity_cols), _span(layout.computed_cols)
    return {
        "skills": {
            metrics[c]: {
                "metric": metrics[c],
                "rank": ranks[c],
                "level": levels[c],
                "experience": values[c],
                "ehp": efficiency[c],
            }
            for c in skill_cols
        },
        "bosses": {
            metrics[c]: {
                "metric": metrics[c],
                "rank": ranks[c],
                "kills": values[c],
                "ehb": efficiency[c],
            }
            for c in boss_cols
        },
        "activities": {
            metrics[c]: {"metric": metrics[c], "rank": ranks[c], "score": values[c]}
            for c in activity_cols
        },
        "computed": {
            metrics[c]: {"metric": metrics[c], "rank": ranks[c], "value": values[c]}
            for c in computed_cols
        },
    }


def hiscores_item(kind: str, rank: int, level: int, value: Any) -> Json:
    """Return the `data` of one group hiscores entry."""
    if kind == "skill":
        return {"type": "skill", "rank": rank, "level": level, "experience": value}
    if kind == "boss":
        return {"type": "boss", "rank": rank, "kills": value}
    if kind == "activity":
        return {"type": "activity", "rank": rank, "score": value}
    return {"type": "computed", "rank": rank, "value": value}


def player(
    *,
    roster: Roster,
    layout: Layout,
    index: int,
    now_ms: int,
    rows: Rows | None,
    row: int,
    frame: Frame,
    updated_ms: int | None,
    changed_ms: int | None,
) -> Json:
    """Return a Player object from the player's latest snapshot row (zeros without one)."""
    name = roster.name_at(index, now_ms)
    exp: int = 0
    ehp = ehb = ttm = tt200m = 0.0
    if rows is not None:
        computed = layout.computed_cols.start
        exp, ehp, ehb = (
            rows.values[row][0],
            rows.values[row][computed],
            rows.values[row][computed + 1],
        )
        ttm, tt200m = float(frame.ttm[row]), float(frame.tt200m[row])
    return {
        "id": int(roster.ids[index]),
        "username": name.lower(),
        "displayName": name,
        "type": roster.types[index],
        "build": roster.builds[index],
        "status": "active",
        "country": roster.countries[index],
        "patron": False,
        "exp": exp,
        "ehp": ehp,
        "ehb": ehb,
        "ttm": ttm,
        "tt200m": tt200m,
        "registeredAt": iso_ms(int(roster.registered_ms[index])),
        "updatedAt": iso_ms(updated_ms) if updated_ms is not None else None,
        "lastChangedAt": _last_changed(roster, index, changed_ms),
        "lastImportedAt": None,
    }


def _last_changed(roster: Roster, index: int, changed_ms: int | None) -> str | None:
    """Return lastChangedAt: null when unknown, as WOM serves it for some players."""
    if changed_ms is None or index in roster.unknown_changed:
        return None
    return iso_ms(changed_ms)


def player_details(player_json: Json, combat_level: int, latest: Json | None) -> Json:
    """Return PlayerDetails: a Player with its combat level and latest Snapshot."""
    return {
        **player_json,
        "combatLevel": combat_level,
        "archive": None,
        "annotations": [],
        "latestSnapshot": latest,
    }


def snapshot(*, player_id: int, created_ms: int, data: Json) -> Json:
    """Return a player's Snapshot taken at `created_ms`.

    WOM's SnapshotResponse has no `id` (its formatter picks playerId, createdAt and importedAt):
    a snapshot is told apart by its player and time.
    """
    return {
        "playerId": player_id,
        "createdAt": iso_ms(created_ms),
        "importedAt": None,
        "data": data,
    }


def timeline_point(value: Any, rank: int, created_ms: int) -> Json:
    """Return one point of a player's metric timeline."""
    return {"value": value, "rank": rank, "date": iso_ms(created_ms)}


def group_item(
    *, group_id: int, name: str, created_ms: int, updated_ms: int, member_count: int
) -> Json:
    """Return the group's own fields plus memberCount."""
    return {
        "id": group_id,
        "name": name,
        "clanChat": name[:12],
        "description": f"{name}: a simulated OSRS clan for ClanStats."[:100],
        "homeworld": 302,
        "verified": True,
        "patron": False,
        "visible": True,
        "profileImage": None,
        "bannerImage": None,
        "score": 0,
        "createdAt": iso_ms(created_ms),
        "updatedAt": iso_ms(updated_ms),
        "memberCount": member_count,
    }


def group_details(group: Json, group_id: int, memberships: list[Json]) -> Json:
    """Return GroupDetails: the group, its links, memberships and role order."""
    return {
        **group,
        "socialLinks": {
            "website": None,
            "discord": "https://discord.gg/ironsim",
            "twitter": None,
            "youtube": None,
            "twitch": None,
        },
        "memberships": memberships,
        "roleOrders": [
            {"groupId": group_id, "role": role, "index": index}
            for index, role in enumerate(ROLE_LADDER)
        ],
    }


def membership(
    *, roster: Roster, index: int, group_id: int, now_ms: int, player_json: Json
) -> Json:
    """Return one membership with its player."""
    changes = [since for since, _ in roster.roles[index] if since <= now_ms]
    synced = roster.client_sync_at(index, now_ms)
    # WOM recreates a membership when a player rejoins: createdAt is this stay's start.
    return {
        "playerId": int(roster.ids[index]),
        "groupId": group_id,
        "role": roster.role_at(index, now_ms),
        "clientSyncJoinedAt": iso_ms(synced) if synced is not None else None,
        "createdAt": iso_ms(roster.stay_start_ms(index, now_ms)),
        "updatedAt": iso_ms(max(changes)),
        "player": player_json,
    }


def members_csv(members: Iterable[tuple[Json, str, int | None]]) -> str:
    """Return WOM's members CSV export from (Player, role, client-sync join moment) per member."""
    lines = [_MEMBERS_CSV_HEADER]
    for player_json, role, synced in members:
        lines.append(
            ",".join(
                [
                    player_json["displayName"],
                    role,
                    str(player_json["exp"]),
                    player_json["lastChangedAt"] or "",
                    player_json["updatedAt"] or "",
                    iso_ms(synced) if synced is not None else "",
                ]
            )
        )
    return "\n".join(lines)


def member_activity(event: MemberEvent, group_id: int, player_id: int, player_json: Json) -> Json:
    """Return one group activity entry: a joined, left or changed_role event."""
    return {
        "groupId": group_id,
        "playerId": player_id,
        "type": event.kind,
        "role": event.role,
        "previousRole": event.previous_role,
        "createdAt": iso_ms(event.at_ms),
        "player": player_json,
    }


def name_change(change: NameChange, player_id: int, player_json: Json) -> Json:
    """Return an approved NameChange with its player."""
    return {
        "id": change.change_id,
        "playerId": player_id,
        "oldName": change.old,
        "newName": change.new,
        "status": "approved",
        "reviewContext": None,
        "resolvedAt": iso_ms(change.resolved_ms),
        "createdAt": iso_ms(change.created_ms),
        "updatedAt": iso_ms(change.resolved_ms),
        "player": player_json,
    }


def achievement(
    definition: AchievementDef, achieved: Achieved, player_id: int, player_json: Json
) -> Json:
    """Return an Achievement with its player."""
    return {
        "playerId": player_id,
        "name": definition.name,
        "metric": definition.metric,
        "threshold": definition.threshold,
        "accuracy": achieved.accuracy,
        "createdAt": iso_ms(achieved.created_ms),
        "measure": definition.measure,
        "legacy": False,
        "player": player_json,
    }


def competition(comp: Competition, group_id: int, participant_count: int, group: Json) -> Json:
    """Return a Competition with a copy of its group."""
    return {
        "id": comp.comp_id,
        "title": comp.title,
        "metric": comp.metric,
        "type": comp.kind,
        "startsAt": iso_ms(comp.starts_ms),
        "endsAt": iso_ms(comp.ends_ms),
        "groupId": group_id,
        "score": 0,
        "visible": True,
        "createdAt": iso_ms(comp.created_ms),
        "updatedAt": iso_ms(comp.created_ms),
        "participantCount": participant_count,
        # CompetitionResponse.metrics: one {weight, metric, createdAt} per metric competed in.
        "metrics": [{"weight": 1, "metric": comp.metric, "createdAt": iso_ms(comp.created_ms)}],
        "group": dict(group),
    }


def competition_details(competition_json: Json, participations: list[Json]) -> Json:
    """Return CompetitionDetails: a Competition with its participations, most gained first."""
    return {**competition_json, "participations": participations}


def participation(
    *, standing: Standing, competition_id: int, metric: str, player_id: int, player_json: Json
) -> Json:
    """Return one participation with its player and progress in the competition's metric."""
    values, levels = _metric_delta(standing.values), _metric_delta(standing.levels)
    return {
        "playerId": player_id,
        "competitionId": competition_id,
        "teamName": standing.entrant.team,
        "createdAt": iso_ms(standing.entrant.joined_ms),
        "updatedAt": iso_ms(standing.updated_ms),
        "player": player_json,
        # One delta per competition metric (a "total" first only with several metrics).
        "deltas": [{"metric": metric, "values": values, "levels": dict(levels)}],
        # WOM keeps these for older clients: the delta it sorts by, again.
        "progress": dict(values),
        "levels": dict(levels),
    }


def _metric_delta(delta: Delta) -> Json:
    """Return a MetricDelta: whole numbers as integers, as WOM writes kills and experience."""
    return {
        "gained": _number(delta.gained),
        "start": _number(delta.start),
        "end": _number(delta.end),
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
