  // --- competitions ----------------------------------------------------------------------

  const COMPETITION_STATUS = {
    running: { label: "Running", tone: "good" },
    upcoming: { label: "Upcoming", tone: "info" },
    finished: { label: "Finished", tone: "neutral" },
  };

  function renderCompetitions(body) {
    // Older files have no competitions (undefined).
    if (data.competitions === undefined) {
      body.append(empty("This file has no competitions: it was made by an older ClanStats."));
      return;
    }
    if (!data.competitions.length) {
      body.append(
        empty(
          "No competitions yet: the clan's Wise Old Man competitions show here once a harvest has read them.",
        ),
      );
      return;
    }
    body.append(
      el(
        "div",
        { className: "comp-layout" },
        el(
          "div",
          null,
          el("h3", null, "Recent competitions"),
          limitedList(
            data.competitions,
            PHONE ? 3 : 6,
            competitionCard,
            () => el("div", { className: "comp-grid" }),
            "competitions",
          ),
        ),
        el("div", null, el("h3", null, "Who joins them · last 90 days"), attendanceBoard()),
      ),
    );
  }

  function competitionCard(c) {
    const status = COMPETITION_STATUS[c.status] || { label: c.status, tone: "neutral" };
    const facts = [
      c.metric ? metricName(c.metric) : null,
      c.type === "team" ? "teams" : null,
      dateRange(c.starts_on, c.ends_on),
    ].filter(Boolean);
    const people = [participantsText(c), competitionTiming(c)].filter(Boolean);
    return el(
      "article",
      { className: `comp-card comp-${c.status}`, data: { competition: c.id } },
      el(
        "div",
        { className: "comp-head" },
        el("h4", { className: "comp-title" }, c.title),
        badge(status.label, status.tone),
      ),
      el("p", { className: "comp-facts" }, facts.join(" · ")),
      people.length ? el("p", { className: "comp-people" }, people.join(" · ")) : null,
      podium(c),
    );
  }

  function metricName(metric) {
    return metric === "ehp" || metric === "ehb" ? metric.toUpperCase() : bossLabel(metric);
  }

  /** "22 taking part": the standings read, or WOM's own count until they are (none: the podium says so). */
  function participantsText(c) {
    const verb = c.status === "finished" ? "took part" : c.status === "running" ? "taking part" : "signed up";
    if (c.participants === 0) return null;
    if (c.participants !== null) return `${whole.format(c.participants)} ${verb}`;
    if (c.wom_participants !== null) return `${whole.format(c.wom_participants)} ${verb} (WOM's count)`;
    return null;
  }

  function competitionTiming(c) {
    if (c.status === "upcoming") {
      const wait = Math.round((parseDay(c.starts_on) - today) / DAY_MS);
      return wait <= 0 ? "starts today" : `starts in ${plural(wait, "day")}`;
    }
    if (c.status === "running") {
      const left = Math.round((parseDay(c.ends_on) - today) / DAY_MS);
      return left <= 0 ? "last day today" : `${plural(left, "day")} left`;
    }
    return null;
  }

  /** The first three places with what each gained; a line instead when there is none to show. */
  function podium(c) {
    if (!c.top.length) {
      let why = "Its standings haven't been read yet.";
      if (c.participants === 0) why = "Nobody took part.";
      else if (c.status === "upcoming") why = "Standings once it has started.";
      return el("p", { className: "comp-none" }, why);
    }
    if (!c.top.some((p) => p.gained)) return el("p", { className: "comp-none" }, "Nobody has gained yet.");
    return el(
      "ol",
      { className: "comp-podium" },
      c.top.map((p) =>
        el(
          "li",
          { data: { player: p.player_id } },
          el("span", { className: `rank rank-${p.rank}` }, ordinal(p.rank)),
          el("span", { className: "who", attrs: { title: p.name } }, p.name, altBadge(p.player_id, true)),
          el(
            "span",
            {
              className: classes("num", p.gained === null && "nodata"),
              attrs: { title: p.gained === null ? "unknown: WOM had no value at one end" : exact(p.gained) },
            },
            fmtGain(c, p.gained),
          ),
        ),
      ),
    );
  }

  /** A gain in the competition's unit: XP, kills, hours (EHP, EHB) or a score. */
  function fmtGain(c, gained) {
    if (gained === null) return NO_DATA;
    if (c.metric === "ehp" || c.metric === "ehb" || c.metric_kind === "computed") return `${fmtHours(gained)} h`;
    if (c.metric_kind === "skill") return `${fmtCount(gained)} XP`;
    if (c.metric_kind === "boss") return `${fmtCount(gained)} ${gained === 1 ? "kill" : "kills"}`;
    return fmtCount(gained);
  }

  function ordinal(n) {
    const tens = n % 100;
    const suffix = tens >= 11 && tens <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
    return `${n}${suffix}`;
  }

  /** Current members with a competition held for them in 90 days: best rate first. */
  function attendanceRows() {
    const collator = new Intl.Collator(LOCALE, { sensitivity: "base", numeric: true });
    const best = (m) => m.competitions.best_rank ?? Infinity;
    return current
      .filter((m) => m.competitions && m.competitions.held_90 > 0)
      .sort(
        (a, b) =>
          b.competitions.rate_90 - a.competitions.rate_90 ||
          b.competitions.joined_90 - a.competitions.joined_90 ||
          (best(a) === best(b) ? 0 : best(a) - best(b)) ||
          collator.compare(a.name, b.name),
      );
  }

  function attendanceBoard() {
    if (noMemberData) return empty(noMemberData);
    const rows = attendanceRows();
    if (!rows.length) {
      return empty("No competition has started in the last 90 days while any of today's members was in the clan.");
    }
    // Equal rate and count share a place.
    let place = 0;
    const placed = rows.map((m, i) => {
      const before = rows[i - 1];
      const same =
        before &&
        before.competitions.rate_90 === m.competitions.rate_90 &&
        before.competitions.joined_90 === m.competitions.joined_90;
      if (!same) place = i + 1;
      return { member: m, place };
    });
    return el(
      "div",
      null,
      limitedList(
        placed,
        PHONE ? 5 : 8,
        ({ member, place: shown }) => attendanceRow(member, shown),
        () => el("ol", { className: "rank-list attend-list", data: { list: "attendance" } }),
        "members",
      ),
      el(
        "p",
        { className: "note" },
        "Joined of the competitions that started while they were in the clan, last 90 days. Best place: their best in any competition (most gained first).",
      ),
    );
  }

  function attendanceRow(m, place) {
    const a = m.competitions;
    const percent = Math.round(100 * a.rate_90);
    const best = a.best_rank ? `best ${ordinal(a.best_rank)}` : "never joined one";
    const bar = el("span", { className: "bar" });
    bar.style.width = `${percent}%`;
    return el(
      "li",
      { data: { player: m.player_id } },
      el("span", { className: `rank rank-${place}` }, String(place)),
      el(
        "span",
        { className: "who" },
        el("span", { attrs: { title: m.name } }, m.name, altBadge(m.player_id, true)),
        el("small", null, `${whole.format(a.joined_90)} of ${whole.format(a.held_90)} · ${best}`),
      ),
      el("span", { className: "num", attrs: { title: `${a.joined_90} of ${a.held_90} in the last 90 days` } }, `${percent}%`),
      bar,
    );
  }

  function competitionsJson() {
    return {
      competitions: data.competitions,
      attendance: attendanceRows().map((m) => ({ player_id: m.player_id, name: m.name, ...m.competitions })),
    };
  }
