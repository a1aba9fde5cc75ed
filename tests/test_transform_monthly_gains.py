"""Monthly gains: months summed from daily gains, and window totals read from months plus edges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import DailyGain, Metric, MonthlyGain, TransformState
from clanstats.transform.monthly_gains import update_monthly_gains, whole_months
from clanstats.transform.periods import _histories
from clanstats.windows import Window

GROUP = 7
EPOCH = date(2024, 1, 1)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        # Hand-worked: only months whose every day lies in the range count.
        (date(2024, 1, 15), date(2024, 4, 10), [date(2024, 2, 1), date(2024, 3, 1)]),
        (date(2024, 2, 1), date(2024, 2, 29), [date(2024, 2, 1)]),  # leap February
        (date(2024, 2, 1), date(2024, 2, 28), []),  # a day short of it
        (date(2023, 2, 1), date(2023, 2, 28), [date(2023, 2, 1)]),
        (date(2025, 12, 1), date(2026, 1, 1), [date(2025, 12, 1)]),  # across a new year
        (date(2025, 12, 2), date(2026, 1, 31), [date(2026, 1, 1)]),
        (date(2026, 3, 5), date(2026, 3, 25), []),
        (date(2025, 12, 5), date(2026, 12, 4), [date(2026, m, 1) for m in range(1, 12)]),
    ],
)
def test_whole_months_are_the_months_entirely_inside_the_range(
    start: date, end: date, months: list[date]
) -> None:
    assert whole_months(start, end) == months


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Metric), [{"id": i, "name": f"m{i}", "kind": "skill"} for i in (1, 2, 3)]
        )
    yield engine
    engine.dispose()


def put_gains(engine: Engine, gains: dict[tuple[int, int, int], float]) -> None:
    """Store daily gains keyed (player, day offset from EPOCH, metric), replacing any before."""
    with Session(engine) as session, session.begin():
        for model in (DailyGain, MonthlyGain, TransformState):
            session.execute(delete(model))
        if gains:
            session.execute(
                insert(DailyGain),
                [
                    {
                        "group_id": GROUP,
                        "player_id": pid,
                        "day": EPOCH + timedelta(days=offset),
                        "metric_id": metric,
                        "gained": gained,
                    }
                    for (pid, offset, metric), gained in gains.items()
                ],
            )


def months_stored(engine: Engine) -> list[tuple[int, int, date, float]]:
    with Session(engine) as session:
        rows = session.execute(
            select(
                MonthlyGain.player_id, MonthlyGain.metric_id, MonthlyGain.month, MonthlyGain.gained
            ).where(MonthlyGain.group_id == GROUP)
        ).all()
    return sorted((p, m, month, g) for p, m, month, g in rows)


def test_a_month_holds_its_days_and_a_changed_day_re_sums_only_its_month(engine: Engine) -> None:
    # Hand-worked: player 1 gains 0.1 + 0.2 in January (two days), 5 on 1 February.
    put_gains(engine, {(1, 0, 1): 0.1, (1, 30, 1): 0.2, (1, 31, 1): 5.0, (2, 45, 2): 7.5})
    with Session(engine) as session, session.begin():
        assert update_monthly_gains(session, GROUP, set()) == 3  # every player-month, first run
    assert months_stored(engine) == [
        (1, 1, date(2024, 1, 1), 0.30000000000000004),  # 0.1 + 0.2 in binary floats
        (1, 1, date(2024, 2, 1), 5.0),
        (2, 2, date(2024, 2, 1), 7.5),
    ]
    with Session(engine) as session, session.begin():
        session.execute(
            insert(DailyGain),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "day": date(2024, 2, 20),
                    "metric_id": 3,
                    "gained": 4.0,
                }
            ],
        )
        session.execute(delete(DailyGain).where(DailyGain.player_id == 2))
        # Player 2's February lost its only gain; player 1's January is not touched.
        touched = {(1, date(2024, 2, 20)), (2, date(2024, 2, 15))}
        assert update_monthly_gains(session, GROUP, touched) == 2
    assert months_stored(engine) == [
        (1, 1, date(2024, 1, 1), 0.30000000000000004),
        (1, 1, date(2024, 2, 1), 5.0),
        (1, 3, date(2024, 2, 1), 4.0),
    ]


daily = st.dictionaries(
    st.tuples(st.integers(1, 3), st.integers(0, 800), st.integers(1, 3)),
    st.floats(0.001, 1e7, allow_nan=False).map(lambda g: round(g, 3)),
    max_size=60,
)
windows = st.tuples(st.integers(0, 800), st.integers(0, 400)).map(
    lambda t: (EPOCH + timedelta(days=t[0]), EPOCH + timedelta(days=t[0] + t[1]))
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(gains=daily, spans=st.lists(windows, min_size=1, max_size=4))
# A window ending on a month's first day: that month is not whole, its first day is an edge.
@example(
    gains={(1, 31, 1): 2.0, (1, 60, 1): 3.0, (1, 59, 1): 11.0},
    spans=[(date(2024, 1, 1), date(2024, 3, 1))],
)
# Starting on the 2nd: January is not whole, 2 Jan to 31 Jan is an edge.
@example(
    gains={(1, 0, 1): 2.0, (1, 1, 1): 3.0, (1, 40, 2): 1.0},
    spans=[(date(2024, 1, 2), date(2024, 2, 29)), (date(2024, 2, 1), date(2024, 2, 29))],
)
def test_a_window_total_is_the_sum_of_its_days(
    engine: Engine,
    gains: dict[tuple[int, int, int], float],
    spans: list[tuple[date, date]],
) -> None:
    put_gains(engine, gains)
    named = [Window(f"w{i}", start, end) for i, (start, end) in enumerate(spans)]
    with Session(engine) as session, session.begin():
        update_monthly_gains(session, GROUP, set())
        found = _histories(session, GROUP, named)
    for window in named:
        # Independent of the code: a brute-force sum over the window's days.
        expected: dict[int, dict[int, float]] = {}
        for (pid, offset, metric), gained in gains.items():
            if window.start <= EPOCH + timedelta(days=offset) <= window.end:
                per = expected.setdefault(pid, {})
                per[metric] = per.get(metric, 0.0) + gained
        got = {pid: dict(per) for pid, per in found[window.name].items() if per}
        assert got.keys() == expected.keys()
        for pid, per in expected.items():
            assert got[pid] == pytest.approx(per, rel=1e-12)
