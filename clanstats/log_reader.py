"""Reading app.log back: records (with their continuation lines) and the ones of a time span."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clanstats.clock import utcnow
from clanstats.logs import LOG_BACKUPS

# app.log's `%(asctime)s` prefix (`clanstats.logs.UtcFormatter`): ISO 8601 with its offset.
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) ")


@dataclass(frozen=True)
class LogLine:
    """One app.log record (with any continuation lines), its time in naive UTC."""

    at: datetime
    text: str


def read_log(log_file: Path) -> list[LogLine]:
    """Every record in app.log and its rotations, oldest first, times in naive UTC."""
    paths = [log_file.with_name(f"{log_file.name}.{n}") for n in range(LOG_BACKUPS, 0, -1)]
    records: list[LogLine] = []
    for path in [*paths, log_file]:
        if path.exists():
            records.extend(_parse_log(path.read_text(encoding="utf-8", errors="replace")))
    # Sorted, so a clock change or two processes logging at once can't hide a record.
    records.sort(key=lambda line: line.at)
    return records


def _parse_log(text: str) -> Iterator[LogLine]:
    at: datetime | None = None
    lines: list[str] = []
    for line in text.splitlines():
        stamp = LOG_TIME.match(line)
        if stamp:
            if at is not None:
                yield LogLine(at, "\n".join(lines))
            at = datetime.fromisoformat(stamp[1]).astimezone(UTC).replace(tzinfo=None)
            lines = [line]
        elif at is not None:  # a traceback or other continuation of the record above
            lines.append(line)
    if at is not None:
        yield LogLine(at, "\n".join(lines))


def lines_between(
    lines: Sequence[LogLine], started: datetime, finished: datetime | None
) -> list[LogLine]:
    """The records of a span; `lines` are oldest first, as `read_log` returns them."""
    # app.log keeps milliseconds: widen the run's span to whole milliseconds on both sides.
    start = started.replace(microsecond=started.microsecond // 1000 * 1000)
    end = (finished or utcnow()) + timedelta(milliseconds=1)
    first = bisect_left(lines, start, key=lambda line: line.at)
    last = bisect_left(lines, end, key=lambda line: line.at)
    return list(lines[first:last])
