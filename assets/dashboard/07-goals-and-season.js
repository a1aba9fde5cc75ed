  // --- goals and season ------------------------------------------------------------------

  function renderGoals(body) {
    const items = data.goals.items;
    if (!items.length) {
      body.append(empty("No weekly goals are set for the clan yet (they live under goals: in rules.yaml)."));
      return;
    }
    const reached = items.filter((g) => g.achieved).length;
    const daysLeft = Math.round((parseDay(data.goals.week_end) - today) / DAY_MS);
    const left = daysLeft <= 0 ? "last day of the week" : `${plural(daysLeft, "more day")} this week`;
    body.append(
      el("p", { className: "goal-summary muted" }, `${reached} of ${items.length} reached · ${left}`),
    );
    if (noMemberData)
      body.append(el("p", { className: "note goal-note" }, `${noMemberData} Nothing counts towards the goals until then.`));
    for (const goal of items) {
      // The export's whole percent (floored, 100 only when met): the workbook shows the same.
      const percent = goal.percent;
      const measure = goal.metric === "ehp" || goal.metric === "ehb" ? goal.metric : "xp";
      const fill = el("span");
      fill.style.width = `${percent}%`;
      body.append(
        el(
          "div",
          { className: "goal", data: { goal: goal.name } },
          el(
            "div",
            { className: "goal-head" },
            el("strong", null, goal.name),
            el(
              "span",
              { attrs: { title: `${exact(goal.progress)} of ${exact(goal.target)}` } },
              `${fmtMeasure(measure, goal.progress)} of ${fmtMeasure(measure, goal.target)} · ${percent}%`,
            ),
          ),
          el(
            "div",
            {
              className: `progress${goal.achieved ? " done" : ""}`,
              attrs: {
                role: "progressbar",
                "aria-label": goal.name,
                "aria-valuemin": 0,
                "aria-valuemax": 100,
                "aria-valuenow": percent,
              },
            },
            fill,
          ),
          goal.achieved ? el("p", { className: "note" }, badge("Reached", "good")) : null,
        ),
      );
    }
  }

  /** Why no season is shown: none set up, or the next one's start, or the last one's end. */
  function noSeason() {
    const day = data.today;
    const next = rules.seasons.filter((s) => s.start > day).sort((a, b) => (a.start < b.start ? -1 : 1))[0];
    if (next) {
      const wait = Math.round((parseDay(next.start) - today) / DAY_MS);
      return `No season is running: the next, ${next.name}, starts ${fmtDay(next.start)} (in ${plural(wait, "day")}).`;
    }
    const last = rules.seasons.filter((s) => s.end < day).sort((a, b) => (a.end > b.end ? -1 : 1))[0];
    if (last) return `No season is running: the last, ${last.name}, ended ${fmtDay(last.end)}. Add the next under seasons: in rules.yaml.`;
    return "No season is set up (seasons are set under seasons: in rules.yaml).";
  }

  function renderSeason(body) {
    const season = data.season;
    if (!season) {
      body.append(empty(noSeason()));
      return;
    }
    const timing = seasonTiming(season);
    if (timing) body.append(el("p", { className: "season-dates muted", data: { seasonDates: "" } }, timing));
    if (!season.standings.length) {
      body.append(
        empty(
          `${season.name} is running, but nobody has points yet${noMemberData ? `. ${noMemberData}` : "."}`,
        ),
      );
      return;
    }
    body.append(
      limitedList(
        season.standings,
        PHONE ? 5 : 6,
        (row) =>
          el(
            "li",
            null,
            el("span", { className: `rank rank-${row.place}` }, String(row.place)),
            el("span", { className: "who" }, row.name, altBadge(row.player_id, true)),
            el(
              "span",
              { className: "num", attrs: { title: exact(row.points) } },
              `${fmtHours(row.points)} pts`,
            ),
          ),
        () => el("ol", { className: "rank-list", data: { list: "season" } }),
        "members",
      ),
    );
  }

