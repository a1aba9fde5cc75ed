  // --- people: players with alts (people.csv) ----------------------------------------------

  function renderPeople(body) {
    if (!people.length) {
      body.append(
        empty(
          noMemberData ||
            "No player has alts listed: officers name each alt and its main in people.csv (see people.example.csv).",
        ),
      );
      return;
    }
    // A table on a wide screen, cards on a phone (as the removal list): the alts' names wrap.
    const cell = cardCell;
    const measure = (period, key) => {
      const value = period[key];
      return value === null || value === undefined
        ? el("span", { className: "nodata", attrs: { title: "no data" } }, NO_DATA)
        : fmtMeasure(key, value);
    };
    const rows = people.map((p) => {
      const month = p.gains["30d"];
      return el(
        "tr",
        { attrs: { role: "row" }, data: { player: p.player_id } },
        el("th", { attrs: { scope: "row", role: "rowheader" } }, p.name),
        cell("Alts", { className: "wrap" }, p.alts.map((id) => memberNames.get(id) || `player ${id}`).join(", ")),
        cell("Status", null, statusBadge(p.status)),
        cell("Last active", { attrs: { title: fmtDay(p.last_active_on) } }, ago(p.last_active_on)),
        cell("XP 30d", { className: "numeric" }, measure(month, "xp")),
        cell("EHP 30d", { className: "numeric" }, measure(month, "ehp")),
        cell("EHB 30d", { className: "numeric" }, measure(month, "ehb")),
        cell("Messages 30d", { className: "numeric" }, measure(month, "messages")),
      );
    });
    const headers = ["Player", "Alts", "Status", "Last active", "XP 30d", "EHP 30d", "EHB 30d", "Messages 30d"];
    body.append(cardTable("people-table", headers, [4, 5, 6, 7], rows));
  }
