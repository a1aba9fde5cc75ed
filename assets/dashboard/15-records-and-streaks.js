  // --- records and streaks ---------------------------------------------------------------

  function renderRecords(body, tools) {
    if (noMemberData) {
      body.append(empty(noMemberData));
      return;
    }
    let span = "day";
    const holder = el("div");
    const spans = [
      ["day", "Best day"],
      ["week", "Best week"],
    ];
    const draw = () => {
      clear(holder);
      const boards = data.records.filter((r) => r.span === span);
      if (!boards.some((b) => b.leaders.length)) {
        holder.append(
          empty(noMemberData || "No records yet: they appear once there are days of snapshots to compare."),
        );
        return;
      }
      holder.append(
        el(
          "div",
          { className: "columns", data: { span } },
          boards.map((board) =>
            el(
              "div",
              null,
              el(
                "h3",
                null,
                `${MEASURES[board.measure].label} · ${span === "day" ? "best day" : "best week"}`,
              ),
              board.leaders.length
                ? el(
                    "ol",
                    { className: "rank-list" },
                    board.leaders.map((row, i) =>
                      el(
                        "li",
                        null,
                        el("span", { className: `rank rank-${i + 1}` }, String(i + 1)),
                        el(
                          "span",
                          { className: "who" },
                          row.name,
                          " ",
                          altBadge(row.player_id, true),
                          el(
                            "small",
                            null,
                            span === "day" ? fmtDay(row.start_on) : `week of ${fmtDay(row.start_on)}`,
                          ),
                        ),
                        el(
                          "span",
                          { className: "num", attrs: { title: exact(row.value) } },
                          fmtMeasure(board.measure, row.value),
                        ),
                      ),
                    ),
                  )
                : empty(`No ${MEASURES[board.measure].long} records yet.`),
            ),
          ),
        ),
      );
    };
    tools.append(segmented("Record span", spans, span, (value) => ((span = value), draw())));
    body.append(holder);
    draw();
    // A best streak that ended today or yesterday may still be going.
    const ended = (row) =>
      row.ended_on && daysBefore(row.ended_on) <= 1 ? "still running" : `ended ${fmtDay(row.ended_on)}`;
    const streakList = (rows, running) =>
      rows.length
        ? limitedList(
            rows,
            5,
            (row) =>
              el(
                "li",
                null,
                el(
                  "span",
                  { className: `rank rank-${rows.indexOf(row) + 1}` },
                  String(rows.indexOf(row) + 1),
                ),
                el("span", { className: "who" }, row.name, altBadge(row.player_id, true), running ? null : el("small", null, ended(row))),
                el("span", { className: "num" }, plural(row.days, "day")),
              ),
            () => el("ol", { className: "rank-list" }),
            "streaks",
          )
        : empty(running ? "No streak is running: nobody was active today or yesterday." : "No streaks yet.");
    body.append(
      el("p", { className: "section-label" }, "Activity streaks"),
      el(
        "div",
        { className: "columns" },
        el(
          "div",
          { data: { streaks: "current" } },
          el("h3", null, "Running now"),
          streakList(data.streaks.current, true),
        ),
        el(
          "div",
          { data: { streaks: "best" } },
          el("h3", null, "Longest ever"),
          streakList(data.streaks.best, false),
        ),
      ),
    );
  }

