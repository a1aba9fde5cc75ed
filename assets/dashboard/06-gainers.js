  // --- gainers ---------------------------------------------------------------------------

  function renderGainers(body, tools) {
    if (noMemberData) {
      body.append(empty(noMemberData));
      return;
    }
    let period = "7d";
    const draw = () => {
      clear(body);
      const board = data.gainers[period];
      const label = PERIODS.find((p) => p[0] === period)[1];
      body.append(
        el(
          "div",
          { className: "columns", data: { period } },
          ["xp", "ehp", "ehb"].map((measure) => {
            const rows = board[measure];
            const top = rows.length ? rows[0].gained : 1;
            return el(
              "div",
              null,
              el("h3", null, `${MEASURES[measure].label} · ${label}`),
              rows.length
                ? limitedList(
                    rows,
                    PHONE ? 5 : 10,
                    (row) => {
                      const rank = rows.indexOf(row) + 1;
                      const bar = el("span", { className: "bar" });
                      bar.style.width = `${Math.max(2, (row.gained / top) * 100)}%`;
                      return el(
                        "li",
                        null,
                        el("span", { className: `rank rank-${rank}` }, String(rank)),
                        el("span", { className: "who" }, row.name, altBadge(row.player_id, true)),
                        el(
                          "span",
                          { className: "num", attrs: { title: exact(row.gained) } },
                          fmtMeasure(measure, row.gained),
                        ),
                        bar,
                      );
                    },
                    () => el("ol", { className: "rank-list", data: { measure } }),
                    "gainers",
                  )
                : empty(
                    `Nobody gained ${MEASURES[measure].label} in the last ${label}, or no snapshots cover those days yet.`,
                  ),
            );
          }),
        ),
      );
    };
    tools.append(segmented("Gains over", PERIODS, period, (value) => ((period = value), draw())));
    draw();
  }

