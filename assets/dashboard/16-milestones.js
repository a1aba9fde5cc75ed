  // --- milestones ------------------------------------------------------------------------

  const MILESTONE_KIND = {
    achievement: ["Achievement", "info"],
    anniversary: ["Anniversary", "good"],
    messages: ["Messages", "warn"],
  };

  function renderMilestones(body) {
    if (!data.milestones.length) {
      body.append(empty(noMemberData || "No milestones in the last 90 days."));
      return;
    }
    body.append(
      limitedList(
        data.milestones,
        PHONE ? 6 : 20,
        (row) => {
          const [label, tone] = MILESTONE_KIND[row.kind] || [row.kind, "neutral"];
          return el(
            "li",
            null,
            badge(label, tone),
            el("span", { className: "who" }, el("strong", null, row.name), altBadge(row.player_id, true), ` · ${row.title}`),
            el(
              "span",
              { className: "when", attrs: { title: fmtDay(row.occurred_on) } },
              ago(row.occurred_on),
            ),
          );
        },
        () => el("ul", { className: "feed" }),
        "milestones",
      ),
    );
  }

