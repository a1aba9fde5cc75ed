"""`replace_rows`: a derived table made equal to the wanted rows by writing only the differences."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from clanstats.db.models import ChatHeatmap
from clanstats.db.replace import Written, replace_rows


def cell(group: int, weekday: int, hour: int, messages: int) -> dict[str, Any]:
    return {"group_id": group, "weekday": weekday, "hour": hour, "messages": messages}


def stored(engine: Engine) -> list[tuple[int, int, int, int]]:
    with Session(engine) as session:
        rows = session.execute(
            select(
                ChatHeatmap.group_id, ChatHeatmap.weekday, ChatHeatmap.hour, ChatHeatmap.messages
            )
        ).all()
    return sorted((g, w, h, m) for g, w, h, m in rows)


def replace(engine: Engine, group: int, rows: list[dict[str, Any]]) -> Written:
    with Session(engine) as session, session.begin():
        return replace_rows(session, ChatHeatmap, rows, scope=ChatHeatmap.group_id == group)


def test_only_the_differences_are_written_and_other_groups_are_left_alone(
    migrated_engine: Engine,
) -> None:
    with Session(migrated_engine) as session, session.begin():
        session.execute(
            insert(ChatHeatmap),
            [cell(1, 0, 9, 5), cell(1, 0, 10, 7), cell(1, 2, 20, 1), cell(2, 0, 9, 99)],
        )
    # By hand: (0, 9) kept, (0, 10) 7 -> 8, (2, 20) gone, (6, 23) new; group 2 untouched.
    written = replace(migrated_engine, 1, [cell(1, 0, 9, 5), cell(1, 0, 10, 8), cell(1, 6, 23, 3)])
    assert written == Written(inserted=1, updated=1, deleted=1)
    assert stored(migrated_engine) == [(1, 0, 9, 5), (1, 0, 10, 8), (1, 6, 23, 3), (2, 0, 9, 99)]
    assert replace(
        migrated_engine, 1, [cell(1, 0, 9, 5), cell(1, 0, 10, 8), cell(1, 6, 23, 3)]
    ) == (Written())
    assert replace(migrated_engine, 1, []) == Written(deleted=3)
    assert stored(migrated_engine) == [(2, 0, 9, 99)]


cells = st.dictionaries(
    st.tuples(st.integers(0, 6), st.integers(0, 23)), st.integers(0, 50), max_size=12
)


# The table is emptied first in each example, so one database serves them all.
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(before=cells, after=cells)
def test_the_table_ends_equal_to_the_wanted_rows(
    migrated_engine: Engine,
    before: dict[tuple[int, int], int],
    after: dict[tuple[int, int], int],
) -> None:
    with Session(migrated_engine) as session, session.begin():
        session.execute(delete(ChatHeatmap))
        if before:
            session.execute(insert(ChatHeatmap), [cell(1, w, h, m) for (w, h), m in before.items()])
    written = replace(migrated_engine, 1, [cell(1, w, h, m) for (w, h), m in after.items()])
    assert stored(migrated_engine) == sorted((1, w, h, m) for (w, h), m in after.items())
    # Invariant: each key is inserted, updated or deleted at most once, and only when it differs.
    assert written.inserted == len(after.keys() - before.keys())
    assert written.deleted == len(before.keys() - after.keys())
    assert written.updated == sum(
        1 for key in after.keys() & before.keys() if after[key] != before[key]
    )
