  // --- promotions and removal ------------------------------------------------------------

  function renderPromotions(body) {
    const rows = data.promotions;
    if (!rows.length) {
      const ladder = rules.ranks.join(" → ");
      let why;
      if (!rules.ranks.length) why = "No rank ladder is set up (ranks are set under ranks: in rules.yaml).";
      else if (noMemberData) why = `${noMemberData} The rank ladder is set: ${ladder}.`;
      else why = `Nobody's role is on the rank ladder (${ladder}).`;
      body.append(empty(why));
      return;
    }
    const due = rows.filter((p) => p.is_due);
    // Rank rules met, but inactive or a removal candidate: listed apart with the reason, once.
    const held = rows.filter((p) => !p.is_due && p.held_back);
    const next = rows
      .filter((p) => !p.is_due && !p.held_back && p.next_rank && p.readiness !== null)
      .sort((a, b) => b.readiness - a.readiness);
    body.append(el("p", { className: "section-label" }, `Due now (${due.length})`));
    body.append(
      due.length
        ? limitedList(
            due,
            PHONE ? 3 : 5,
            (p) =>
              el(
                "div",
                { className: "promo", data: { due: "" } },
                el("span", { className: "who" }, el("strong", null, p.name), altBadge(p.player_id)),
                el("span", null, `${p.current_role || "no role"} → `, el("strong", null, p.eligible_rank)),
                el("small", null, p.rule_met || ""),
              ),
            () => el("div", { className: "stack" }),
            "due",
          )
        : empty("Nobody is due a promotion right now."),
    );
    if (held.length) {
      body.append(el("p", { className: "section-label" }, `Held back (${held.length})`));
      body.append(
        limitedList(
          held,
          PHONE ? 3 : 5,
          (p) =>
            el(
              "div",
              { className: "promo held", data: { heldBack: "" } },
              el("span", { className: "who" }, el("strong", null, p.name), altBadge(p.player_id)),
              badge("Held back", "warn"),
              el(
                "span",
                { className: "met" },
                `${p.current_role || "no role"} · rules met for `,
                el("strong", null, p.eligible_rank),
              ),
              el("small", null, `Not due: ${p.held_back}`),
            ),
          () => el("div", { className: "stack" }),
          "held back",
        ),
      );
    }
    body.append(el("p", { className: "section-label" }, "Closest to their next rank"));
    body.append(
      next.length
        ? limitedList(
            next,
            PHONE ? 3 : 4,
            (p) => {
              const fill = el("span");
              fill.style.width = `${p.readiness * 100}%`;
              return el(
                "div",
                { className: "promo" },
                el("span", { className: "who" }, el("strong", null, p.name), altBadge(p.player_id)),
                el("span", null, `→ ${p.next_rank} · ${whole.format(Math.floor(p.readiness * 100))}%`),
                el(
                  "div",
                  {
                    className: "progress",
                    attrs: {
                      role: "progressbar",
                      "aria-label": `${p.name} towards ${p.next_rank}`,
                      "aria-valuemin": 0,
                      "aria-valuemax": 100,
                      "aria-valuenow": Math.round(p.readiness * 100),
                    },
                  },
                  fill,
                ),
                el("small", null, p.missing ? `Still needs ${p.missing}` : ""),
              );
            },
            () => el("div", { className: "stack" }),
            "members",
          )
        : empty("Everyone else is at the top of the ladder or has no next rank."),
    );
  }

  function renderRemoval(body) {
    const rows = data.removal_candidates;
    if (!rows.length) {
      const r = rules.removal;
      let why;
      if (noMemberData) why = noMemberData;
      else if (r)
        why = `No removal candidates: nobody in the clan ${plural(r.min_tenure_days, "day")} or more has gone ${plural(r.no_activity_days, "day")} without XP or a message.`;
      else why = "No removal candidates: everyone in the clan long enough has been active recently.";
      body.append(empty(why));
      return;
    }
    // A table on a wide screen; on a phone each candidate becomes a card with labelled fields,
    // because the reason is a sentence that needs the screen's whole width.
    const cell = cardCell;
    const items = rows.map((r) =>
      el(
        "tr",
        { attrs: { role: "row" } },
        el("th", { attrs: { scope: "row", role: "rowheader" } }, r.name, altBadge(r.player_id)),
        cell("Role", null, r.role || NO_DATA),
        cell(
          "Tenure",
          { className: "numeric", attrs: { title: tenureTitle(r.tenure_source) } },
          tenure(r.tenure_days, r.tenure_source),
        ),
        cell("Last active", { attrs: { title: fmtDay(r.last_active_on) } }, ago(r.last_active_on)),
        cell("Why", { className: "wrap" }, r.reason || ""),
      ),
    );
    body.append(cardTable("removal-table", ["Member", "Role", "Tenure", "Last active", "Why"], [2], items));
  }

