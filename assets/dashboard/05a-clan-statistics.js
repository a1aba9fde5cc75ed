  // --- clan statistics -------------------------------------------------------------------

  const ACCOUNT_TYPES = [
    ["regular", "Regular"],
    ["ironman", "Ironman"],
    ["hardcore", "Hardcore ironman"],
    ["ultimate", "Ultimate ironman"],
    ["other", "Other or unknown"],
  ];

  // Older files have no clan_statistics (undefined); null means no snapshot was stored yet.
  const clanStatistics = data.clan_statistics || null;

  function clanStatisticsHint() {
    if (!clanStatistics) return "What the members are: levels, maxed accounts, account types and total XP.";
    const day = fmtDay(clanStatistics.latest.day);
    return `What the members are on ${day}, from their Wise Old Man snapshots, and week by week.`;
  }

  function renderClanStatistics(body) {
    if (!clanStatistics) {
      body.append(
        empty(
          data.clan_statistics === undefined
            ? "This file has no clan statistics: it was made by an older ClanStats."
            : "No snapshots yet: clan statistics appear once a harvest has stored members' snapshots.",
        ),
      );
      return;
    }
    const latest = clanStatistics.latest;
    const layout = el("div", { className: "stats-layout" });
    body.append(statisticTiles(latest), layout);
    layout.append(accountTypes(clanStatistics.account_types, latest));
    weeklyXp(layout, [...clanStatistics.weeks, latest]);
  }

  /** A level: whole (1,801) or with one decimal (103.4); a dash when unknown. */
  function fmtLevel(n, format) {
    return n === null ? NO_DATA : format.format(n);
  }

  function statisticTiles(s) {
    const measured = s.measured === s.members ? "all with a snapshot" : `${whole.format(s.measured)} of them with a snapshot`;
    const tiles = [
      ["members", "Members", fmtCount(s.members), s.members, measured],
      ["xp", "Total XP", fmtTotal(s.xp), s.xp, `EHP ${fmtHours(s.ehp)} · EHB ${fmtHours(s.ehb)}`],
      ["maxed", "Maxed", fmtCount(s.maxed_total), s.maxed_total, "every skill at 99"],
      ["maxed_combat", "Max combat", fmtCount(s.maxed_combat), s.maxed_combat, "combat level 126"],
      ["skills_99", "99 skills", fmtCount(s.skills_99), s.skills_99, "skills at level 99"],
      ["skills_200m", "200M skills", fmtCount(s.skills_200m), s.skills_200m, "skills at 200M XP"],
      [
        "total_level",
        "Total level",
        fmtLevel(s.total_level_average, whole),
        s.total_level_average,
        `average · median ${fmtLevel(s.total_level_median, whole)}`,
      ],
      [
        "combat_level",
        "Combat level",
        fmtLevel(s.combat_level_average, oneDecimal),
        s.combat_level_average,
        `average · median ${fmtLevel(s.combat_level_median, oneDecimal)}`,
      ],
    ];
    return el(
      "div",
      { className: "kpis stat-tiles" },
      tiles.map(([key, label, value, raw, sub]) =>
        el(
          "div",
          { className: "kpi", data: { stat: key } },
          el("div", { className: "kpi-label" }, label),
          el("div", { className: "kpi-value", attrs: { title: exact(raw) } }, value),
          el("div", { className: "kpi-sub" }, sub),
        ),
      ),
    );
  }

  /** The members by account type: one bar split by share, and each type's count and share. */
  function accountTypes(types, latest) {
    const block = el("div", { className: "account-types" }, el("h3", null, "Account types"));
    if (!types) {
      const why = `Not known for ${fmtDay(latest.day)}: WOM says what an account is now, not what it was.`;
      block.append(el("p", { className: "note" }, why));
      return block;
    }
    const shown = ACCOUNT_TYPES.map(([key, label], i) => ({ key, label, cat: i, count: types[key] })).filter(
      (t) => t.count > 0,
    );
    const total = shown.reduce((sum, t) => sum + t.count, 0);
    if (!total) {
      block.append(el("p", { className: "note" }, "No members to count."));
      return block;
    }
    const share = (count) => `${Math.round((100 * count) / total)}%`;
    const said = shown.map((t) => `${t.label}: ${whole.format(t.count)} (${share(t.count)})`);
    const bar = el("div", { className: "type-bar", attrs: { role: "img", "aria-label": said.join(", ") } });
    shown.forEach((t, i) => {
      const part = el("span", { className: `cat-${t.cat}`, attrs: { title: said[i] } });
      part.style.width = `${(100 * t.count) / total}%`;
      bar.append(part);
    });
    const rows = shown.map((t) =>
      el(
        "li",
        { data: { type: t.key } },
        el("span", { className: `swatch cat-${t.cat}` }),
        el("span", { className: "type-name" }, t.label),
        el("span", { className: "num" }, whole.format(t.count)),
        el("span", { className: "type-share" }, share(t.count)),
      ),
    );
    block.append(bar, el("ul", { className: "type-list" }, rows));
    return block;
  }

  /** The members' total XP at each week's end and on the latest day, as a line. */
  function weeklyXp(container, rows) {
    const days = rows.filter((row) => row.xp !== null);
    const title = el("h3", null, "Total XP, week by week");
    const block = el("div", { className: "chart-block" });
    container.append(block);
    if (days.length < 2) {
      block.append(title, el("p", { className: "note" }, "The weekly trend starts once a week with snapshots has ended."));
      return;
    }
    const latestDay = clanStatistics.latest.day;
    const describe = (row) => {
      const when = `${weekdayShort.format(parseDay(row.day))} ${fmtDay(row.day)}`;
      if (row.day !== latestDay) return `Week to ${when}`;
      return row.day === data.today ? `${when}, today` : `${when}, the latest`;
    };
    const readout = el(
      "p",
      { className: "readout", attrs: { "aria-live": "polite" } },
      "Point at a week, or focus the chart and use the arrow keys.",
    );
    const holder = el("div");
    // Early on WOM may not have had every member's snapshot: those weeks sum fewer members.
    const partly = days.some((row) => row.measured < row.members);
    block.append(
      el("div", { className: "chart-head" }, title, readout),
      holder,
      el(
        "ul",
        { className: "legend" },
        el("li", null, el("span", { className: "swatch swatch-xp" }), "Members' total XP (the axis doesn't start at 0)"),
        partly ? el("li", null, "Early weeks count only the members who had a snapshot by then") : null,
      ),
    );
    // The block is on the page already: the chart takes its width from the holder.
    timeChart(holder, readout, {
      id: "clanstats-xp",
      days,
      describe,
      fit: true,
      label: "The members' total XP at the end of each week",
      axis: (v) => fmtTotal(v),
      readout: (row) =>
        [
          `${fmtTotal(row.xp)} XP`,
          plural(row.members, "member"),
          row.measured === row.members ? null : `${whole.format(row.measured)} with a snapshot`,
        ]
          .filter(Boolean)
          .join(" · "),
      series: [{ key: "xp", kind: "line", cls: "line-total", points: "point-total", format: fmtTotal, unit: "XP" }],
    });
  }
