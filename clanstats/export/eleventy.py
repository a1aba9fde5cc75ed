"""The Eleventy bundle: the public summary as site data, and a page that shows it.

Drop `site/` into an Eleventy project: `_data/clanstats.json` becomes the global `clanstats`
and `clanstats.md` renders it at `/clan/`. The page is written in Nunjucks, which escapes every
value it prints (and every name is escaped explicitly as well), so member names can't inject
markup into the site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# `num` prints a count with thousands separators (28,945,542): the page can't rely on the
# Eleventy project having a number filter, so it is a Nunjucks macro with a regex literal.
PAGE = r"""---
title: Clan stats
permalink: /clan/
templateEngineOverride: njk,md
---
{%- macro num(value) -%}
{{ value | round | int | string | replace(r/\B(?=(\d{3})+(?!\d))/g, ",") }}
{%- endmacro %}

# {{ clanstats.clan.name | e }}

{{ num(clanstats.clan.members) }} members, updated {{ clanstats.date }}.
This week the clan gained {{ num(clanstats.totals.xp_7d) }} XP and
{{ num(clanstats.totals.boss_kills_7d) }} boss kills.
{%- set stats = clanstats.statistics %}
{%- if stats and stats.xp and stats.total_level_average %}
Together they have {{ num(stats.xp) }} XP and {{ num(stats.maxed) }} maxed accounts;
the average total level is {{ num(stats.total_level_average) }}.
{%- endif %}

{% if clanstats.goals.length %}
## This week's goals

<ul class="clanstats-goals">
{%- for goal in clanstats.goals %}
  <li>{{ goal.name | e }}: {{ num(goal.progress) }} of {{ num(goal.target) }}
  ({{ goal.percent }}%){%- if goal.achieved %} (done){% endif %}</li>
{%- endfor %}
</ul>
{% endif %}

{% if clanstats.season %}
## {{ clanstats.season.name | e }}

<ol class="clanstats-season">
{%- for row in clanstats.season.standings %}
  <li value="{{ row.place }}">{{ row.name | e }}: {{ row.points }} points</li>
{%- endfor %}
</ol>
{% endif %}

{% if clanstats.competitions and clanstats.competitions.length %}
## Competitions

<ul class="clanstats-competitions">
{%- for comp in clanstats.competitions %}
  <li><strong>{{ comp.title | e }}</strong>, {{ comp.starts_on }} to {{ comp.ends_on }}
  ({{ comp.status }}
  {%- if comp.participants %}, {{ num(comp.participants) }}
  {%- if comp.status == "finished" %} took part{% else %} taking part{% endif %}{% endif %})
  {%- if comp.top.length %}
    <ol class="clanstats-podium">
    {%- for place in comp.top %}
      <li value="{{ place.rank }}">{{ place.name | e }}
      {%- if place.gained != null %}: {{ num(place.gained) }}{% endif %}</li>
    {%- endfor %}
    </ol>
  {%- endif %}</li>
{%- endfor %}
</ul>
{% endif %}

## Members

<table class="clanstats-members">
  <thead><tr><th>Name</th><th>Role</th><th>Status</th><th>XP, 30 days</th></tr></thead>
  <tbody>
{%- for member in clanstats.members %}
    <tr>
      <td>{{ member.name | e }}</td><td>{{ member.role | e }}</td>
      <td>{% if member.status == "unknown" %}not enough history yet
        {%- else %}{{ member.status | e }}{% endif %}</td>
      <td>{% if member.gains["30d"] %}{{ num(member.gains["30d"].xp) }}{% endif %}</td>
    </tr>
{%- endfor %}
  </tbody>
</table>
"""


def bundle_files(public_summary: dict[str, Any]) -> dict[str, bytes]:
    """The bundle's files, relative to `site/`."""
    data = json.dumps(public_summary, ensure_ascii=False, indent=2, sort_keys=True)
    return {
        "_data/clanstats.json": data.encode("utf-8"),
        "clanstats.md": PAGE.encode("utf-8"),
    }


def bundle_paths(site_dir: Path, public_summary: dict[str, Any]) -> dict[Path, bytes]:
    """The bundle's files as absolute paths under `site_dir`."""
    return {site_dir / name: data for name, data in bundle_files(public_summary).items()}
