"""What sync reads: the newest manifest row per output file, and secrets named in the rules."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import OutputFile
from clanstats.errors import ConfigError
from clanstats.settings import PROJECT_ROOT


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
    env_file = Path(os.environ.get("CLANSTATS_ENV_FILE", PROJECT_ROOT / ".env"))
    values: dict[str, str] = {}
    if env_file.exists():
        try:
            raw = dotenv_values(env_file)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{env_file}: can't be read ({exc}); fix or recreate it") from None
        values.update({k: v for k, v in raw.items() if v is not None})
    values.update(os.environ)
    value = values.get(key, "").strip()
    if not value:
        raise ConfigError(
            f"sync target {target!r} needs {key} in .env or the environment (its value is a "
            "secret, so it is never written in rules.yaml)"
        )
    return value
