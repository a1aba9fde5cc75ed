"""Property tests: generated raw histories through the real transform, checked against issue 14.

Each example is a small group (1-4 players, up to ~40 days) written into its own migrated
SQLite file the way harvest writes it, transformed by `run_transform`, and read back. The
expected numbers come from `tests.history_builder`, which works them out from the generated
input by the contract's definitions and never calls transform code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from clanstats.rules import ActivityRules, Rules
from tests.databases import SqliteTemplate
from tests.history_builder import (
    CHAT_TOTALS,
    GAME_TOTALS,
    LADDER,
    METRICS,
    TOTAL_PARTS,
    WINDOWS,
    ExampleDatabase,
    Snap,
    Tables,
    World,
    away_days,
    clan_day,
    expected_removal,
    expected_source,
    expected_status,
    first_run_worlds,
    idle_days,
    observed_idle,
    one_member,
    rule_sets,
    run,
    standing,
    values,
    window_days,
    window_gain,
    worlds,
)

EXAMPLES = 30
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis folder left in the working tree
    report_multiple_bugs=False,  # shrink one failure per property: each shrink step is a run
    # No "explain" phase: it traces every line of SQLAlchemy and makes shrinking crawl.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROWS_OF_TOTALS = {"ehp", "ehb"}  # period_gains rows that are both a metric and a total
DETAIL_WINDOW = "30d"  # the one window period_gains holds metric by metric (its boss tables)
Transform = Callable[[World, Rules], Tables]


@pytest.fixture
def transformed(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Transform]:
    """`transformed(world, rules)`: a freshly migrated SQLite file per example, transformed."""
    folder = tmp_path_factory.mktemp("properties")
    template = folder / "template.db"
    sqlite_template.copy_to(template)
    database = ExampleDatabase(folder / "example.db", template)

    def make(world: World, rules: Rules) -> Tables:
        note(f"rules = {rules!r}")
        return run(world, database.fresh(), rules)

    yield make
    database.close()


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# 1 -------------------------------------------------------------------------------------------


# Overall is unknown (-1) in the middle snapshot: the 7-day gain is 150 - 100, not 0.
UNKNOWN_IN_BETWEEN = one_member(
    Snap(datetime(2026, 11, 10, 12), values(overall=100, ehp=2.0)),
    Snap(datetime(2026, 11, 16, 12), values(ehp=2.5)),
    Snap(datetime(2026, 11, 19, 12), values(overall=150, ehp=3.0)),
)


# Away from 10:00 to 11:00 on the 16th; clue scrolls unknown at the snapshot after coming back.
# The rise from 5 to 6 spans the absence: it is not credited, in any window.
UNKNOWN_ACROSS_AN_ABSENCE = one_member(
    Snap(datetime(2026, 11, 10, 12), values(overall=100, clue_scrolls_all=5)),
    Snap(datetime(2026, 11, 16, 12), values(overall=100)),
    Snap(datetime(2026, 11, 16, 13), values(overall=100, clue_scrolls_all=6)),
    moves=(datetime(2026, 11, 16, 10, 0, 30), datetime(2026, 11, 16, 11, 0, 30)),
)


@PROPERTY
@given(world=worlds(), rules=rule_sets())
@example(world=UNKNOWN_IN_BETWEEN, rules=Rules(ranks=LADDER))
@example(world=UNKNOWN_ACROSS_AN_ABSENCE, rules=Rules(ranks=LADDER))
def test_history_window_gain_is_end_minus_start_over_known_values(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for player in world.players:
        for period in WINDOWS:
            if expected_source(world, player, period) != "history":
                continue
            rows = tables.period_rows(player.player_id, period)
            if player.has_left and not rows:
                continue  # a former member's window may be left out; never a wrong number
            want = {m: window_gain(world, player, m, period) for m in METRICS}
            totals = {t: sum(want[m] for m in parts) for t, parts in TOTAL_PARTS.items()}
            where = f"player {player.player_id}, {period}"
            for total in GAME_TOTALS:
                assert total in rows, f"{where}: no {total} row"
                gained, source = rows[total]
                assert source == "history", f"{where}: {total} from {source}"
                assert close(gained, totals[total]), f"{where}: {total} {gained} != {totals[total]}"
            # ehp and ehb rows are also the totals of those names, checked above.
            per_metric = {
                m: g for m, (g, _) in rows.items() if m in METRICS and m not in ROWS_OF_TOTALS
            }
            want_rows = {
                m: g
                for m, g in want.items()
                if g and m not in ROWS_OF_TOTALS and period == DETAIL_WINDOW
            }
            assert per_metric.keys() == want_rows.keys(), f"{where}: {per_metric} != {want_rows}"
            for metric, gained in want_rows.items():
                assert close(per_metric[metric], gained), f"{where}: {metric}"


# 2 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=worlds(), rules=rule_sets())
def test_daily_activity_over_a_window_adds_up_to_the_window_gain(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for (player_id, period, metric), (gained, source) in tables.period_gains.items():
        if metric not in GAME_TOTALS or source not in ("history", "partial"):
            continue
        first, last = window_days(world, period)
        daily = sum(
            row[metric] or 0.0
            for (pid, day), row in tables.daily_activity.items()
            if pid == player_id and first <= day <= last
        )
        assert close(daily, gained), (
            f"player {player_id}, {period} ({source}): days add to {daily}, {metric} = {gained}"
        )


# 3 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=worlds(), rules=rule_sets())
def test_unknown_values_never_yield_a_gain(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for player in world.players:
        pid = player.player_id
        for metric in METRICS:
            known_days = {
                clan_day(s.taken_at, world.timezone)
                for s in player.snapshots
                if s.values[metric] is not None
            }
            gain_days = {day for (p, day, m) in tables.daily_gains if p == pid and m == metric}
            # A gain is credited to the day of a snapshot holding a known value, never of -1.
            assert gain_days <= known_days, f"player {pid} {metric}: gains on unknown-only days"
            if known_days:
                continue
            # Unknown at every snapshot: no daily gains and no period row.
            assert not gain_days
            if metric not in ROWS_OF_TOTALS:  # ehp and ehb rows are totals, checked below
                for p, period, m in tables.period_gains:
                    assert not (p == pid and m == metric), f"player {pid}: {metric} {period} row"
        # A total whose every part is unknown at every snapshot stays 0 everywhere.
        for total, parts in TOTAL_PARTS.items():
            if any(s.values[m] is not None for s in player.snapshots for m in parts):
                continue
            for (p, day), row in tables.daily_activity.items():
                assert p != pid or not row[total], f"player {pid} {total} on {day}"
            for (p, period, m), (gained, _) in tables.period_gains.items():
                assert p != pid or m != total or gained == 0, f"player {pid} {period} {total}"


# 4 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=worlds(), rules=rule_sets())
def test_nothing_is_credited_while_away_or_after_leaving(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for player in world.players:
        pid = player.player_id
        away = away_days(world, player)
        for p, day, metric in tables.daily_gains:
            assert p != pid or day not in away, f"player {pid} gained {metric} on {day} (away)"
        for (p, day), row in tables.daily_activity.items():
            if p != pid or day not in away:
                continue
            credited = {c: row[c] for c in (*GAME_TOTALS, *CHAT_TOTALS) if row[c]}
            assert not credited, f"player {pid} credited {credited} on {day} (away)"
        last = tables.status[pid]["last_active_on"]
        assert last not in away, f"player {pid} last active {last}, a day they were away"
        if player.left_at is not None:
            left_on = clan_day(player.left_at, world.timezone)
            assert last is None or last <= left_on, f"player {pid} active {last}, left {left_on}"


# 5 -------------------------------------------------------------------------------------------


# Overall rose yesterday, measured across an unknown (-1) snapshot: a game day, 1 day idle.
ROSE_YESTERDAY_AFTER_AN_UNKNOWN = one_member(
    Snap(datetime(2026, 10, 1, 12), values(overall=100)),
    Snap(datetime(2026, 11, 18, 12), values()),
    Snap(datetime(2026, 11, 19, 12), values(overall=150)),
)


@PROPERTY
@given(world=worlds(), rules=rule_sets())
@example(world=ROSE_YESTERDAY_AFTER_AN_UNKNOWN, rules=Rules(ranks=LADDER))
def test_recent_activity_is_never_inactive_nor_a_removal_candidate(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for player in world.players:
        if player.has_left:
            continue
        row = tables.status[player.player_id]
        active = standing(world, player).active_days

        def recent(n: int, active: set[date] = active) -> bool:
            return any(world.today - timedelta(days=n - 1) <= d <= world.today for d in active)

        where = f"player {player.player_id} (active days {sorted(active)})"
        if recent(rules.activity.inactive_after_days):
            assert row["status"] != "inactive", f"{where}: inactive"
        if recent(rules.removal.no_activity_days):
            assert not row["removal_candidate"], f"{where}: {row['removal_reason']}"


# The member's last rise was on 2026-11-13: idle exactly 7 days.
IDLE_SEVEN_DAYS = one_member(
    Snap(datetime(2026, 11, 12, 12), values(overall=100)),
    Snap(datetime(2026, 11, 13, 12), values(overall=150)),
)


@PROPERTY
@given(world=worlds())
@example(world=IDLE_SEVEN_DAYS)
def test_idle_exactly_quiet_after_days_is_quiet(transformed: Transform, world: World) -> None:
    # The first member idle a whole number of days with evidence of it (a game day or WOM's
    # lastChangedAt): the rules put quiet_after_days exactly there.
    candidates = [
        p
        for p in world.players
        if not p.has_left
        and 1 <= idle_days(world, p) < math.inf
        and observed_idle(world, p) == idle_days(world, p)
    ]
    if not candidates:
        return
    player = candidates[0]
    quiet = int(idle_days(world, player))
    rules = Rules(
        activity=ActivityRules(
            quiet_after_days=quiet, inactive_after_days=quiet + 30, new_member_days=0
        ),
        ranks=LADDER,
    )
    tables = transformed(world, rules)
    row = tables.status[player.player_id]
    assert row["status"] == "quiet", (
        f"player {player.player_id}: idle exactly {quiet} days "
        f"(last active {row['last_active_on']}) is {row['status']}"
    )


# 6 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=first_run_worlds(last_changed=False))
# In the clan since May; the one snapshot harvest stored on this first run is today's.
@example(world=one_member(Snap(datetime(2026, 11, 20, 6), values(overall=1000))))
def test_a_first_run_never_calls_anyone_inactive(transformed: Transform, world: World) -> None:
    tables = transformed(world, Rules(ranks=LADDER))
    for player in world.players:
        row = tables.status[player.player_id]
        where = f"player {player.player_id} (joined {row['joined_on']})"
        assert row["status"] in ("unknown", "new"), f"{where}: {row['status']}"
        assert not row["removal_candidate"], f"{where}: {row['removal_reason']}"


@PROPERTY
@given(world=first_run_worlds(last_changed=True))
def test_a_first_run_follows_wom_last_changed(transformed: Transform, world: World) -> None:
    rules = Rules(ranks=LADDER)
    tables = transformed(world, rules)
    for player in world.players:
        row = tables.status[player.player_id]
        changed_on = clan_day(player.last_changed_at, world.timezone)  # type: ignore[arg-type]
        where = f"player {player.player_id} (last changed {changed_on}, joined {row['joined_on']})"
        assert row["last_xp_on"] == changed_on, f"{where}: last_xp_on {row['last_xp_on']}"
        assert row["status"] == expected_status(world, player, rules), f"{where}: {row['status']}"
        assert row["removal_candidate"] == expected_removal(world, player, rules), where


# 7 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=worlds(), rules=rule_sets())
def test_totals_are_the_sum_of_their_parts(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    # period_gains: boss_kills is the bosses' rows, xp the overall row, ehb the ehb row.
    keys = {(pid, period) for pid, period, _ in tables.period_gains}
    for pid, period in keys:
        rows = tables.period_rows(pid, period)
        if "boss_kills" not in rows or period != DETAIL_WINDOW:
            continue  # the other windows hold the totals only (see the test above)
        for total, parts in TOTAL_PARTS.items():
            if total in parts:
                continue  # ehp and ehb: the metric and the total are one row
            part_sum = sum(rows[m][0] for m in parts if m in rows)
            assert close(rows[total][0], part_sum), f"player {pid} {period}: {total}"
    # daily_activity: each day's totals are that day's daily gains.
    by_day: dict[tuple[int, date], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (pid, day, metric), gained in tables.daily_gains.items():
        for total, parts in TOTAL_PARTS.items():
            if metric in parts:
                by_day[(pid, day)][total] += gained
    for key in by_day.keys() | tables.daily_activity.keys():
        row = tables.daily_activity.get(key)
        assert row is not None, f"daily gains without a daily_activity row: {key}"
        for total in GAME_TOTALS:
            assert close(row[total] or 0.0, by_day[key][total]), f"{key}: {total}"
    # clan_daily: each day's totals are its members' daily_activity.
    for day, clan in tables.clan_daily.items():
        for total in (*GAME_TOTALS, "messages"):
            members = sum(
                row[total] or 0 for (_, d), row in tables.daily_activity.items() if d == day
            )
            assert close(clan[total], members), f"clan {day}: {total} {clan[total]} != {members}"
    active_days = {day for (_, day) in tables.daily_activity if day <= world.today}
    assert active_days <= tables.clan_daily.keys(), "a day with activity has no clan_daily row"


# 8 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=st.one_of(worlds(), first_run_worlds(last_changed=False)), rules=rule_sets())
def test_no_data_is_no_row_and_gains_are_never_negative(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for (pid, period, metric), (gained, _) in tables.period_gains.items():
        assert gained >= 0, f"player {pid} {period}: {metric} = {gained}"
        if metric in METRICS and metric not in GAME_TOTALS:
            assert gained != 0, f"player {pid} {period}: a 0 row for {metric}"
    for player in world.players:
        for period in WINDOWS:
            game = {
                m: found
                for m, found in tables.period_rows(player.player_id, period).items()
                if m not in CHAT_TOTALS
            }
            source = expected_source(world, player, period)
            where = f"player {player.player_id} {period} ({len(player.snapshots)} snapshots)"
            if source is None:
                assert not game, f"{where}: no data, yet {game}"
            elif not player.has_left:
                assert set(GAME_TOTALS) <= game.keys(), f"{where}: {source} data, no totals"


# 9 -------------------------------------------------------------------------------------------


@PROPERTY
@given(world=worlds(), rules=rule_sets())
def test_inactive_members_and_removal_candidates_are_not_due(
    transformed: Transform, world: World, rules: Rules
) -> None:
    tables = transformed(world, rules)
    for player in world.players:
        if player.has_left:
            continue
        assert player.player_id in tables.promotions, f"player {player.player_id}: no row"
        status = tables.status[player.player_id]
        promotion = tables.promotions[player.player_id]
        where = f"player {player.player_id} ({status['status']}, {status['removal_reason']})"
        held = promotion.get("held_back")
        if status["status"] == "inactive" or status["removal_candidate"]:
            assert not promotion["is_due"], f"{where}: due"
            assert held, f"{where}: held_back says nothing"
            reasons = set()
            if status["status"] == "inactive":
                reasons.add("inactive")
            if status["removal_candidate"]:
                reasons.add("removal candidate")
            assert any(r in held for r in reasons), f"{where}: held_back {held!r}"
        else:
            # Everyone on "member" meets "sergeant": nothing else holds them back.
            assert promotion["is_due"], f"{where}: not due ({held!r})"
            assert not held, f"{where}: held back {held!r}"
