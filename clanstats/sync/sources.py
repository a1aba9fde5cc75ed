"""What sync reads: the newest manifest row per output file, and secrets named in the rules."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import OutputFile
from clanstats.errors import ConfigError
from clanstats.settings import raw_environment


def latest_outputs(session: Session, *, group_id: int) -> list[OutputFile]:
    """Return the newest manifest row of every output path of the group, by path."""
    newest = (
        select(OutputFile.path, func.max(OutputFile.id).label("id"))
        .where(OutputFile.group_id == group_id)
        .group_by(OutputFile.path)
        .subquery()
    )
    return list(
        session.scalars(
            select(OutputFile).join(newest, OutputFile.id == newest.c.id).order_by(OutputFile.path)
        )
    )


def env_value(key: str, *, target: str) -> str:
    """Return `key` from the environment over `.env`; ConfigError naming the key if it's unset."""
    value = raw_environment().get(key, "").strip()
    if not value:
        raise ConfigError(
            f"sync target {target!r} needs {key} in .env or the environment (its value is a "
            "secret, so it is never written in rules.yaml)"
        )
    return value
