  // --- members table ---------------------------------------------------------------------

  function renderMembers(body) {
    if (noMemberData) {
      body.append(empty(noMemberData));
      return;
    }
    const state = { query: "", status: "current", role: "all", period: "30d", sort: "name", dir: 1 };
    const roles = [...new Set(data.members.map((m) => m.role).filter(Boolean))].sort();
    const numeric = (key, label, get, format) => ({ key, label, get, format, numeric: true });
    const gain = (measure) =>
      numeric(
        measure,
        MEASURES[measure].label,
        (m) => m.gains[state.period][measure],
        (v) => fmtMeasure(measure, v),
      );
    const columns = [
      { key: "name", label: "Member", get: (m) => m.name, text: true },
      { key: "role", label: "Role", get: (m) => m.role, text: true },
      {
        key: "status",
        label: "Status",
        get: (m) => STATUS[m.status]?.order ?? 9,
        // A leave of absence and an alt's main (people.csv) are shown beside the status.
        cell: (m) =>
          m.away || mainNameOf.has(m.player_id)
            ? el(
                "span",
                { className: "status-away" },
                statusBadge(m.status),
                m.away ? [" ", awayBadge(m.away)] : null,
                altBadge(m.player_id, true), // whose: in its tooltip and the people panel
              )
            : statusBadge(m.status),
      },
      {
        key: "tenure",
        label: "Tenure",
        get: (m) => m.tenure_days,
        cell: (m) =>
          el("span", { attrs: { title: tenureTitle(m.tenure_source) } }, tenure(m.tenure_days, m.tenure_source)),
        numeric: true,
      },
      {
        key: "last_active",
        label: "Last active",
        get: (m) => (m.last_active_on ? -daysBefore(m.last_active_on) : null),
        cell: (m) => el("span", { attrs: { title: fmtDay(m.last_active_on) } }, ago(m.last_active_on)),
        numeric: true,
      },
      gain("xp"),
      gain("ehp"),
      gain("ehb"),
      gain("boss_kills"),
      gain("messages"),
      numeric(
        "streak",
        "Streak",
        (m) => m.streak.current,
        (v) => (v ? `${v} d` : "0"),
      ),
      numeric(
        "engagement",
        "Engagement",
        (m) => m.engagement,
        (v) => hoursSmall.format(v),
      ),
    ];

    const search = el("input", {
      attrs: {
        type: "search",
        id: "member-search",
        placeholder: "Name…",
        autocomplete: "off",
        spellcheck: "false",
      },
    });
    const statusSelect = select("member-status", [
      ["current", `Current members (${current.length})`],
      ["all", `Everyone (${data.members.length})`],
      ...Object.entries(STATUS).map(([key, info]) => [
        key,
        `${info.label} (${data.kpis.status_counts[key]})`,
      ]),
    ]);
    const roleSelect = select("member-role", [["all", "All roles"], ...roles.map((r) => [r, r])]);
    const periodSelect = select("member-period", [...PERIODS, ["365d", "365 days"]]);
    periodSelect.value = state.period;
    const count = el("p", { className: "count", attrs: { "aria-live": "polite", id: "member-count" } });
    body.append(
      el(
        "div",
        { className: "controls" },
        field("Search members", search, "member-search"),
        field("Status", statusSelect, "member-status"),
        field("Role", roleSelect, "member-role"),
        field("Gains over", periodSelect, "member-period"),
        count,
      ),
    );

    const headRow = el("tr");
    const headers = columns.map((col) => {
      const th = el("th", {
        className: classes(col.numeric && "numeric", col.key === "name" && "sticky-col"),
        attrs: { scope: "col" },
        data: { col: col.key },
      });
      th.append(
        button(col.label, { className: "sort-btn", data: { sort: col.key } }, () => {
          state.dir = state.sort === col.key ? -state.dir : col.text ? 1 : -1;
          state.sort = col.key;
          draw();
        }),
      );
      headRow.append(th);
      return th;
    });
    const tbody = el("tbody");
    const table = el(
      "table",
      { attrs: { id: "members-table" } },
      el("caption", { className: "visually-hidden" }, "Clan members; column headers sort the table."),
      el("thead", null, headRow),
      tbody,
    );
    const noRows = el("p", { className: "empty", attrs: { hidden: true }, data: { noRows: "" } });
    // On a phone the table scrolls sideways under its sticky names; a line above it and a fade
    // at the cut-off edge say there is more (cards would lose sorting and comparing down a column).
    const scroller = el(
      "div",
      {
        className: "table-wrap",
        attrs: { tabindex: 0, role: "region", "aria-label": "Members table (scrolls sideways)" },
      },
      table,
    );
    const frame = el("div", { className: "scroll-frame" }, scroller);
    const hint = el("p", { className: "scroll-hint", attrs: { hidden: true }, data: { scrollHint: "" } });
    const offRight = () => {
      const edge = scroller.scrollLeft + scroller.clientWidth + 1;
      return headers.filter((th) => th.offsetLeft + th.offsetWidth > edge).length;
    };
    const describe = (more) =>
      more
        ? `${plural(offRight(), "more column")} to the right: scroll the table sideways →`
        : `All ${columns.length} columns: scroll back ← for the first ones`;
    body.append(hint, frame, noRows);

    function matches(m) {
      if (
        state.status === "current" ? m.status === "left" : state.status !== "all" && m.status !== state.status
      )
        return false;
      if (state.role !== "all" && m.role !== state.role) return false;
      return !state.query || m.name.toLowerCase().includes(state.query);
    }

    function compare(col) {
      const collator = new Intl.Collator(LOCALE, { sensitivity: "base", numeric: true });
      return (a, b) => {
        const va = col.get(a);
        const vb = col.get(b);
        // No data sorts last whichever way the column runs.
        if (va === null || va === undefined)
          return vb === null || vb === undefined ? collator.compare(a.name, b.name) : 1;
        if (vb === null || vb === undefined) return -1;
        const order = col.text ? collator.compare(va, vb) : va - vb;
        return order * state.dir || collator.compare(a.name, b.name);
      };
    }

    function draw() {
      const col = columns.find((c) => c.key === state.sort);
      const rows = data.members.filter(matches).sort(compare(col));
      headers.forEach((th, i) => {
        if (columns[i].key === state.sort)
          th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        else th.removeAttribute("aria-sort");
      });
      const fragment = document.createDocumentFragment();
      for (const m of rows) {
        const tr = el("tr", { data: { player: m.player_id } });
        for (const c of columns) {
          let content;
          if (c.cell) content = c.cell(m);
          else if (c.format) {
            const v = c.get(m);
            content =
              v === null || v === undefined
                ? el("span", { className: "nodata", attrs: { title: "no data" } }, NO_DATA)
                : c.format(v);
          } else content = c.get(m) || NO_DATA;
          const isName = c.key === "name";
          // A long name is cut short (whole in its tooltip) so the sticky column leaves room.
          if (isName) content = el("span", { className: "name-cut", attrs: { title: m.name } }, m.name);
          tr.append(
            el(
              isName ? "th" : "td",
              {
                className: classes(c.numeric && "numeric", isName && "sticky-col"),
                attrs: isName ? { scope: "row" } : null,
              },
              content,
            ),
          );
        }
        fragment.append(tr);
      }
      tbody.replaceChildren(fragment);
      if (updateCue) updateCue();
      count.textContent = `Showing ${whole.format(rows.length)} of ${plural(data.members.length, "member")}`;
      noRows.hidden = rows.length > 0;
      noRows.textContent = state.query
        ? `No member matches “${search.value.trim()}” with these filters.`
        : "No member has this status and role.";
    }

    let updateCue = null;
    search.addEventListener("input", () => {
      state.query = search.value.trim().toLowerCase();
      draw();
    });
    statusSelect.addEventListener("change", () => ((state.status = statusSelect.value), draw()));
    roleSelect.addEventListener("change", () => ((state.role = roleSelect.value), draw()));
    periodSelect.addEventListener("change", () => ((state.period = periodSelect.value), draw()));
    draw();
    updateCue = scrollCue(frame, scroller, hint, describe);
  }

  function select(id, options) {
    return el(
      "select",
      { attrs: { id } },
      options.map(([value, text]) => el("option", { attrs: { value } }, text)),
    );
  }

  function field(label, control, id) {
    return el("label", { className: "field", attrs: { for: id } }, label, control);
  }

