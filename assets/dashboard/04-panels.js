  // --- panels ----------------------------------------------------------------------------

  const PANELS = [
    {
      id: "kpis",
      title: "At a glance",
      hint: () => `The clan on ${fmtDay(data.today)}. Gains count only while in the clan.`,
      json: () => data.kpis,
      render: renderKpis,
    },
    {
      id: "clanstats",
      title: "Clan statistics",
      hint: clanStatisticsHint,
      json: () => data.clan_statistics,
      render: renderClanStatistics,
    },
    {
      id: "gainers",
      title: "Top gainers",
      hint: () => "Most XP, efficient hours played (EHP) and bossed (EHB).",
      json: () => data.gainers,
      render: renderGainers,
    },
    {
      id: "goals",
      title: "This week's goals",
      span: 6,
      hint: () =>
        `${fmtDay(data.goals.week_start)} – ${fmtDay(data.goals.week_end)}, the whole clan together.`,
      json: () => data.goals,
      render: renderGoals,
    },
    {
      id: "season",
      title: "Season leaderboard",
      span: 6,
      hint: () =>
        data.season
          ? `${data.season.name}: points from gains and messages.`
          : "The current season's standings.",
      json: () => data.season,
      render: renderSeason,
    },
    {
      id: "competitions",
      title: "Competitions",
      hint: () =>
        "The clan's Wise Old Man competitions, newest first, with the top three; and how often each member joins one.",
      json: competitionsJson,
      render: renderCompetitions,
    },
    {
      id: "bosses",
      title: "Boss highlights",
      hint: () => "Kills in the last 30 days and who got the most.",
      json: () => data.boss_highlights,
      render: renderBosses,
    },
    {
      id: "heatmap",
      title: "When the clan is online",
      span: 7,
      hint: () =>
        data.heatmap
          ? `Discord messages per weekday and hour over the last ${data.heatmap.days} days (${data.timezone} time).`
          : "Discord messages per weekday and hour.",
      json: () => data.heatmap,
      render: renderHeatmap,
    },
    {
      id: "chat-play",
      title: "Chats vs plays",
      span: 5,
      hint: () => "Each dot is a member: messages and XP over the last 30 days.",
      json: () =>
        current.map((m) => ({
          player_id: m.player_id,
          name: m.name,
          chat_play: m.chat_play,
          messages_30d: m.gains["30d"].messages,
          xp_30d: m.gains["30d"].xp,
        })),
      render: renderScatter,
    },
    {
      id: "trends",
      title: "Daily trends",
      hint: () =>
        data.trends.length
          ? `The clan day by day, last ${plural(data.trends.length, "day")}.`
          : "The clan day by day.",
      json: () => data.trends,
      render: renderTrends,
    },
    {
      id: "members",
      title: "Members",
      hint: () =>
        "Search, filter and sort. A dash means no data (not zero). Tenure counts from the in-game join (WOM clan sync); ≥ marks one counted from when WOM listed them.",
      json: () => data.members,
      render: renderMembers,
    },
    {
      id: "people",
      title: "Players with alts",
      hint: () =>
        "Each player's accounts together (people.csv): active while any account is, a removal candidate only when every account is. Gains and messages are their accounts' added up.",
      json: () => people,
      render: renderPeople,
    },
    {
      id: "recruits",
      title: "Recruits",
      hint: () =>
        "Members who joined since the clan was on Wise Old Man: who still needs a welcome, and how each month's recruits stayed.",
      json: () => data.recruits,
      render: renderRecruits,
    },
    {
      id: "records",
      title: "Records and streaks",
      hint: () => "Best days and weeks ever, and days in a row with XP or a message.",
      json: () => ({ records: data.records, streaks: data.streaks }),
      render: renderRecords,
    },
    {
      id: "milestones",
      title: "Milestones",
      span: 6,
      hint: () => "Achievements, anniversaries and message counts, last 90 days.",
      json: () => data.milestones,
      render: renderMilestones,
    },
    {
      id: "promotions",
      title: "Promotions",
      span: 6,
      hint: () => "Measured against the clan's rank rules.",
      json: () => data.promotions,
      render: renderPromotions,
    },
    {
      id: "removal",
      title: "Removal candidates",
      // The whole width: each reason is a sentence, and officers decide on it.
      hint: () => {
        const away = data.members.filter((m) => m.away).length;
        const rule = rules.removal
          ? `In the clan ${plural(rules.removal.min_tenure_days, "day")} or more and no XP or message for ${plural(rules.removal.no_activity_days, "day")} (the removal rules). Officers decide.`
          : "Members with tenure and no activity, as the removal rules define. Officers decide.";
        return away ? `${rule} ${plural(away, "member")} on a leave of absence left off.` : rule;
      },
      json: () => data.removal_candidates,
      render: renderRemoval,
    },
    {
      id: "freshness",
      title: "Data freshness",
      hint: () =>
        `How current each source is; a source is stale after ${data.freshness.stale_after_hours} hours.`,
      json: () => ({
        generated_at: data.generated_at,
        today: data.today,
        timezone: data.timezone,
        freshness: data.freshness,
      }),
      render: renderFreshness,
    },
  ];

  function mountPanel(spec, app, nav) {
    const titleId = `panel-${spec.id}-title`;
    const tools = el("div", { className: "panel-tools" });
    const body = el("div", { className: "panel-body" });
    const titled = el(
      "div",
      null,
      el("h2", { attrs: { id: titleId } }, spec.title),
      el("p", null, spec.hint()),
    );
    const download = button(
      [icon(["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"]), "JSON"],
      {
        className: "btn",
        attrs: { "aria-label": `Download ${spec.title} as JSON`, title: `Download ${spec.title} as JSON` },
        data: { download: spec.id },
      },
      () => downloadJson(spec.id, spec.json()),
    );
    const section = el(
      "section",
      {
        className: `panel${spec.span ? ` span-${spec.span}` : ""}`,
        attrs: { id: `panel-${spec.id}`, "aria-labelledby": titleId },
        data: { panel: spec.id },
      },
      el("div", { className: "panel-head" }, titled, tools),
      body,
    );
    app.append(section);
    nav.append(el("li", null, el("a", { attrs: { href: `#panel-${spec.id}` } }, spec.title)));
    try {
      spec.render(body, tools);
    } catch (error) {
      // One broken panel must not take the others down; the console keeps the detail.
      console.error(`ClanStats: the ${spec.id} panel failed`, error);
      clear(body);
      body.append(empty("This panel could not be drawn from this file's data."));
    }
    tools.append(download);
  }

