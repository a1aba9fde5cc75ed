"""The transform stage: derive identity links from the raw tables (more derivations to come)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clanstats.harvest.wom import require_group_id
from clanstats.stage import StageContext, StageResult
from clanstats.transform.identity import link_identities
from clanstats.transform.identity_file import read_identity_file


def transform_stage(context: StageContext) -> StageResult:
    """Link Discord users and relay names to members, in one transaction."""
    group_id = require_group_id(context.settings)
    # Read (and validate) the officers' file before touching anything: a mistake there stops
    # the stage with the previous derived tables intact.
    manual = read_identity_file(context.settings.identity_file)
    with Session(context.engine) as session, session.begin():
        identity = link_identities(session, group_id, manual)
    return StageResult(counts=identity.counts())
