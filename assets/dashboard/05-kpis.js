  // --- KPIs ------------------------------------------------------------------------------

  function renderKpis(body) {
    const k = data.kpis;
    const week = k.clan_gains["7d"];
    const month = k.clan_gains["30d"];
    const counts = k.status_counts;
    const heldBack = data.promotions.filter((p) => !p.is_due && p.held_back).length;
    const cards = [
      [
        "members",
        "Members",
        fmtCount(k.members),
        k.members,
        k.joins_30d !== null
          ? `+${k.joins_30d} joined · ${k.leaves_30d} left (30 days)`
          : noMemberData
            ? "no member data yet"
            : "no history yet",
      ],
      [
        "active",
        "Active",
        fmtCount(counts.active),
        counts.active,
        [
          `${counts.new} new · ${counts.quiet} quiet · ${counts.inactive} inactive`,
          counts.unknown ? `${counts.unknown} not enough history yet` : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ],
      ["xp_7d", "XP, 7 days", fmtCount(week.xp), week.xp, `30 days: ${fmtCount(month.xp)}`],
      ["ehp_30d", "EHP, 30 days", fmtHours(month.ehp), month.ehp, "efficient hours played"],
      ["ehb_30d", "EHB, 30 days", fmtHours(month.ehb), month.ehb, "efficient hours bossed"],
      [
        "boss_kills_30d",
        "Boss kills, 30 days",
        fmtCount(month.boss_kills),
        month.boss_kills,
        `7 days: ${fmtCount(week.boss_kills)}`,
      ],
      [
        "messages_30d",
        "Messages, 30 days",
        fmtCount(month.messages),
        month.messages,
        month.messages === null ? "Discord not connected" : `7 days: ${fmtCount(week.messages)}`,
      ],
      [
        "engagement",
        "Engagement",
        k.engagement_average === null ? NO_DATA : oneDecimal.format(k.engagement_average),
        k.engagement_average,
        "average score out of 100",
      ],
      [
        "promotions_due",
        "Promotions due",
        fmtCount(k.promotions_due),
        k.promotions_due,
        heldBack ? `by the rank rules · ${heldBack} held back` : "by the rank rules",
      ],
      [
        "removal_candidates",
        "Removal candidates",
        fmtCount(k.removal_candidates),
        k.removal_candidates,
        "long tenure, no activity",
      ],
    ];
    body.append(
      el(
        "div",
        { className: "kpis" },
        cards.map(([key, label, value, raw, sub]) =>
          el(
            "div",
            { className: "kpi", data: { kpi: key } },
            el("div", { className: "kpi-label" }, label),
            el("div", { className: "kpi-value", attrs: { title: exact(raw) } }, value),
            el("div", { className: "kpi-sub" }, sub),
          ),
        ),
      ),
    );
  }

