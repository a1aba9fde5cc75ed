"""Transform core: daily gains, daily activity, period gains and clan days, worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clanstats.chat.snowflakes import snowflake_at
from clanstats.db.engine import make_engine
from clanstats.db.models import (
    ChannelCount,
    ChatHeatmap,
    ClanDaily,
    DailyActivity,
    DailyGain,
    DiscordMessage,
    DiscordUser,
    GainWindow,
    Membership,
    MembershipEvent,
    Metric,
    PeriodGain,
    Player,
    WindowGain,
    WomGroup,
)
from clanstats.harvest.snapshots import SnapshotWriter
from clanstats.rules import CustomPeriod, Rules
from clanstats.transform.identity_file import ManualLink
from clanstats.transform.stage import run_transform
from clanstats.wom.shapes import DecodedSnapshot
from tests.databases import DatabaseFactory

GROUP = 1
UTC = ZoneInfo("UTC")
TODAY = date(2026, 11, 20)
KINDS = {
    "overall": "skill",
    "attack": "skill",
    "ehp": "computed",
    "ehb": "computed",
    "zulrah": "boss",
    "vorkath": "boss",
}


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


def d(offset: int) -> date:
    """A day relative to TODAY."""
    return TODAY + timedelta(days=offset)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(insert(WomGroup), [{"id": GROUP, "name": "g", "fetched_at": at(TODAY)}])
        session.execute(
            insert(Player),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "username": name.lower(),
                    "display_name": name,
                    "first_seen_at": at(d(-60)),
                }
                for pid, name in ((1, "Alice"), (2, "Bob"), (3, "Cara"))
            ],
        )
        session.execute(
            insert(Membership),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "joined_at": at(d(-50)),
                    "updated_at": at(TODAY),
                },
                {
                    "group_id": GROUP,
                    "player_id": 2,
                    "joined_at": at(d(-3)),
                    "updated_at": at(TODAY),
                },
                {
                    "group_id": GROUP,
                    "player_id": 3,
                    "joined_at": at(d(-40)),
                    "left_at": at(d(-2)),
                    "updated_at": at(TODAY),
                },
            ],
        )
    return engine


def snapshot(engine: Engine, player: int, when: datetime, **values: float | None) -> None:
    decoded = DecodedSnapshot(when, {k: (KINDS[k], v) for k, v in values.items()})
    with Session(engine) as session, session.begin():
        SnapshotWriter(session, GROUP).add_latest({player: decoded})


def transform(
    engine: Engine,
    *,
    rules: Rules | None = None,
    manual: list[ManualLink] | None = None,
    timezone: ZoneInfo = UTC,
) -> dict[str, object]:
    with Session(engine) as session, session.begin():
        return run_transform(
            session,
            group_id=GROUP,
            rules=rules or Rules(),
            manual=manual or [],
            timezone=timezone,
            today=TODAY,
        )


def gains(engine: Engine) -> dict[tuple[int, date, str], float]:
    with Session(engine) as session:
        rows = session.execute(
            select(DailyGain.player_id, DailyGain.day, Metric.name, DailyGain.gained).join(
                Metric, Metric.id == DailyGain.metric_id
            )
        ).all()
    return {(p, day, name): g for p, day, name, g in rows}


def activity(engine: Engine) -> dict[tuple[int, date], tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.execute(
            select(
                DailyActivity.player_id,
                DailyActivity.day,
                DailyActivity.xp,
                DailyActivity.boss_kills,
                DailyActivity.messages,
                DailyActivity.questions,
                DailyActivity.answers,
            )
        ).all()
    return {(p, day): tuple(rest) for p, day, *rest in rows}


def table(engine: Engine, model: type) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        columns = list(model.__table__.columns)  # type: ignore[attr-defined]
        return sorted(tuple(r) for r in session.execute(select(*columns)).all())


def test_gains_are_rises_between_snapshots_and_unknowns_never_gain(engine: Engine) -> None:
    snapshot(engine, 1, at(d(-3)), overall=100, zulrah=None, ehp=1.0)
    snapshot(engine, 1, at(d(-2)), overall=150, zulrah=10, ehp=1.5)  # zulrah: unknown -> 10
    snapshot(engine, 1, at(d(-1)), overall=150, zulrah=15, ehp=1.5)
    snapshot(engine, 1, at(d(0)), overall=140, zulrah=None, ehp=2.0)  # a fall; zulrah unknown
    transform(engine)
    # By hand: day -2 overall +50, ehp +0.5 (zulrah's first known value is no gain);
    # day -1 zulrah +5; day 0 ehp +0.5 (the overall fall and the unknown gain nothing).
    assert gains(engine) == {
        (1, d(-2), "overall"): 50,
        (1, d(-2), "ehp"): 0.5,
        (1, d(-1), "zulrah"): 5,
        (1, d(0), "ehp"): 0.5,
    }
    assert activity(engine) == {
        (1, d(-3)): (0, 0, 0, 0, 0),
        (1, d(-2)): (50, 0, 0, 0, 0),
        (1, d(-1)): (0, 5, 0, 0, 0),
        (1, d(0)): (0, 0, 0, 0, 0),
    }


def test_days_follow_the_clan_timezone(engine: Engine) -> None:
    snapshot(engine, 1, at(d(-2)), overall=100)
    snapshot(engine, 1, datetime(2026, 11, 19, 23, 30), overall=130)  # 00:30 on the 20th in Berlin
    transform(engine, timezone=ZoneInfo("Europe/Berlin"))
    assert gains(engine) == {(1, date(2026, 11, 20), "overall"): 30}


def test_incremental_runs_equal_one_run_from_scratch(
    engine: Engine, new_database: DatabaseFactory
) -> None:
    steps = [
        (1, at(d(-4)), {"overall": 10}),
        (2, at(d(-3)), {"overall": 5, "vorkath": 1}),
        (1, at(d(-3)), {"overall": 20}),
        (1, at(d(-3), 20), {"overall": 26}),
        (2, at(d(-1)), {"overall": 9, "vorkath": 4}),
        (1, at(d(0)), {"overall": 30}),
    ]
    for player, when, values in steps:
        snapshot(engine, player, when, **values)
        transform(engine)  # a run after every harvest
    fresh = make_engine(new_database())
    with Session(engine) as source, Session(fresh) as target, target.begin():
        for model in (WomGroup, Player, Membership):
            rows = [dict(r._mapping) for r in source.execute(select(*model.__table__.columns))]
            target.execute(insert(model), rows)
    for player, when, values in steps:
        snapshot(fresh, player, when, **values)
    transform(fresh)  # one run over everything
    for model in (DailyGain, DailyActivity, PeriodGain, ClanDaily):
        assert table(engine, model) == table(fresh, model), model.__tablename__
    # Two snapshots on one day, read in different runs, add up: 10 -> 20 -> 26 is +16.
    assert gains(engine)[(1, d(-3), "overall")] == 16


def test_a_rerun_on_unchanged_input_reads_nothing_and_changes_nothing(engine: Engine) -> None:
    snapshot(engine, 1, at(d(-1)), overall=10)
    snapshot(engine, 1, at(d(0)), overall=12)
    transform(engine)
    before = [table(engine, m) for m in (DailyGain, DailyActivity, PeriodGain, ClanDaily)]
    counts = transform(engine)
    assert counts["snapshots read"] == 0 and counts["days recomputed"] == 0
    assert [table(engine, m) for m in (DailyGain, DailyActivity, PeriodGain, ClanDaily)] == before


def test_backfilled_history_rebuilds_only_that_player(engine: Engine) -> None:
    snapshot(engine, 1, at(d(-1)), overall=100)
    snapshot(engine, 1, at(d(0)), overall=130)
    snapshot(engine, 2, at(d(0)), overall=7)
    transform(engine)
    older = [
        DecodedSnapshot(at(d(-5)), {"overall": ("skill", 40)}),
        DecodedSnapshot(at(d(-3)), {"overall": ("skill", 90)}),
    ]
    with Session(engine) as session, session.begin():
        SnapshotWriter(session, GROUP).merge_history(1, older)
    counts = transform(engine)
    assert counts["snapshots read"] == 4  # player 1's whole history, nobody else's
    assert gains(engine) == {
        (1, d(-3), "overall"): 50,
        (1, d(-1), "overall"): 10,
        (1, d(0), "overall"): 30,
    }


def test_a_value_unknown_after_a_return_stays_unmeasured_in_the_next_run(
    engine: Engine,
) -> None:
    # Alice left on day -10 and came back on day -5. Her first snapshot back hides her total
    # (-1), so the next known total (130, day -3) has nothing from this stay to be measured
    # against: the 100 from before she left must not come back as its baseline in a later run.
    with Session(engine) as session, session.begin():
        session.execute(
            insert(MembershipEvent),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "kind": kind,
                    "occurred_at": moment,
                    "source": "wom",
                }
                for kind, moment in (("left", at(d(-10))), ("joined", at(d(-5))))
            ],
        )
    snapshot(engine, 1, at(d(-20)), overall=100, attack=5)
    snapshot(engine, 1, at(d(-4)), overall=None, attack=7)
    transform(engine)
    snapshot(engine, 1, at(d(-3)), overall=130, attack=9)
    transform(engine)
    # By hand: nothing across the absence (100 -> unknown, 5 -> 7); attack +2 on day -3;
    # overall's 130 is its first known value of this stay, no gain.
    assert gains(engine) == {(1, d(-3), "attack"): 2}


def add_messages(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            insert(DiscordUser),
            [
                {
                    "group_id": GROUP,
                    "user_id": uid,
                    "username": name,
                    "is_bot": uid == 99,
                    "first_seen_at": at(TODAY),
                    "last_seen_at": at(TODAY),
                }
                for uid, name in ((11, "alice"), (12, "stranger"), (99, "relaybot"))
            ],
        )
        base = {
            "group_id": GROUP,
            "channel_id": 5,
            "author_id": None,
            "relay_name": None,
            "is_bot": False,
            "is_question": False,
            "reply_to_message_id": None,
        }
        session.execute(insert(DiscordMessage), [{**base, **row} for row in rows])


def mid(day: date, minute: int, *, hour: int = 12) -> int:
    return snowflake_at(at(day, hour) + timedelta(minutes=minute))


def test_messages_questions_and_answers_per_member_day(engine: Engine) -> None:
    add_messages(
        engine,
        [
            {"message_id": mid(d(-1), 1), "author_id": 12, "is_question": True},  # stranger asks
            {"message_id": mid(d(-1), 2), "author_id": 11, "reply_to_message_id": mid(d(-1), 1)},
            {"message_id": mid(d(-1), 3), "author_id": 11, "is_question": True},  # alice asks
            {"message_id": mid(d(-1), 4), "author_id": 11, "reply_to_message_id": mid(d(-1), 3)},
            {"message_id": mid(d(0), 1), "relay_name": "Bob", "reply_to_message_id": mid(d(-1), 3)},
            {"message_id": mid(d(0), 2), "author_id": 99, "is_bot": True},  # the relay bot itself
        ],
    )
    transform(engine)
    # By hand: Alice (linked by name) wrote 3 on day -1: 1 question, 1 answer (to the stranger;
    # her reply to her own question doesn't count). Bob spoke once in relay chat on day 0,
    # answering Alice's question. The stranger and the bot count for nobody.
    assert activity(engine) == {
        (1, d(-1)): (None, None, 3, 1, 1),
        (2, d(0)): (None, None, 1, 0, 1),
    }


def test_a_new_identity_link_recounts_old_messages(engine: Engine) -> None:
    add_messages(engine, [{"message_id": mid(d(-3), 1), "author_id": 12}])  # Cara, still in
    transform(engine)
    assert activity(engine) == {}
    counts = transform(engine, manual=[ManualLink(2, 12, "Cara")])
    assert counts["days recomputed"] >= 1
    assert activity(engine) == {(3, d(-3)): (None, None, 1, 0, 0)}


def test_nothing_said_after_leaving_is_credited(engine: Engine) -> None:
    # Cara left at noon on day -2: her message that morning counts, the ones after don't.
    add_messages(
        engine,
        [
            {"message_id": mid(d(-2), 1, hour=9), "author_id": 12},
            {"message_id": mid(d(-2), 2, hour=15), "author_id": 12},
            {"message_id": mid(d(-1), 3), "author_id": 12},
        ],
    )
    transform(engine, manual=[ManualLink(2, 12, "Cara")])
    assert activity(engine) == {(3, d(-2)): (None, None, 1, 0, 0)}


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def wom_window(
    engine: Engine, player: int, period: str, start: datetime, gains: dict[str, float]
) -> None:
    """Store WOM's bulk-gained answer for one member and one window, as harvest does."""
    with Session(engine) as session, session.begin():
        ids = dict(session.execute(select(Metric.name, Metric.id)).all())
        session.execute(
            insert(GainWindow),
            [
                {
                    "group_id": GROUP,
                    "player_id": player,
                    "period": period,
                    "start_date": start,
                    "end_date": at(d(0)),
                    "fetched_at": at(d(0)),
                }
            ],
        )
        session.execute(
            insert(WindowGain),
            [
                {
                    "group_id": GROUP,
                    "player_id": player,
                    "period": period,
                    "metric_id": ids[metric],
                    "gained": gained,
                }
                for metric, gained in gains.items()
            ],
        )


def period_gains(engine: Engine, metric: str = "xp") -> dict[tuple[int, str], tuple[float, str]]:
    with Session(engine) as session:
        return {
            (pid, period): (gained, source)
            for pid, period, gained, source in session.execute(
                select(
                    PeriodGain.player_id, PeriodGain.period, PeriodGain.gained, PeriodGain.source
                ).where(PeriodGain.metric == metric)
            )
        }


def test_period_gains_use_history_then_wom_then_partial_else_nothing(engine: Engine) -> None:
    snapshot(engine, 1, at(d(-10)), overall=100)  # covers the 7-day window
    snapshot(engine, 1, at(d(-1)), overall=160)
    snapshot(engine, 2, at(d(-2)), overall=5)  # history starts inside every window
    snapshot(engine, 2, at(d(0)), overall=8)
    # WOM's answer for exactly today's 30-day window, and a stale one for yesterday's 90 days.
    wom_window(engine, 2, "30d", midnight(d(-29)), {"overall": 1234})
    wom_window(engine, 2, "90d", midnight(d(-90)), {"overall": 999})
    rules = Rules(custom_period=CustomPeriod(name="Event", start=d(-1), end=d(0)))
    transform(engine, rules=rules)
    assert period_gains(engine) == {
        (1, "7d"): (60, "history"),
        (1, "custom"): (60, "history"),
        (1, "30d"): (60, "partial"),
        (1, "90d"): (60, "partial"),
        (1, "365d"): (60, "partial"),
        (2, "7d"): (3, "partial"),
        (2, "30d"): (1234, "wom"),
        (2, "90d"): (3, "partial"),  # yesterday's 90 days are another span: not used
        (2, "365d"): (3, "partial"),
        (2, "custom"): (3, "history"),
    }
    # Cara has no snapshot at all: no row in any window ("no data", not 0).


def test_one_snapshot_in_a_window_is_no_data_not_zero(engine: Engine) -> None:
    snapshot(engine, 1, at(d(0)), overall=100)  # a first run: one snapshot, no history
    transform(engine)
    assert period_gains(engine) == {}


def test_ehp_and_ehb_are_counted_once(engine: Engine) -> None:
    # Bug 1: EHP and EHB are both a metric and a total; their gain was added twice.
    snapshot(engine, 1, at(d(-10)), overall=100, ehp=10.0, ehb=2.0, zulrah=5, vorkath=1)
    snapshot(engine, 1, at(d(-1)), overall=160, ehp=14.648, ehb=3.5, zulrah=9, vorkath=3)
    transform(engine)
    week = {m: period_gains(engine, m)[(1, "7d")][0] for m in ("xp", "ehp", "ehb", "boss_kills")}
    assert week == pytest.approx({"xp": 60, "ehp": 4.648, "ehb": 1.5, "boss_kills": 6})
    zulrah = period_gains(engine, "zulrah")
    # Only the 30-day window (the one the boss tables read) is stored metric by metric.
    assert zulrah[(1, "30d")][0] == 4
    assert (1, "7d") not in zulrah


def test_a_wom_window_gives_the_totals_of_its_metrics(engine: Engine) -> None:
    snapshot(engine, 2, at(d(0)), overall=8, ehp=1.0, zulrah=2)
    wom_window(engine, 2, "7d", midnight(d(-6)), {"overall": 500, "ehp": 2.25, "zulrah": 3})
    transform(engine)
    week = {m: period_gains(engine, m).get((2, "7d")) for m in ("xp", "ehp", "boss_kills")}
    assert week == {"xp": (500, "wom"), "ehp": (2.25, "wom"), "boss_kills": (3, "wom")}


def test_clan_days_count_members_joins_and_leaves(engine: Engine) -> None:
    snapshot(engine, 1, at(d(-4)), overall=1)
    snapshot(engine, 1, at(d(-1)), overall=5)
    transform(engine)
    with Session(engine) as session:
        days = {
            day: (members, joins, leaves, active, xp)
            for day, members, joins, leaves, active, xp in session.execute(
                select(
                    ClanDaily.day,
                    ClanDaily.members,
                    ClanDaily.joins,
                    ClanDaily.leaves,
                    ClanDaily.active_members,
                    ClanDaily.xp,
                )
            )
        }
    # Alice and Cara were members on day -4; Bob joined on day -3; Cara left on day -2.
    assert days == {
        d(-4): (2, 0, 0, 0, 0),
        d(-3): (3, 1, 0, 0, 0),
        d(-2): (2, 0, 1, 0, 0),
        d(-1): (2, 0, 0, 1, 4),
        d(0): (2, 0, 0, 0, 0),
    }


def test_chat_rhythm_counts_people_by_weekday_hour_and_channel(engine: Engine) -> None:
    add_messages(
        engine,
        [
            {"message_id": mid(d(-1), 1), "author_id": 11},  # Thursday 12:01 UTC
            {"message_id": mid(d(-1), 2), "author_id": 12, "channel_id": 6},  # an unlinked person
            {"message_id": mid(d(-1), 3), "author_id": 99, "is_bot": True},  # bots don't count
            {"message_id": mid(d(-20), 0), "relay_name": "Bob"},  # Saturday, relay chat counts
            {"message_id": mid(d(-100), 0), "author_id": 11},  # older than 90 days
        ],
    )
    # Tokyo is UTC+9: Thursday 12:01 UTC is Thursday 21:01 there; Saturday 12:00 is 21:00.
    counts = transform(engine, timezone=ZoneInfo("Asia/Tokyo"))
    assert counts["busiest hour"] == "Thu 21:00"
    with Session(engine) as session:
        heatmap = session.execute(
            select(ChatHeatmap.weekday, ChatHeatmap.hour, ChatHeatmap.messages)
        ).all()
        channels = set(
            session.execute(
                select(ChannelCount.channel_id, ChannelCount.period, ChannelCount.messages)
            ).all()
        )
    assert sorted(heatmap) == [(3, 21, 2), (5, 21, 1)]
    assert channels == {
        (5, "7d", 1),
        (5, "30d", 2),
        (5, "90d", 2),
        (6, "7d", 1),
        (6, "30d", 1),
        (6, "90d", 1),
    }


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Kolkata is UTC+5:30: 12:20 UTC is 17:50, 12:40 UTC is 18:10 (hand-worked).
        ("Asia/Kolkata", [(3, 17, 1), (3, 18, 1)]),
        # Kathmandu is UTC+5:45: 12:10 UTC is 17:55, 12:20 UTC is 18:05.
        ("Asia/Kathmandu", [(3, 17, 1), (3, 18, 1)]),
    ],
)
def test_chat_rhythm_splits_an_hour_where_the_clan_s_clock_does(
    engine: Engine, zone: str, expected: list[tuple[int, int, int]]
) -> None:
    """Counting by whole UTC hours would put both in one local hour in these zones."""
    first, second = (20, 40) if zone == "Asia/Kolkata" else (10, 20)
    add_messages(
        engine,
        [
            {"message_id": mid(d(-1), first), "author_id": 11},  # Thursday
            {"message_id": mid(d(-1), second), "author_id": 11},
        ],
    )
    transform(engine, timezone=ZoneInfo(zone))
    with Session(engine) as session:
        heatmap = session.execute(
            select(ChatHeatmap.weekday, ChatHeatmap.hour, ChatHeatmap.messages)
        ).all()
    assert sorted(heatmap) == expected


def test_chat_rhythm_counts_a_day_by_the_clan_s_midnight(engine: Engine) -> None:
    """Tokyo's day -6 starts at 15:00 UTC on day -7: a message a minute after is in the 7 days."""
    add_messages(
        engine,
        [
            {"message_id": mid(d(-7), 1, hour=15), "author_id": 11},  # Tokyo: day -6, 00:01
            {"message_id": mid(d(-7), 59, hour=14), "author_id": 11},  # Tokyo: day -7, 23:59
        ],
    )
    transform(engine, timezone=ZoneInfo("Asia/Tokyo"))
    with Session(engine) as session:
        channels = dict(
            session.execute(
                select(ChannelCount.period, ChannelCount.messages).where(
                    ChannelCount.channel_id == 5
                )
            ).all()
        )
    assert channels == {"7d": 1, "30d": 2, "90d": 2}
