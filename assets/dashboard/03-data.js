  // --- data ------------------------------------------------------------------------------

  function readData() {
    const app = document.getElementById("app");
    try {
      return JSON.parse(document.getElementById("clan-data").textContent);
    } catch (error) {
      console.error("ClanStats: the embedded data could not be read", error);
      app.append(
        el(
          "p",
          { className: "empty" },
          "This dashboard's data could not be read. Run the export again to remake the file.",
        ),
      );
      return null;
    }
  }

  const current = data.members.filter((m) => m.status !== "left");
  // Alts (people.csv): player_id -> their main's name, for the "alt of" label in every list.
  // Older files have no `alt_of` or `people`: nobody is an alt then.
  const memberNames = new Map(data.members.map((m) => [m.player_id, m.name]));
  const mainNameOf = new Map(
    data.members.filter((m) => m.alt_of !== null && m.alt_of !== undefined).map((m) => [m.player_id, memberNames.get(m.alt_of)]),
  );
  const people = data.people || [];
  // What the rules file sets up (older files have no `rules`: nothing is known then).
  const rules = data.rules || { ranks: [], seasons: [], removal: null };
  const clanName = (data.group && data.group.name) || `WOM group ${data.group.id}`;
  // Without any member, every member panel says the same thing: what is missing, and why.
  const noMemberData = data.members.length ? null : whyNoMembers();

  function whyNoMembers() {
    const wom = data.freshness.sources.find((s) => s.family === "wom");
    if (!wom || wom.state === "never")
      return "No member data yet: ClanStats hasn't fetched the clan from Wise Old Man yet (the next run's harvest will).";
    if (!data.group.fetched_at)
      return "No member data yet: the first harvest from Wise Old Man hasn't succeeded (see Data freshness).";
    return "No member data: Wise Old Man lists nobody in this group.";
  }

  /** "18 Oct – 16 Jan 2027": a season's dates (the year shown where it isn't this year's). */
  function dateRange(start, end) {
    return `${fmtDay(start)} – ${fmtDay(end)}`;
  }

  function seasonTiming(season) {
    if (!season.start || !season.end) return null;
    const left = season.days_left;
    const when = left === 0 ? "last day today" : `${plural(left, "day")} left`;
    return `${dateRange(season.start, season.end)} · ${when}`;
  }

