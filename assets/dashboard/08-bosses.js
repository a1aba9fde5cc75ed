  // --- bosses ----------------------------------------------------------------------------

  // Each boss gets its own badge, drawn here from its name (no image is ever fetched): its
  // initials ("GM" Giant Mole, "Zu" Zulrah) on a colour and a shape both picked from the name,
  // so no two of a clan's bosses look alike and the same boss looks the same everywhere.
  const BADGE_SHAPES = {
    round: "M12 1.5a10.5 10.5 0 1 1 0 21 10.5 10.5 0 0 1 0-21z",
    shield: "M12 1.5 21.5 5v6.6c0 5.4-3.9 9.3-9.5 10.9-5.6-1.6-9.5-5.5-9.5-10.9V5z",
    hexagon: "M12 1.2 21.4 6.6v10.8L12 22.8 2.6 17.4V6.6z",
    square: "M6 1.5h12A4.5 4.5 0 0 1 22.5 6v12a4.5 4.5 0 0 1-4.5 4.5H6A4.5 4.5 0 0 1 1.5 18V6A4.5 4.5 0 0 1 6 1.5z",
  };

  function hashOf(text) {
    let hash = 0;
    for (const ch of text) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return hash;
  }

  /** "Giant Mole" -> "GM", "Zulrah" -> "Zu", "Theatre of Blood (HM)" -> "TBH": up to 3 letters. */
  function monogram(label) {
    const words = label
      .replace(/[()'’]/g, "")
      .split(/[\s-]+/)
      .filter((w) => w && !["of", "the", "The"].includes(w));
    if (words.length === 1) return words[0].slice(0, 2).replace(/^./, (c) => c.toUpperCase());
    return words
      .slice(0, 3)
      .map((w) => w.charAt(0).toUpperCase())
      .join("");
  }

  function bossIcon(metric) {
    const label = bossLabel(metric);
    const letters = monogram(label);
    const hash = hashOf(metric);
    const shapes = Object.keys(BADGE_SHAPES);
    const shape = shapes[(hash >>> 9) % shapes.length];
    const colour = `hsl(${hash % 360} 45% 36%)`;
    return svg(
      "svg",
      {
        class: "boss-icon",
        viewBox: "0 0 24 24",
        "aria-hidden": "true",
        focusable: "false",
        "data-mark": `${letters} ${shape} ${hash % 360}`,
      },
      svg("path", { d: BADGE_SHAPES[shape], fill: colour }),
      svg(
        "text",
        {
          class: "boss-letters",
          x: 12,
          y: 12,
          "text-anchor": "middle",
          "dominant-baseline": "central",
          "font-size": letters.length > 2 ? 7.5 : 9.5,
        },
        letters,
      ),
    );
  }

  function renderBosses(body) {
    const bosses = data.boss_highlights;
    if (!bosses.length) {
      body.append(
        empty(noMemberData || "No boss kills in the last 30 days, or no snapshots cover those days yet."),
      );
      return;
    }
    body.append(
      limitedList(
        bosses,
        PHONE ? 4 : 10,
        (boss) =>
          el(
            "article",
            { className: "boss-card", data: { boss: boss.boss } },
            el(
              "div",
              { className: "boss-title" },
              bossIcon(boss.boss),
              el(
                "div",
                null,
                el("h3", null, bossLabel(boss.boss)),
                el(
                  "p",
                  { className: "muted small" },
                  `${plural(boss.kills, "kill")} · ${plural(boss.killers, "member")}`,
                ),
              ),
            ),
            el(
              "ol",
              { attrs: { "aria-label": `Top killers of ${bossLabel(boss.boss)}` } },
              boss.top.map((row, i) =>
                el(
                  "li",
                  null,
                  el("span", { className: "who" }, `${i + 1}. `, row.name, altBadge(row.player_id, true)),
                  el("span", { className: "num" }, fmtCount(row.kills)),
                ),
              ),
            ),
          ),
        () => el("div", { className: "boss-grid" }),
        "bosses",
      ),
    );
  }

