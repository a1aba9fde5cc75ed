"""clan_data.json: built from the derived tables of a real demo run, checked against its schema.

The demo pipeline (`main.py --demo`, in a temp folder) makes the database once per test session;
each test works on its own copy. Hostile member names are written into the copy's `players`
table before the data is built, as a renamed player would arrive from WOM.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    ChatHeatmap,
    ClanDaily,
    ClanStatistics,
    Competition,
    CompetitionAttendance,
    CompetitionParticipation,
    DailyActivity,
    DiscordChannel,
    DiscordMessage,
    DiscordUser,
    FetchLog,
    GoalWeek,
    IdentityIssue,
    IdentityLink,
    MemberStatus,
    Metric,
    MilestoneEvent,
    PeriodGain,
    Player,
    Promotion,
    Recruit,
    RecruitCohort,
    SeasonScore,
    WomGroup,
)
from clanstats.export.clan_data import build_clan_data
from clanstats.rules import Rank, Rules, Season, load_rules
from clanstats.settings import PROJECT_ROOT
from tests.databases import SharedDatabase

jsonschema = pytest.importorskip("jsonschema", reason="pip install jsonschema (a dev dependency)")

GROUP = 4242  # the demo clan's WOM group id
UTC_ZONE = ZoneInfo("UTC")
SCHEMA_PATH = PROJECT_ROOT / "assets" / "clan_data.schema.json"
HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    '"><svg onload=window.__xss=1>',
    "{{ js }} \u2028&amp;",
)


def hostile_copy(demo: SharedDatabase, target: Path) -> Engine:
    """A copy of the demo database whose first few members have hostile display names."""
    engine = make_engine(demo.copy(target))
    with Session(engine) as session, session.begin():
        current = session.scalars(
            select(MemberStatus.player_id)
            .where(MemberStatus.group_id == GROUP, MemberStatus.status != "left")
            .order_by(MemberStatus.player_id)
            .limit(len(HOSTILE_NAMES))
        ).all()
        for player_id, name in zip(current, HOSTILE_NAMES, strict=True):
            session.execute(
                update(Player)
                .where(Player.group_id == GROUP, Player.player_id == player_id)
                .values(display_name=name)
            )
    return engine


def data_day(engine: Engine) -> date:
    """The demo's clan day (its last clan_daily row), whatever the clock says now."""
    with Session(engine) as session:
        day = session.scalar(select(func.max(ClanDaily.day)).where(ClanDaily.group_id == GROUP))
    assert day is not None
    return day


def demo_rules(demo: SharedDatabase) -> Rules:
    """The rules file the demo run wrote and ran with (its ranks, its season, its goals)."""
    return load_rules(demo.folder / "rules.yaml")


def build(
    engine: Engine, *, rules: Rules | None = None, generated_at: datetime | None = None
) -> dict[str, Any]:
    """clan_data for the demo clan as the export stage builds it (no rules: an empty file's)."""
    with Session(engine) as session:
        return build_clan_data(
            session,
            group_id=GROUP,
            today=data_day(engine),
            timezone=UTC_ZONE,
            generated_at=generated_at or datetime.now(UTC),
            rules=rules or Rules(),
        )


@pytest.fixture(scope="module")
def engine(demo_run: SharedDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo database with hostile names, shared read-only by this module's tests."""
    engine = hostile_copy(demo_run, tmp_path_factory.mktemp("clan-data") / "clanstats.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def data(engine: Engine, demo_run: SharedDatabase) -> dict[str, Any]:
    return build(engine, rules=demo_rules(demo_run))


@pytest.fixture
def scratch(demo_run: SharedDatabase, tmp_path: Path) -> Iterator[Engine]:
    """A copy of the demo database a test may change."""
    engine = hostile_copy(demo_run, tmp_path / "scratch.db")
    yield engine
    engine.dispose()


def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_valid(data: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:10]
    )


# --- the contract -----------------------------------------------------------------------------


def test_the_export_matches_its_published_schema(data: dict[str, Any]) -> None:
    assert data["version"] == 2
    assert_valid(data)
    # What json.dumps writes (the file) is what was validated: no dates or floats it can't write.
    assert json.loads(json.dumps(data, allow_nan=False)) == data


# Breaks of the contract a bug in export could make, each as (path, value): the Python reference
# validator (jsonschema) must refuse each, and the stage's compiled one must too, naming the place.
CONTRACT_BREAKS = [
    (("members", 0, "name"), None),
    (("members", 1, "status"), "resting"),
    (("kpis", "members"), 12.5),
    (("version",), "2"),
    (("members", 2, "smuggled"), True),
    (("clan_statistics", "weeks", 0, "members"), None),
    (("recruits", "cohorts", 0, "still_in"), -1),
    (("competitions", 0, "status"), "paused"),
    (("members", 3, "competitions"), {"joined": 1}),
]


@pytest.mark.parametrize(("path", "value"), CONTRACT_BREAKS)
def test_export_refuses_data_that_breaks_its_schema_and_names_the_place(
    data: dict[str, Any], path: tuple[str | int, ...], value: Any
) -> None:
    from clanstats.errors import EXIT_BUG
    from clanstats.export.stage import ExportContractError, check_against_schema

    broken = copy.deepcopy(data)
    parent: Any = broken
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    assert not validator().is_valid(broken)  # the reference agrees this is a break
    with pytest.raises(ExportContractError) as caught:
        check_against_schema(broken)
    message = str(caught.value)
    where = "/".join(map(str, path if path[-1] != "smuggled" else path[:-1]))
    assert message.startswith(f"clan_data.json would break its schema at {where}: ")
    assert "\n" not in message and caught.value.exit_code == EXIT_BUG


def test_export_accepts_what_the_reference_validator_accepts(data: dict[str, Any]) -> None:
    from clanstats.export.stage import check_against_schema

    assert validator().is_valid(data)
    check_against_schema(data)  # raises on a break


def test_every_field_in_the_schema_is_documented() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = schema["$defs"]

    def documented(node: dict[str, Any]) -> bool:
        ref = node.get("$ref")
        return "description" in node or (
            ref is not None and "description" in defs[ref.split("/")[-1]]
        )

    undocumented = []

    def walk(node: dict[str, Any], where: str) -> None:
        for name, child in node.get("properties", {}).items():
            # A property typed by a shared definition may leave its description to that definition.
            if not documented(child):
                undocumented.append(f"{where}/{name}")
            walk(child, f"{where}/{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], f"{where}[]")

    walk(schema, "")
    for name, definition in defs.items():
        walk(definition, f"$defs/{name}")
    assert not undocumented


def test_a_clan_before_its_first_transform_still_exports_valid_data(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": 7, "name": "New Clan", "fetched_at": datetime(2026, 1, 1)}]
        )
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=7,
            today=date(2026, 1, 2),
            timezone=UTC_ZONE,
            generated_at=datetime(2026, 1, 2, 6, tzinfo=UTC),
            rules=Rules(),
        )
    assert_valid(data)
    assert data["members"] == [] and data["trends"] == [] and data["season"] is None
    assert data["heatmap"] is None and data["clan_statistics"] is None
    assert data["recruits"] == {"cohorts": [], "to_welcome": []}
    assert data["competitions"] == []
    assert data["kpis"]["clan_gains"]["30d"] == dict.fromkeys(
        ("xp", "ehp", "ehb", "boss_kills", "messages")
    )
    assert data["kpis"]["joins_30d"] is None and data["kpis"]["engagement_average"] is None
    assert [s["state"] for s in data["freshness"]["sources"]] == ["never", "never"]


# --- values against the derived tables --------------------------------------------------------


def test_members_carry_their_status_row_and_period_gains(
    engine: Engine, data: dict[str, Any]
) -> None:
    with Session(engine) as session:
        statuses = {row.player_id: row for row in session.scalars(select(MemberStatus))}
        gains = {
            (pid, period, metric): gained
            for pid, period, metric, gained in session.execute(
                select(
                    PeriodGain.player_id, PeriodGain.period, PeriodGain.metric, PeriodGain.gained
                )
            )
        }
        names = dict(session.execute(select(Player.player_id, Player.display_name)).all())
    assert len(data["members"]) == len(statuses)
    assert data["kpis"]["members"] == sum(s.status != "left" for s in statuses.values())
    for member in data["members"]:
        row = statuses[member["player_id"]]
        assert member["name"] == names[member["player_id"]]
        assert (member["status"], member["role"], member["tenure_days"]) == (
            row.status,
            row.role,
            row.tenure_days,
        )
        assert member["engagement"] == row.engagement_score
        assert member["streak"]["current"] == row.current_streak
        for period in ("7d", "30d", "90d", "365d"):
            for measure in ("xp", "boss_kills", "messages"):
                expected = gains.get((member["player_id"], period, measure))
                got = member["gains"][period][measure]
                assert got == (None if expected is None else round(expected)), (member, period)
            ehp = gains.get((member["player_id"], period, "ehp"))
            assert member["gains"][period]["ehp"] == (None if ehp is None else round(ehp, 2))


def test_gainers_and_boss_highlights_rank_the_period_gains(
    engine: Engine, data: dict[str, Any]
) -> None:
    with Session(engine) as session:
        top_xp = session.scalar(
            select(func.max(PeriodGain.gained)).where(
                PeriodGain.period == "7d", PeriodGain.metric == "xp"
            )
        )
        boss_kills = dict(
            session.execute(
                select(PeriodGain.metric, func.sum(PeriodGain.gained))
                .join(Metric, Metric.name == PeriodGain.metric)
                .where(PeriodGain.period == "30d", Metric.kind == "boss", PeriodGain.gained > 0)
                .group_by(PeriodGain.metric)
            ).all()
        )
    assert top_xp is not None
    xp = data["gainers"]["7d"]["xp"]
    assert xp[0]["gained"] == round(top_xp)
    assert [row["gained"] for row in xp] == sorted((row["gained"] for row in xp), reverse=True)
    assert len(xp) == 10
    bosses = data["boss_highlights"]
    assert {b["boss"]: b["kills"] for b in bosses} == {k: round(v) for k, v in boss_kills.items()}
    assert [b["kills"] for b in bosses] == sorted((b["kills"] for b in bosses), reverse=True)
    assert all(1 <= len(b["top"]) <= 3 for b in bosses)


def test_clan_panels_match_their_tables(engine: Engine, data: dict[str, Any]) -> None:
    today = data_day(engine)
    with Session(engine) as session:
        days = session.scalars(select(ClanDaily).order_by(ClanDaily.day)).all()
        heatmap_total = session.scalar(select(func.sum(ChatHeatmap.messages)))
        goals = session.scalars(select(GoalWeek).where(GoalWeek.is_current.is_(True))).all()
        season = session.scalars(select(SeasonScore).where(SeasonScore.is_current.is_(True))).all()
        milestones = session.scalar(
            select(func.count()).where(MilestoneEvent.occurred_on > today - timedelta(days=90))
        )
        promotions = session.scalars(select(Promotion)).all()
        removal = session.scalar(
            select(func.count()).where(
                MemberStatus.removal_candidate.is_(True), MemberStatus.status != "left"
            )
        )
        cohorts = session.scalars(select(RecruitCohort).order_by(RecruitCohort.month)).all()
        welcome = session.scalar(select(func.count()).where(Recruit.welcome.is_not(None)))
    trends = data["trends"]
    assert len(trends) == min(90, len(days)) and trends[-1]["day"] == today.isoformat()
    last = days[-1]
    assert (trends[-1]["xp"], trends[-1]["messages"], trends[-1]["members"]) == (
        round(last.xp),
        last.messages,
        last.members,
    )
    assert sum(map(sum, data["heatmap"]["messages"])) == heatmap_total
    assert len(data["heatmap"]["messages"]) == 7
    assert {g["name"]: g["progress"] for g in data["goals"]["items"]} == {
        g.goal: round(g.progress) for g in goals
    }
    assert date.fromisoformat(data["goals"]["week_start"]).weekday() == 0
    assert data["season"]["name"] == season[0].season
    assert len(data["season"]["standings"]) == len(season)
    assert [r["place"] for r in data["season"]["standings"]] == sorted(s.place for s in season)
    assert len(data["milestones"]) == milestones
    shown = [m["occurred_on"] for m in data["milestones"]]
    assert shown == sorted(shown, reverse=True)
    assert len(data["promotions"]) == len(promotions)
    assert data["kpis"]["promotions_due"] == sum(p.is_due for p in promotions)
    assert len(data["removal_candidates"]) == removal == data["kpis"]["removal_candidates"]
    assert [r["span"] for r in data["records"]].count("day") == 4
    assert [c["month"] for c in data["recruits"]["cohorts"]] == [
        c.month.strftime("%Y-%m") for c in cohorts
    ]
    assert [c["recruits"] for c in data["recruits"]["cohorts"]] == [c.recruits for c in cohorts]
    assert len(data["recruits"]["to_welcome"]) == welcome


def test_the_demo_clans_statistics_are_todays_and_its_sundays(data: dict[str, Any]) -> None:
    statistics = data["clan_statistics"]
    latest, weeks = statistics["latest"], statistics["weeks"]
    assert latest["day"] == data["today"]
    assert sum(statistics["account_types"].values()) == latest["members"] > 0
    days = [date.fromisoformat(week["day"]) for week in weeks]
    assert days == sorted(days) and len(days) >= 10
    assert all(day.weekday() == 6 for day in days)  # Sundays
    assert days[-1] > date.fromisoformat(data["today"]) - timedelta(days=8)


def test_freshness_is_the_last_successful_fetch_per_family(
    engine: Engine, data: dict[str, Any]
) -> None:
    with Session(engine) as session:
        wom = session.scalar(
            select(func.max(FetchLog.finished_at)).where(
                FetchLog.source.like("wom:%"), FetchLog.outcome == "ok"
            )
        )
    assert wom is not None
    sources = {s["family"]: s for s in data["freshness"]["sources"]}
    assert sources["wom"]["last_success"] == wom.replace(tzinfo=UTC).isoformat()
    assert sources["wom"]["state"] == sources["discord"]["state"] == "fresh"
    later = build(engine, generated_at=wom.replace(tzinfo=UTC) + timedelta(hours=27))
    assert {s["state"] for s in later["freshness"]["sources"]} == {"stale"}
    assert later["freshness"]["sources"][0]["age_hours"] >= 27


# --- privacy, "no data", hostile names --------------------------------------------------------


def test_no_discord_id_appears_anywhere(engine: Engine, data: dict[str, Any]) -> None:
    with Session(engine) as session:
        ids = {
            *session.scalars(select(DiscordUser.user_id)),
            *session.scalars(select(IdentityLink.discord_user_id)),
            *session.scalars(select(DiscordChannel.channel_id)),
            *session.scalars(select(DiscordChannel.guild_id)),
            *session.scalars(select(DiscordMessage.author_id).distinct()),
            *session.scalars(select(DiscordMessage.message_id)),
            *(
                int(subject)
                for subject in session.scalars(
                    select(IdentityIssue.subject).where(IdentityIssue.kind.like("%discord%"))
                )
            ),
        }
    ids.discard(None)
    assert len(ids) > 100, "the demo should have Discord users, channels and messages"
    text = json.dumps(data)
    numbers = set(re.findall(r"\d+", text))
    assert not numbers & {str(i) for i in ids}
    assert not re.search(r"\d{15,}", text), "no field holds a number as long as a snowflake"
    keys = set(re.findall(r'"(\w+)":', text))
    assert not keys & {
        "content",
        "text",
        "message_id",
        "author_id",
        "channel_id",
        "discord_user_id",
    }


def test_no_data_stays_null_never_zero(data: dict[str, Any]) -> None:
    left = [m for m in data["members"] if m["status"] == "left"]
    assert left and all(m["gains"]["30d"]["xp"] is None for m in left)
    assert all(m["engagement"] is None and m["chat_play"] is None for m in left)
    unlinked = [m for m in data["members"] if m["chat_play"] == "not on Discord"]
    assert unlinked and all(m["gains"]["30d"]["messages"] is None for m in unlinked)
    # Never active: null, never a made-up date (the demo may or may not have such a member now
    # that a member ClanStats hasn't watched long enough is "unknown", not a removal candidate).
    last_active = {m["player_id"]: m["last_active_on"] for m in data["members"]}
    for candidate in data["removal_candidates"]:
        assert candidate["last_active_on"] == last_active[candidate["player_id"]]


def test_a_day_without_snapshots_and_a_clan_without_discord_have_no_numbers(
    scratch: Engine,
) -> None:
    today = data_day(scratch)
    quiet_day = today - timedelta(days=3)
    with Session(scratch) as session, session.begin():
        # Nobody's snapshot that day: the day's game gains are unknown, not 0.
        session.execute(
            update(DailyActivity)
            .where(DailyActivity.day == quiet_day)
            .values(xp=None, ehp=None, ehb=None, boss_kills=None)
        )
        session.execute(delete(FetchLog).where(FetchLog.source.like("discord:%")))
    data = build(scratch)
    assert_valid(data)
    day = next(d for d in data["trends"] if d["day"] == quiet_day.isoformat())
    assert day["xp"] is day["ehp"] is day["boss_kills"] is day["messages"] is None
    assert isinstance(day["active_members"], int)
    assert data["heatmap"] is None
    assert data["kpis"]["clan_gains"]["30d"]["messages"] is None
    assert data["kpis"]["clan_gains"]["30d"]["xp"] is not None
    discord = next(s for s in data["freshness"]["sources"] if s["family"] == "discord")
    assert discord["state"] == "never" and discord["last_success"] is None


def test_hostile_names_survive_as_plain_text(data: dict[str, Any]) -> None:
    names = {m["name"] for m in data["members"]}
    assert set(HOSTILE_NAMES) <= names
    assert_valid(data)


# --- issue 18: what the page needs to tell the truth ------------------------------------------


def test_the_season_carries_its_dates_and_days_left(
    data: dict[str, Any], demo_run: SharedDatabase
) -> None:
    season = next(s for s in demo_rules(demo_run).seasons if s.name == data["season"]["name"])
    today = date.fromisoformat(data["today"])
    assert data["season"]["start"] == season.start.isoformat()
    assert data["season"]["end"] == season.end.isoformat()
    assert data["season"]["days_left"] == (season.end - today).days > 0
    assert data["rules"]["ranks"] == [rank.name for rank in demo_rules(demo_run).ranks]
    assert data["rules"]["seasons"][0]["start"] == season.start.isoformat()


# Paths (keys joined by "/", list items as "[]") whose values are counts: whole numbers.
COUNT_KEYS = re.compile(
    r"(^|/)(xp|boss_kills|messages|kills|killers|members|joins|leaves|active_members|"
    r"joins_30d|leaves_30d|removal_candidates|promotions_due|tenure_days|days|place|"
    r"current|best|percent|days_left|failing_sources|recruits|still_in|reached|stayed|active|"
    r"unknown|days_in_clan|rank|best_rank|joined|held_90|joined_90|participants|"
    r"wom_participants)$"
)


def numbers_at(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every number in a JSON value with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from numbers_at(item, f"{path}/{key}")
    elif isinstance(value, list):
        for item in value:
            yield from numbers_at(item, f"{path}[]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, value


def test_counts_are_integers_and_the_schema_says_so(data: dict[str, Any]) -> None:
    floats = [p for p, v in numbers_at(data) if COUNT_KEYS.search(p) and isinstance(v, float)]
    assert not floats, floats[:10]
    gained = [v for p, v in numbers_at(data) if p.endswith("/xp[]/gained")]
    record = [v for p, v in numbers_at(data["records"]) if p.endswith("/value")]
    assert gained and all(type(v) is int for v in gained)
    assert record and any(type(v) is int for v in record)
    # The schema refuses a count written as a float, and still takes hours with decimals.
    broken = json.loads(json.dumps(data))
    broken["gainers"]["7d"]["xp"][0]["gained"] = 5243600.5
    board = next(r for r in broken["records"] if r["measure"] == "boss_kills" and r["leaders"])
    board["leaders"][0]["value"] = 49.5
    goal = next(g for g in broken["goals"]["items"] if g["metric"] not in ("ehp", "ehb"))
    goal["target"] = 1500.5
    errors = {"/".join(map(str, e.absolute_path)) for e in validator().iter_errors(broken)}
    assert errors == {
        "gainers/7d/xp/0/gained",
        f"records/{broken['records'].index(board)}/leaders/0/value",
        f"goals/items/{broken['goals']['items'].index(goal)}/target",
    }
    broken["gainers"]["7d"]["ehp"][0]["gained"] = 12.35
    assert not validator().is_valid(broken) and validator().is_valid(data)


def failed_first_run(url: str, group: int) -> None:
    """A first run with WOM down: every WOM source failed but the gains call (nothing to ask)."""
    engine = make_engine(url)
    started = datetime(2026, 12, 2, 14, 0)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(FetchLog),
            [
                {
                    "group_id": group,
                    "source": source,
                    "started_at": started,
                    "finished_at": started + timedelta(minutes=1),
                    "requests": 5,
                    "rows": 0,
                    "outcome": "ok" if source == "wom:gains" else "error",
                }
                for source in (
                    "wom:roster",
                    "wom:hiscores",
                    "wom:activity",
                    "wom:achievements",
                    "wom:name-changes",
                    "wom:competitions",
                    "wom:gains",
                )
            ],
        )
    engine.dispose()


FIRST_RUN_RULES = Rules(
    ranks=[Rank(name=name) for name in ("recruit", "corporal", "sergeant", "lieutenant")],
    seasons=[Season(name="Winter", start=date(2026, 11, 1), end=date(2027, 1, 31))],
)


def test_a_failed_first_run_knows_the_configured_season_and_ranks(migrated_url: str) -> None:
    failed_first_run(migrated_url, 7)
    engine = make_engine(migrated_url)
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=7,
            today=date(2026, 12, 2),
            timezone=UTC_ZONE,
            generated_at=datetime(2026, 12, 2, 14, 5, tzinfo=UTC),
            rules=FIRST_RUN_RULES,
        )
    engine.dispose()
    assert_valid(data)
    assert data["group"] == {"id": 7, "name": None, "clan_chat": None, "fetched_at": None}
    assert data["season"] == {
        "name": "Winter",
        "start": "2026-11-01",
        "end": "2027-01-31",
        "days_left": 60,
        "standings": [],
    }
    assert data["rules"]["ranks"] == ["recruit", "corporal", "sergeant", "lieutenant"]
    wom = data["freshness"]["sources"][0]
    assert wom["family"] == "wom" and wom["failing_sources"] == 6


# --- clan statistics --------------------------------------------------------------------------

STATISTICS_TODAY = date(2026, 11, 20)  # a Friday


def statistics_row(day: date, **values: Any) -> dict[str, Any]:
    """A clan_statistics row of the test group: 10 members, every one measured, unless told."""
    return {
        "group_id": 7,
        "day": day,
        "members": 10,
        "measured": 10,
        "xp": 1_234_567_890.0,
        "ehp": 4321.456,
        "ehb": 98.7654,
        "maxed_total": 1,
        "maxed_combat": 3,
        "skills_99": 41,
        "skills_200m": 2,
        "total_level_average": 1876.333333,
        "total_level_median": 1901.5,
        "combat_level_average": 110.25,
        "combat_level_median": 112.0,
        **values,
    }


def statistics_data(url: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": 7, "name": "Clan", "fetched_at": datetime(2026, 11, 20)}]
        )
        if rows:
            session.execute(insert(ClanStatistics), rows)
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=7,
            today=STATISTICS_TODAY,
            timezone=UTC_ZONE,
            generated_at=datetime(2026, 11, 20, 6, tzinfo=UTC),
            rules=Rules(),
        )
    engine.dispose()
    assert_valid(data)
    return data


def test_clan_statistics_are_the_newest_day_with_its_account_types_and_the_weeks_before(
    migrated_url: str,
) -> None:
    types = {"regular": 6, "ironman": 2, "hardcore": 1, "ultimate": 0, "other_type": 1}
    data = statistics_data(
        migrated_url,
        [
            # Stored in no order; the first Sunday before anyone's snapshot had arrived.
            statistics_row(STATISTICS_TODAY, **types),
            statistics_row(date(2026, 11, 15), members=9, xp=1_200_000_000.4),
            statistics_row(
                date(2026, 11, 8),
                members=8,
                measured=0,
                xp=0.0,
                ehp=0.0,
                ehb=0.0,
                maxed_total=0,
                maxed_combat=0,
                skills_99=0,
                skills_200m=0,
                total_level_average=None,
                total_level_median=None,
                combat_level_average=None,
                combat_level_median=None,
            ),
        ],
    )
    figures = {
        "members": 10,
        "measured": 10,
        "xp": 1_234_567_890,
        "ehp": 4321.46,
        "ehb": 98.77,
        "maxed_total": 1,
        "maxed_combat": 3,
        "skills_99": 41,
        "skills_200m": 2,
        "total_level_average": 1876.33,
        "total_level_median": 1901.5,
        "combat_level_average": 110.25,
        "combat_level_median": 112.0,
    }
    assert data["clan_statistics"] == {
        "latest": {"day": "2026-11-20", **figures},
        "account_types": {"regular": 6, "ironman": 2, "hardcore": 1, "ultimate": 0, "other": 1},
        "weeks": [
            # Nobody measured: no figure from snapshots, never 0.
            {**dict.fromkeys(figures), "day": "2026-11-08", "members": 8, "measured": 0},
            {**figures, "day": "2026-11-15", "members": 9, "xp": 1_200_000_000},
        ],
    }
    assert type(data["clan_statistics"]["latest"]["xp"]) is int


def test_clan_statistics_for_an_earlier_day_end_on_it_without_account_types(
    migrated_url: str,
) -> None:
    # A run for a day before the newest stored one: the newest shown is a Sunday, whose
    # account types WOM can't tell (the transform stores them for its today only).
    data = statistics_data(
        migrated_url,
        [
            statistics_row(date(2026, 11, 15)),
            statistics_row(STATISTICS_TODAY + timedelta(days=3), regular=10, ironman=0),
        ],
    )
    statistics = data["clan_statistics"]
    assert statistics["latest"]["day"] == "2026-11-15"
    assert statistics["account_types"] is None and statistics["weeks"] == []


def test_no_clan_statistics_yet_is_null(migrated_url: str) -> None:
    assert statistics_data(migrated_url, [])["clan_statistics"] is None


# --- recruits ---------------------------------------------------------------------------------

RECRUITS_TODAY = date(2026, 11, 20)


def recruit_status(player_id: int, name: str, **values: Any) -> dict[str, Any]:
    """A member_status row of the test group: an active member, unless told."""
    return {
        "group_id": 7,
        "player_id": player_id,
        "display_name": name,
        "role": "recruit",
        "status": "active",
        "current_streak": 0,
        "best_streak": 0,
        "removal_candidate": False,
        **values,
    }


def recruit_row(player_id: int, joined_on: date, **values: Any) -> dict[str, Any]:
    """A recruits row of the test group: still in, nothing seen, no mark reached, unless told."""
    return {
        "group_id": 7,
        "player_id": player_id,
        "joined_on": joined_on,
        "cohort": joined_on.replace(day=1),
        **dict.fromkeys(("left_on", "first_game_on", "first_message_on", "welcome")),
        **dict.fromkeys(
            f"{kind}_{days}" for kind in ("stayed", "active") for days in (30, 90, 180)
        ),
        **values,
    }


def cohort_row(
    month: date, recruits: int, still_in: int, *marks: tuple[int, ...]
) -> dict[str, Any]:
    """A recruit_cohorts row: (reached, stayed, active, unknown) at 30, 90 and 180 days."""
    row: dict[str, Any] = {
        "group_id": 7,
        "month": month,
        "recruits": recruits,
        "still_in": still_in,
    }
    for days, mark in zip((30, 90, 180), marks, strict=True):
        for kind, count in zip(("reached", "stayed", "active", "unknown"), mark, strict=True):
            row[f"{kind}_{days}"] = count
    return row


def recruits_data(url: str, seed: Any = None) -> dict[str, Any]:
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": 7, "name": "Clan", "fetched_at": datetime(2026, 11, 20)}]
        )
        if seed is not None:
            seed(session)
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=7,
            today=RECRUITS_TODAY,
            timezone=UTC_ZONE,
            generated_at=datetime(2026, 11, 20, 6, tzinfo=UTC),
            rules=Rules(),
        )
    engine.dispose()
    assert_valid(data)
    return data


def seed_recruits(session: Session) -> None:
    """Five recruits of group 7 (three to welcome), three of its months, and another group's."""
    session.execute(
        insert(MemberStatus),
        [
            recruit_status(1, "Alice", joined_on=date(2026, 11, 5)),
            recruit_status(2, "Bob", joined_on=date(2026, 11, 12)),  # WOM now calls him Bobby
            recruit_status(3, "Cara", joined_on=date(2026, 11, 12)),  # no players row: this name
            recruit_status(4, "Dan", joined_on=date(2026, 11, 1)),
            recruit_status(5, "Eve", status="left", left_on=date(2026, 11, 15)),
            {**recruit_status(1, "Other clan's"), "group_id": 8},
        ],
    )
    session.execute(
        insert(Player),
        [
            {
                "group_id": 7,
                "player_id": pid,
                "username": name.lower(),
                "display_name": name,
                "first_seen_at": datetime(2026, 11, 1),
            }
            for pid, name in ((1, "Alice"), (2, "Bobby"), (4, "Dan"), (5, "Eve"))
        ],
    )
    session.execute(
        insert(Recruit),
        [
            recruit_row(
                3,
                date(2026, 11, 12),
                first_message_on=date(2026, 11, 12),
                welcome="no game progress yet",
            ),
            recruit_row(1, date(2026, 11, 5), welcome="no message and no game progress yet"),
            recruit_row(
                2, date(2026, 11, 12), first_game_on=date(2026, 11, 13), welcome="no message yet"
            ),
            # Both seen: nothing to welcome. Left: never on the list.
            recruit_row(
                4,
                date(2026, 11, 1),
                first_game_on=date(2026, 11, 2),
                first_message_on=date(2026, 11, 3),
            ),
            recruit_row(5, date(2026, 11, 2), left_on=date(2026, 11, 15)),
            {**recruit_row(1, date(2026, 11, 18), welcome="no message yet"), "group_id": 8},
        ],
    )
    session.execute(
        insert(RecruitCohort),
        [
            # Stored in no order. November's recruits have reached no mark yet.
            cohort_row(date(2026, 11, 1), 5, 4, (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)),
            cohort_row(date(2026, 5, 1), 5, 3, (5, 5, 3, 1), (5, 4, 2, 0), (5, 3, 3, 0)),
            cohort_row(date(2026, 8, 1), 2, 1, (2, 2, 1, 1), (1, 0, 0, 0), (0, 0, 0, 0)),
            {**cohort_row(date(2026, 6, 1), 1, 1, *[(0, 0, 0, 0)] * 3), "group_id": 8},
        ],
    )


def test_recruits_are_each_months_cohort_and_the_new_ones_to_welcome(migrated_url: str) -> None:
    recruits = recruits_data(migrated_url, seed_recruits)["recruits"]
    assert recruits == {
        "cohorts": [
            {
                "month": "2026-05",
                "recruits": 5,
                "still_in": 3,
                "day_30": {"reached": 5, "stayed": 5, "active": 3, "unknown": 1},
                "day_90": {"reached": 5, "stayed": 4, "active": 2, "unknown": 0},
                "day_180": {"reached": 5, "stayed": 3, "active": 3, "unknown": 0},
            },
            {
                "month": "2026-08",
                "recruits": 2,
                "still_in": 1,
                "day_30": {"reached": 2, "stayed": 2, "active": 1, "unknown": 1},
                # One of the two has been in 90 days, and left before: 0 of 1, not "no data".
                "day_90": {"reached": 1, "stayed": 0, "active": 0, "unknown": 0},
                "day_180": None,  # nobody has been in the clan 180 days: nothing to say yet
            },
            {
                "month": "2026-11",
                "recruits": 5,
                "still_in": 4,
                "day_30": None,
                "day_90": None,
                "day_180": None,
            },
        ],
        # Whoever waited longest first; a tie by name. Names as the members list has them.
        "to_welcome": [
            {
                "player_id": 1,
                "name": "Alice",
                "joined_on": "2026-11-05",
                "days_in_clan": 15,
                "reason": "no message and no game progress yet",
                "first_message_on": None,
                "first_game_on": None,
            },
            {
                "player_id": 2,
                "name": "Bobby",
                "joined_on": "2026-11-12",
                "days_in_clan": 8,
                "reason": "no message yet",
                "first_message_on": None,
                "first_game_on": "2026-11-13",
            },
            {
                "player_id": 3,
                "name": "Cara",
                "joined_on": "2026-11-12",
                "days_in_clan": 8,
                "reason": "no game progress yet",
                "first_message_on": "2026-11-12",
                "first_game_on": None,
            },
        ],
    }


def test_no_recruits_yet_are_two_empty_lists(migrated_url: str) -> None:
    assert recruits_data(migrated_url)["recruits"] == {"cohorts": [], "to_welcome": []}


def test_the_schema_refuses_a_mark_nobody_reached_and_a_month_that_isnt_one(
    migrated_url: str,
) -> None:
    data = recruits_data(migrated_url, seed_recruits)
    broken = copy.deepcopy(data)
    broken["recruits"]["cohorts"][1]["day_180"] = dict.fromkeys(
        ("reached", "stayed", "active", "unknown"), 0
    )
    broken["recruits"]["cohorts"][0]["month"] = "2026-05-01"
    del broken["recruits"]["to_welcome"][0]["first_game_on"]
    errors = {"/".join(map(str, e.absolute_path)) for e in validator().iter_errors(broken)}
    assert errors == {
        "recruits/cohorts/1/day_180/reached",
        "recruits/cohorts/0/month",
        "recruits/to_welcome/0",
    }


# --- competitions -----------------------------------------------------------------------------

# The clan's clock is Berlin's (UTC+1 in November): a competition's days are clan days. The
# export runs on Friday 20 November 2026 at 18:00 UTC. The competitions, newest start first:
#
#   10 Zulrah week      starts 25 Nov: upcoming; WOM counts 7 sign-ups, no standings read
#    9 Skilling week    15 Nov 23:30 UTC (clan day 16 Nov) to 22 Nov 23:30 UTC (23 Nov): running;
#                       4 standings (WOM's count, 5, is older): Ada, Bobby, Bo unknown, Gus
#    8 Bossing bonanza  a finished team competition in EHB: Cy 12.3456 hours, Ada 3
#    7 Old one          no metric, no type; never read: WOM's count of 12 stands alone
#    6 Empty sprint     read, nobody took part (and WOM gave no count)
COMPETITIONS_TODAY = date(2026, 11, 20)
COMPETITIONS_NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def competition_row(cid: int, title: str, starts: datetime, ends: datetime, **values: Any) -> Any:
    """A competitions row of the test group: no metric, type or count, never read, unless told."""
    return {
        "group_id": 7,
        "id": cid,
        "title": title,
        "starts_at": starts,
        "ends_at": ends,
        **dict.fromkeys(("competition_type", "metric", "participant_count", "details_fetched_at")),
        **values,
    }


def placing(cid: int, player_id: int, rank: int, gained: float | None) -> dict[str, Any]:
    return {
        "group_id": 7,
        "competition_id": cid,
        "player_id": player_id,
        "rank": rank,
        "gained": gained,
        "fetched_at": datetime(2026, 11, 20, 17),
    }


def attendance_row(player_id: int, *values: Any) -> dict[str, Any]:
    """A competition_attendance row: joined, best_rank, last_joined_on, held_90, joined_90, rate."""
    keys = ("joined", "best_rank", "last_joined_on", "held_90", "joined_90", "rate_90")
    return {"group_id": 7, "player_id": player_id, **dict(zip(keys, values, strict=True))}


def seed_competitions(session: Session) -> None:
    session.execute(
        insert(WomGroup), [{"id": 8, "name": "Other", "fetched_at": datetime(2026, 11, 20)}]
    )
    session.execute(
        insert(Metric),
        [
            {"id": 1, "name": "overall", "kind": "skill"},
            {"id": 2, "name": "ehb", "kind": "computed"},
        ],
    )
    session.execute(
        insert(MemberStatus),
        [
            recruit_status(1, "Ada"),
            recruit_status(2, "Bob"),  # WOM now calls him Bobby
            recruit_status(3, "Bo"),
            recruit_status(6, "Di"),
            recruit_status(9, "Eve"),  # nothing held for her, never joined: no attendance row
        ],
    )
    session.execute(
        insert(Player),
        [
            {
                "group_id": group,
                "player_id": pid,
                "username": name.lower(),
                "display_name": name,
                "first_seen_at": datetime(2026, 1, 1),
            }
            for group, pid, name in (
                (7, 1, "Ada"),
                (7, 2, "Bobby"),
                (7, 3, "Bo"),
                (7, 4, "Gus"),  # only in players: a guest, or gone before ClanStats' history
                (7, 5, "Cy"),
                (7, 6, "Di"),
                (7, 9, "Eve"),
                (8, 1, "Other clan's"),
            )
        ],
    )
    read = datetime(2026, 11, 20, 17)
    session.execute(
        insert(Competition),
        [
            # Stored in no order.
            competition_row(
                8,
                "Bossing bonanza",
                datetime(2026, 10, 1, 10),
                datetime(2026, 10, 8, 10),
                competition_type="team",
                metric="ehb",
                participant_count=2,
                details_fetched_at=datetime(2026, 10, 9),
            ),
            competition_row(
                10,
                "Zulrah week",
                datetime(2026, 11, 25, 12),
                datetime(2026, 12, 2, 12),
                competition_type="classic",
                metric="zulrah",  # a metric the metrics table doesn't list
                participant_count=7,
            ),
            competition_row(
                9,
                "Skilling week",
                datetime(2026, 11, 15, 23, 30),
                datetime(2026, 11, 22, 23, 30),
                competition_type="classic",
                metric="overall",
                participant_count=5,
                details_fetched_at=read,
            ),
            competition_row(
                7, "Old one", datetime(2026, 9, 1), datetime(2026, 9, 2), participant_count=12
            ),
            competition_row(
                6,
                "Empty sprint",
                datetime(2026, 8, 1),
                datetime(2026, 8, 2),
                details_fetched_at=datetime(2026, 8, 3),
            ),
            {
                **competition_row(1, "Other clan's", datetime(2026, 11, 1), datetime(2026, 11, 30)),
                "group_id": 8,
            },
        ],
    )
    session.execute(
        insert(CompetitionParticipation),
        [
            placing(9, 4, 4, 10.0),
            placing(9, 3, 3, None),  # WOM had no value at one end: unknown, not 0
            placing(9, 1, 1, 1_234_567.4),
            placing(9, 2, 2, 850_000.0),
            placing(8, 5, 1, 12.3456),
            placing(8, 1, 2, 3.0),
            {**placing(1, 1, 1, 99.0), "group_id": 8},
        ],
    )
    session.execute(
        insert(CompetitionAttendance),
        [
            attendance_row(1, 3, 1, date(2026, 11, 16), 3, 2, 2 / 3),
            attendance_row(2, 1, 2, date(2026, 11, 16), 1, 1, 1.0),
            attendance_row(3, 1, 3, date(2026, 11, 16), 1, 1, 1.0),
            attendance_row(6, 0, None, None, 2, 0, 0.0),
            {**attendance_row(9, 5, 1, date(2026, 11, 1), 1, 1, 1.0), "group_id": 8},
        ],
    )


def competitions_data(url: str, seed: Any = None) -> dict[str, Any]:
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": 7, "name": "Clan", "fetched_at": datetime(2026, 11, 20)}]
        )
        if seed is not None:
            seed(session)
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=7,
            today=COMPETITIONS_TODAY,
            timezone=BERLIN,
            generated_at=COMPETITIONS_NOW,
            rules=Rules(),
        )
    engine.dispose()
    assert_valid(data)
    return data


def test_competitions_are_newest_first_with_status_participants_and_top_three(
    migrated_url: str,
) -> None:
    competitions = competitions_data(migrated_url, seed_competitions)["competitions"]

    def entry(cid: int, title: str, **values: Any) -> dict[str, Any]:
        return {
            "id": cid,
            "title": title,
            **dict.fromkeys(("metric", "metric_kind", "type", "participants", "wom_participants")),
            "top": [],
            **values,
        }

    assert competitions == [
        entry(
            10,
            "Zulrah week",
            metric="zulrah",
            type="classic",
            starts_on="2026-11-25",
            ends_on="2026-12-02",
            status="upcoming",
            wom_participants=7,  # no standings read: participants unknown, WOM's count kept
        ),
        entry(
            9,
            "Skilling week",
            metric="overall",
            metric_kind="skill",
            type="classic",
            starts_on="2026-11-16",  # 23:30 UTC is past midnight in Berlin: the clan's day
            ends_on="2026-11-23",
            status="running",
            participants=4,
            wom_participants=5,
            top=[
                {"rank": 1, "player_id": 1, "name": "Ada", "gained": 1_234_567},
                {"rank": 2, "player_id": 2, "name": "Bobby", "gained": 850_000},
                {"rank": 3, "player_id": 3, "name": "Bo", "gained": None},
            ],
        ),
        entry(
            8,
            "Bossing bonanza",
            metric="ehb",
            metric_kind="computed",
            type="team",
            starts_on="2026-10-01",
            ends_on="2026-10-08",
            status="finished",
            participants=2,
            wom_participants=2,
            top=[
                {"rank": 1, "player_id": 5, "name": "Cy", "gained": 12.35},
                {"rank": 2, "player_id": 1, "name": "Ada", "gained": 3.0},
            ],
        ),
        entry(
            7,
            "Old one",
            starts_on="2026-09-01",
            ends_on="2026-09-02",
            status="finished",
            wom_participants=12,
        ),
        # Read, and nobody took part: 0 participants, a known number.
        entry(
            6,
            "Empty sprint",
            starts_on="2026-08-01",
            ends_on="2026-08-02",
            status="finished",
            participants=0,
        ),
    ]
    skilling = competitions[1]["top"]
    assert type(skilling[0]["gained"]) is int


def test_each_member_carries_their_competition_attendance(migrated_url: str) -> None:
    members = {
        m["name"]: m["competitions"]
        for m in competitions_data(migrated_url, seed_competitions)["members"]
    }
    assert members == {
        "Ada": {
            "joined": 3,
            "best_rank": 1,
            "last_joined_on": "2026-11-16",
            "held_90": 3,
            "joined_90": 2,
            "rate_90": 0.6667,
        },
        "Bobby": {
            "joined": 1,
            "best_rank": 2,
            "last_joined_on": "2026-11-16",
            "held_90": 1,
            "joined_90": 1,
            "rate_90": 1.0,
        },
        "Bo": {
            "joined": 1,
            "best_rank": 3,
            "last_joined_on": "2026-11-16",
            "held_90": 1,
            "joined_90": 1,
            "rate_90": 1.0,
        },
        # Two held while she was in the clan, none joined: 0 of 2, a rate of 0 (not "no data").
        "Di": {
            "joined": 0,
            "best_rank": None,
            "last_joined_on": None,
            "held_90": 2,
            "joined_90": 0,
            "rate_90": 0.0,
        },
        "Eve": None,  # nothing held for her and never joined: nothing to count
    }


def test_no_competitions_yet_is_an_empty_list_and_nobody_has_attendance(
    migrated_url: str,
) -> None:
    data = competitions_data(migrated_url)
    assert data["competitions"] == [] and data["members"] == []


def test_the_schema_refuses_a_made_up_status_a_count_with_decimals_and_a_rate_of_nothing(
    migrated_url: str,
) -> None:
    data = competitions_data(migrated_url, seed_competitions)
    broken = copy.deepcopy(data)
    broken["competitions"][0]["status"] = "paused"
    broken["competitions"][1]["top"][0]["gained"] = 1_234_567.5  # XP: a whole number
    broken["competitions"][2]["top"][0]["gained"] = 12.35  # hours may have decimals: fine
    del broken["competitions"][3]["wom_participants"]
    eve = next(i for i, m in enumerate(broken["members"]) if m["name"] == "Eve")
    broken["members"][eve]["competitions"] = {
        "joined": 0,
        "best_rank": None,
        "last_joined_on": None,
        "held_90": 0,
        "joined_90": 0,
        "rate_90": 0.0,  # nothing held: the rate is null, never 0
    }
    errors = {"/".join(map(str, e.absolute_path)) for e in validator().iter_errors(broken)}
    assert errors == {
        "competitions/0/status",
        "competitions/1/top/0/gained",
        "competitions/3",
        f"members/{eve}/competitions/rate_90",
    }


def test_a_players_gains_are_their_accounts_added_up(data: dict[str, Any]) -> None:
    """Invariant: each player with alts (the demo's people.csv) is their accounts together."""
    members = {m["player_id"]: m for m in data["members"]}
    assert data["people"], "the demo lists alts"
    for person in data["people"]:
        accounts = [members[pid] for pid in [person["player_id"], *person["alts"]]]
        assert all(members[alt]["alt_of"] == person["player_id"] for alt in person["alts"])
        assert members[person["player_id"]]["alt_of"] is None
        for period, totals in person["gains"].items():
            for measure, summed in totals.items():
                known = [
                    m["gains"][period][measure]
                    for m in accounts
                    if m["gains"][period][measure] is not None
                ]
                expected = sum(known) if known else None
                assert summed == (expected if summed is None else pytest.approx(expected))
        statuses = {m["status"] for m in accounts}
        assert person["status"] in statuses
        assert ("active" in statuses) == (person["status"] == "active")
        days = [m["last_active_on"] for m in accounts if m["last_active_on"]]
        assert person["last_active_on"] == max(days, default=None)
    alts = {pid for pid, m in members.items() if m["alt_of"] is not None}
    assert alts == {pid for person in data["people"] for pid in person["alts"]}
