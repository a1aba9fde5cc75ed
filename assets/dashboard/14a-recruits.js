  // --- recruits --------------------------------------------------------------------------

  const RECRUIT_MARKS = [30, 90, 180];
  const monthYear = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });

  function fmtMonth(yearMonth) {
    return monthYear.format(parseDay(`${yearMonth}-01`));
  }

  function renderRecruits(body) {
    // Older files have no recruits (undefined); an empty clan has nobody to show.
    if (data.recruits === undefined) {
      body.append(empty("This file has no recruits: it was made by an older ClanStats."));
      return;
    }
    if (noMemberData) {
      body.append(empty(noMemberData));
      return;
    }
    const waiting = data.recruits.to_welcome;
    body.append(el("p", { className: "section-label" }, `New recruits to welcome (${whole.format(waiting.length)})`));
    body.append(
      waiting.length
        ? limitedList(waiting, PHONE ? 4 : 8, welcomeCard, () => el("div", { className: "welcome-list" }), "recruits")
        : empty(
            "No new recruit needs a welcome: everyone who joined in the last 30 days has sent a message and made game progress.",
          ),
    );
    // Without Discord (no heatmap) nobody's messages are known, so "no message yet" says little.
    if (waiting.length && data.heatmap === null) {
      body.append(
        el("p", { className: "note" }, "Discord isn't connected, so nobody's messages are known: \"no message yet\" may be wrong."),
      );
    }
    body.append(el("p", { className: "section-label" }, "How each month's recruits stayed"));
    body.append(cohortTable(data.recruits.cohorts));
  }

  function welcomeCard(r) {
    const firsts = [
      r.first_message_on ? `First message ${fmtDay(r.first_message_on)}` : null,
      r.first_game_on ? `First game progress ${fmtDay(r.first_game_on)}` : null,
    ].filter(Boolean);
    return el(
      "div",
      { className: "welcome", data: { player: r.player_id } },
      // The name is whole in its tooltip when cut short.
      el("strong", { className: "who", attrs: { title: r.name } }, r.name, altBadge(r.player_id, true)),
      el("span", { className: "joined", attrs: { title: `Joined ${fmtDay(r.joined_on)}` } }, `Joined ${ago(r.joined_on)}`),
      el("span", { className: "missing" }, r.reason.charAt(0).toUpperCase() + r.reason.slice(1)),
      firsts.length ? el("small", null, firsts.join(" · ")) : null,
    );
  }

  /** The months newest first: a table when wide, a card per month on a phone. */
  function cohortTable(cohorts) {
    if (!cohorts.length) {
      return empty(
        "No recruits yet: members who join after the clan was on Wise Old Man appear here by the month they joined.",
      );
    }
    const months = [...cohorts].reverse();
    const limit = PHONE ? 4 : 12;
    let expanded = false;
    const tbody = el("tbody", { attrs: { role: "rowgroup" } });
    const more = el("div", { className: "more" });
    const draw = () => {
      clear(tbody);
      tbody.append(...(expanded ? months : months.slice(0, limit)).map(cohortRow));
      clear(more);
      if (months.length > limit) {
        const label = expanded ? "Show fewer" : `Show all ${plural(months.length, "month")}`;
        more.append(
          button(label, { className: "btn-link" }, () => {
            expanded = !expanded;
            draw();
          }),
        );
      }
    };
    draw();
    const head = el(
      "tr",
      { attrs: { role: "row" } },
      ["Joined in", "Recruits", "Still in", ...RECRUIT_MARKS.map((days) => `After ${days} days`)].map((h, i) =>
        el("th", { className: i === 1 || i === 2 ? "numeric" : null, attrs: { scope: "col", role: "columnheader" } }, h),
      ),
    );
    return el(
      "div",
      null,
      el(
        "div",
        { className: "table-wrap short" },
        el(
          "table",
          { className: "table-cards cohort-table", attrs: { id: "cohort-table", role: "table" } },
          el("thead", { attrs: { role: "rowgroup" } }, head),
          tbody,
        ),
      ),
      more,
      el(
        "p",
        { className: "note" },
        "Stayed: still in the clan that many days after joining. Active: stayed, with XP, EHP, EHB, a boss kill or a message in the 30 days up to then. Unknown: those days lie before ClanStats could see their game since they joined, so the share active is a range. A dash: nobody from that month has been in the clan that long yet.",
      ),
    );
  }

  function cohortRow(c) {
    const cell = (label, props, ...content) =>
      el(
        "td",
        { ...props, attrs: { role: "cell", ...(props && props.attrs) }, data: { label, ...(props && props.data) } },
        ...content,
      );
    return el(
      "tr",
      { attrs: { role: "row" }, data: { month: c.month } },
      el("th", { attrs: { scope: "row", role: "rowheader" } }, fmtMonth(c.month)),
      cell("Recruits", { className: "numeric" }, whole.format(c.recruits)),
      cell("Still in", { className: "numeric" }, whole.format(c.still_in)),
      RECRUIT_MARKS.map((days) => markCell(cell, c, days)),
    );
  }

  function markCell(cell, cohort, days) {
    const mark = cohort[`day_${days}`];
    const label = `${days} days`;
    if (!mark) {
      const why = `Nobody who joined in ${fmtMonth(cohort.month)} has been in the clan ${days} days yet`;
      return cell(label, { className: "nodata", attrs: { title: why }, data: { mark: days } }, NO_DATA);
    }
    const share = (n) => `${Math.round((100 * n) / mark.reached)}%`;
    let active;
    if (!mark.unknown) active = share(mark.active);
    else if (mark.unknown === mark.reached) active = "unknown";
    else active = `${Math.round((100 * mark.active) / mark.reached)}–${share(mark.active + mark.unknown)}`;
    const unknown = mark.unknown ? `, ${whole.format(mark.unknown)} unknown` : "";
    const line = (kind, text, percent, detail) =>
      el(
        "span",
        { className: "rate", data: { rate: kind } },
        `${text} `,
        el("strong", null, percent),
        " ",
        el("small", null, detail),
      );
    return cell(
      label,
      { className: "mark", data: { mark: days } },
      // One block: on a phone the cell is a label beside its value.
      el(
        "div",
        { className: "rates" },
        line("stayed", "Stayed", share(mark.stayed), `${whole.format(mark.stayed)} of ${whole.format(mark.reached)}`),
        line("active", "Active", active, `${whole.format(mark.active)} of ${whole.format(mark.reached)}${unknown}`),
      ),
    );
  }
