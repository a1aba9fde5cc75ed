/* ClanStats dashboard: draws every panel from the embedded clan_data.json.
 *
 * Safety rule for this file: data reaches the page only through textContent, text nodes and
 * attribute values (never innerHTML, never an attribute *name*), so a member named like an
 * HTML tag with an onerror handler is just text. Charts are our own small SVG code; nothing is
 * fetched, so the page works offline from a file, a USB stick or a Drive folder.
 */
"use strict";

(function dashboard() {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const LOCALE = "en";
  const NO_DATA = "—";
  const PERIODS = [
    ["7d", "7 days"],
    ["30d", "30 days"],
    ["90d", "90 days"],
  ];
  const MEASURES = {
    xp: { label: "XP", long: "XP" },
    ehp: { label: "EHP", long: "efficient hours played" },
    ehb: { label: "EHB", long: "efficient hours bossed" },
    boss_kills: { label: "Boss kills", long: "boss kills" },
    messages: { label: "Messages", long: "messages" },
  };
  // unknown: ClanStats hasn't watched the member long enough to tell; neutral, never "inactive".
  const STATUS = {
    active: { label: "Active", tone: "good", order: 0 },
    new: { label: "New", tone: "info", order: 1 },
    unknown: { label: "Not enough history yet", tone: "neutral", order: 2 },
    quiet: { label: "Quiet", tone: "warn", order: 3 },
    inactive: { label: "Inactive", tone: "bad", order: 4 },
    left: { label: "Left", tone: "neutral", order: 5 },
  };
  const CHAT_PLAY = ["both", "plays, doesn't chat", "chats, doesn't play", "neither", "not on Discord"];
  const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  const DAY_MS = 86400000;

  const compact = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 });
  const whole = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
  const oneDecimal = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
  const hoursSmall = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const exactNumber = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
  const dayMonth = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  const dayMonthYear = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
  const weekdayShort = new Intl.DateTimeFormat("en-GB", { weekday: "short", timeZone: "UTC" });

  const PHONE = window.matchMedia("(max-width: 640px)").matches;
  const data = readData();
  if (!data) return;
  const today = parseDay(data.today);
  const redrawers = [];

  // --- formatting -------------------------------------------------------------------------

  /** A count: exact below 10,000, compact (1.2M) above; an em dash for "no data". */
  function fmtCount(n) {
    if (n === null || n === undefined) return NO_DATA;
    return Math.abs(n) >= 10000 ? compact.format(n) : whole.format(n);
  }

  /** Hours (EHP, EHB): one decimal while small, whole or compact when large. */
  function fmtHours(n) {
    if (n === null || n === undefined) return NO_DATA;
    if (Math.abs(n) >= 10000) return compact.format(n);
    return Math.abs(n) >= 100 ? whole.format(n) : hoursSmall.format(n);
  }

  function fmtMeasure(measure, n) {
    return measure === "ehp" || measure === "ehb" ? fmtHours(n) : fmtCount(n);
  }

  function exact(n) {
    return n === null || n === undefined ? "no data" : exactNumber.format(n);
  }

  function parseDay(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return Date.UTC(y, m - 1, d);
  }

  function fmtDay(iso) {
    if (!iso) return NO_DATA;
    const t = parseDay(iso);
    const sameYear = new Date(t).getUTCFullYear() === new Date(today).getUTCFullYear();
    return (sameYear ? dayMonth : dayMonthYear).format(t);
  }

  function daysBefore(iso) {
    return Math.round((today - parseDay(iso)) / DAY_MS);
  }

  /** "2 months", "1.5 years": a span of days in words, singular or plural as it reads. */
  function span(days) {
    if (days < 60) return plural(days, "day");
    if (days < 730) return plural(Math.round(days / 30.44), "month");
    const years = Math.round((days / 365.25) * 10) / 10;
    return `${oneDecimal.format(years)} ${years === 1 ? "year" : "years"}`;
  }

  /** "today", "yesterday", "5 days ago", "2 months ago" (relative to the export's day). */
  function ago(iso) {
    if (!iso) return "never";
    const days = daysBefore(iso);
    if (days <= 0) return "today";
    if (days === 1) return "yesterday";
    return `${span(days)} ago`;
  }

  function tenure(days) {
    if (days === null || days === undefined) return NO_DATA;
    return span(days);
  }

  function hoursAgo(hours) {
    if (hours === null || hours === undefined) return "never";
    if (hours < 1) return "less than an hour ago";
    if (hours < 48) return `${Math.round(hours)} hour${Math.round(hours) === 1 ? "" : "s"} ago`;
    return `${Math.round(hours / 24)} days ago`;
  }

  /** A UTC moment shown in the clan's timezone (falls back to UTC for an unknown zone). */
  function fmtMoment(iso) {
    if (!iso) return NO_DATA;
    const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    try {
      return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: data.timezone }).format(new Date(iso));
    } catch (error) {
      return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(new Date(iso));
    }
  }

  function plural(n, word, many) {
    return `${whole.format(n)} ${n === 1 ? word : many || `${word}s`}`;
  }

  // OSRS boss names that title case gets wrong.
  const BOSS_NAMES = {
    kreearra: "Kree'arra",
    kril_tsutsaroth: "K'ril Tsutsaroth",
    vetion: "Vet'ion",
    tztok_jad: "TzTok-Jad",
    tzkal_zuk: "TzKal-Zuk",
    chambers_of_xeric_challenge_mode: "Chambers of Xeric (CM)",
    theatre_of_blood_hard_mode: "Theatre of Blood (HM)",
    tombs_of_amascut_expert: "Tombs of Amascut (Expert)",
    phosanis_nightmare: "Phosani's Nightmare",
    thermonuclear_smoke_devil: "Thermonuclear Smoke Devil",
  };

  function bossLabel(metric) {
    if (BOSS_NAMES[metric]) return BOSS_NAMES[metric];
    return metric
      .split("_")
      .map((word, i) =>
        i > 0 && ["of", "the"].includes(word) ? word : word.charAt(0).toUpperCase() + word.slice(1),
      )
      .join(" ");
  }

  // --- DOM helpers (text only: see the safety rule at the top) ---------------------------

  /** Create an element: props.className, props.text, props.attrs, props.data; children are nodes or text. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    applyProps(node, props);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    applyProps(node, { attrs });
    append(node, children);
    return node;
  }

  function applyProps(node, props) {
    if (!props) return;
    if (props.className) node.setAttribute("class", props.className);
    if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
    for (const [name, value] of Object.entries(props.attrs || {})) {
      // Attribute names are ours; an event-handler attribute here would be a bug.
      if (/^on/i.test(name)) throw new Error(`refusing to set ${name}`);
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
    }
    for (const [name, value] of Object.entries(props.data || {})) node.dataset[name] = String(value);
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
  }

  function clear(node) {
    node.replaceChildren();
  }

  function empty(message) {
    return el("p", { className: "empty", data: { empty: "" } }, message);
  }

  /** A class attribute from the truthy names, or null when there are none. */
  function classes(...names) {
    return names.filter(Boolean).join(" ") || null;
  }

  function badge(text, tone) {
    return el("span", { className: `badge tone-${tone}` }, text);
  }

  function statusBadge(status) {
    const info = STATUS[status] || { label: status, tone: "neutral" };
    return badge(info.label, info.tone);
  }

  function button(text, props, onClick) {
    const node = el("button", { ...props, attrs: { type: "button", ...(props && props.attrs) } }, text);
    node.addEventListener("click", onClick);
    return node;
  }

  /** A group of toggle buttons (aria-pressed); calls onChange with the chosen value. */
  function segmented(label, options, initial, onChange) {
    const group = el("div", { className: "segmented", attrs: { role: "group", "aria-label": label } });
    const buttons = options.map(([value, text]) => {
      const pressed = value === initial ? "true" : "false";
      const choice = button(text, { attrs: { "aria-pressed": pressed }, data: { value } }, () => {
        for (const other of buttons) other.setAttribute("aria-pressed", String(other === choice));
        onChange(value);
      });
      return choice;
    });
    group.append(...buttons);
    return group;
  }

  /** A list showing its first `limit` items, with a button to show the rest. */
  function limitedList(items, limit, renderItem, container, noun) {
    let expanded = false;
    const wrap = el("div");
    function draw() {
      clear(wrap);
      const list = container();
      list.append(...(expanded ? items : items.slice(0, limit)).map(renderItem));
      wrap.append(list);
      if (items.length > limit) {
        wrap.append(
          el(
            "div",
            { className: "more" },
            button(
              expanded ? "Show fewer" : `Show all ${whole.format(items.length)} ${noun}`,
              { className: "btn-link" },
              () => {
                expanded = !expanded;
                draw();
              },
            ),
          ),
        );
      }
    }
    draw();
    return wrap;
  }

  function downloadJson(name, value) {
    const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = el("a", { attrs: { href: url, download: `clanstats-${name}.json` } });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function icon(paths) {
    return svg(
      "svg",
      { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
      ...paths.map((d) => svg("path", { d })),
    );
  }

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
      hint: () => "Search, filter and sort. A dash means no data (not zero).",
      json: () => data.members,
      render: renderMembers,
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
      span: 6,
      hint: () =>
        rules.removal
          ? `In the clan ${plural(rules.removal.min_tenure_days, "day")} or more and no XP or message for ${plural(rules.removal.no_activity_days, "day")} (the removal rules). Officers decide.`
          : "Members with tenure and no activity, as the removal rules define. Officers decide.",
      json: () => data.removal_candidates,
      render: renderRemoval,
    },
    {
      id: "freshness",
      title: "Data freshness",
      span: 6,
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
                        el("span", { className: "who" }, row.name),
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

  // --- goals and season ------------------------------------------------------------------

  function renderGoals(body) {
    const items = data.goals.items;
    if (!items.length) {
      body.append(empty("No weekly goals are set for the clan yet (they live under goals: in rules.yaml)."));
      return;
    }
    const reached = items.filter((g) => g.achieved).length;
    const daysLeft = Math.round((parseDay(data.goals.week_end) - today) / DAY_MS);
    const left = daysLeft <= 0 ? "last day of the week" : `${plural(daysLeft, "more day")} this week`;
    body.append(
      el("p", { className: "goal-summary muted" }, `${reached} of ${items.length} reached · ${left}`),
    );
    if (noMemberData)
      body.append(el("p", { className: "note goal-note" }, `${noMemberData} Nothing counts towards the goals until then.`));
    for (const goal of items) {
      // The export's whole percent (floored, 100 only when met): the workbook shows the same.
      const percent = goal.percent;
      const measure = goal.metric === "ehp" || goal.metric === "ehb" ? goal.metric : "xp";
      const fill = el("span");
      fill.style.width = `${percent}%`;
      body.append(
        el(
          "div",
          { className: "goal", data: { goal: goal.name } },
          el(
            "div",
            { className: "goal-head" },
            el("strong", null, goal.name),
            el(
              "span",
              { attrs: { title: `${exact(goal.progress)} of ${exact(goal.target)}` } },
              `${fmtMeasure(measure, goal.progress)} of ${fmtMeasure(measure, goal.target)} · ${percent}%`,
            ),
          ),
          el(
            "div",
            {
              className: `progress${goal.achieved ? " done" : ""}`,
              attrs: {
                role: "progressbar",
                "aria-label": goal.name,
                "aria-valuemin": 0,
                "aria-valuemax": 100,
                "aria-valuenow": percent,
              },
            },
            fill,
          ),
          goal.achieved ? el("p", { className: "note" }, badge("Reached", "good")) : null,
        ),
      );
    }
  }

  /** Why no season is shown: none set up, or the next one's start, or the last one's end. */
  function noSeason() {
    const day = data.today;
    const next = rules.seasons.filter((s) => s.start > day).sort((a, b) => (a.start < b.start ? -1 : 1))[0];
    if (next) {
      const wait = Math.round((parseDay(next.start) - today) / DAY_MS);
      return `No season is running: the next, ${next.name}, starts ${fmtDay(next.start)} (in ${plural(wait, "day")}).`;
    }
    const last = rules.seasons.filter((s) => s.end < day).sort((a, b) => (a.end > b.end ? -1 : 1))[0];
    if (last) return `No season is running: the last, ${last.name}, ended ${fmtDay(last.end)}. Add the next under seasons: in rules.yaml.`;
    return "No season is set up (seasons are set under seasons: in rules.yaml).";
  }

  function renderSeason(body) {
    const season = data.season;
    if (!season) {
      body.append(empty(noSeason()));
      return;
    }
    const timing = seasonTiming(season);
    if (timing) body.append(el("p", { className: "season-dates muted", data: { seasonDates: "" } }, timing));
    if (!season.standings.length) {
      body.append(
        empty(
          `${season.name} is running, but nobody has points yet${noMemberData ? `. ${noMemberData}` : "."}`,
        ),
      );
      return;
    }
    body.append(
      limitedList(
        season.standings,
        PHONE ? 5 : 6,
        (row) =>
          el(
            "li",
            null,
            el("span", { className: `rank rank-${row.place}` }, String(row.place)),
            el("span", { className: "who" }, row.name),
            el(
              "span",
              { className: "num", attrs: { title: exact(row.points) } },
              `${fmtHours(row.points)} pts`,
            ),
          ),
        () => el("ol", { className: "rank-list", data: { list: "season" } }),
        "members",
      ),
    );
  }

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
                  el("span", { className: "who" }, `${i + 1}. `, row.name),
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

  // --- charts: shared bits ---------------------------------------------------------------

  /** Up to `count` round tick values from 0 to at least `max`. */
  function niceTicks(max, count) {
    if (!(max > 0)) return [0, 1];
    const raw = max / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw);
    const ticks = [];
    for (let v = 0; v < max + step * 0.999; v += step) ticks.push(v);
    return ticks;
  }

  function widthOf(node, fallback) {
    return Math.max(280, Math.floor(node.clientWidth || fallback));
  }

  /** Redraw a chart when the page width changes (phones turning, windows resizing). */
  function responsive(container, draw) {
    let lastWidth = -1;
    const redraw = () => {
      const width = widthOf(container, 640);
      if (width === lastWidth) return;
      lastWidth = width;
      clear(container);
      draw(width);
    };
    redrawers.push(redraw);
    redraw();
  }

  // --- heatmap ---------------------------------------------------------------------------

  function renderHeatmap(body) {
    if (!data.heatmap) {
      body.append(
        empty(
          "No Discord data: the clan's Discord isn't connected to ClanStats, so there is no chat activity to map.",
        ),
      );
      return;
    }
    const grid = data.heatmap.messages;
    const cells = grid.flatMap((row, day) => row.map((count, hour) => ({ day, hour, count })));
    const total = cells.reduce((sum, c) => sum + c.count, 0);
    if (total === 0) {
      body.append(empty(`No messages from members in the last ${data.heatmap.days} days.`));
      return;
    }
    const busiest = cells.reduce((a, b) => (b.count > a.count ? b : a));
    const hourText = (h) => `${String(h).padStart(2, "0")}:00`;
    const describe = (c) =>
      `${WEEKDAYS[c.day]} ${hourText(c.hour)}–${hourText((c.hour + 1) % 24)}: ${plural(c.count, "message")}`;
    const readout = el(
      "p",
      { className: "readout", attrs: { "aria-live": "polite" } },
      `Busiest: ${describe(busiest)}`,
    );
    const holder = el("div");
    body.append(readout, holder);
    responsive(holder, (width) => holder.append(heatmapChart(cells, width, describe, hourText, readout)));
    const scale = el("span", { className: "heat-scale", attrs: { "aria-hidden": "true" } });
    for (const strength of [0.15, 0.35, 0.55, 0.75, 1]) {
      const swatch = el("span");
      swatch.style.opacity = String(strength);
      scale.append(swatch);
    }
    body.append(
      el(
        "ul",
        { className: "legend" },
        el("li", null, "Fewer", scale, "more messages"),
        el("li", null, el("span", { className: "swatch swatch-total" }), "totals per day and hour"),
        el("li", null, `${plural(total, "message")} in ${data.heatmap.days} days`),
      ),
    );
  }

  /**
   * The weekday x hour grid with each row's and column's total as bars at the edges. Wide:
   * weekdays down, hours across; on a phone the grid turns (hours down) so cells stay tappable.
   */
  function heatmapChart(cells, width, describe, hourText, readout) {
    const turned = width < 520;
    const rows = turned ? 24 : 7;
    const cols = turned ? 7 : 24;
    const rowOf = (c) => (turned ? c.hour : c.day);
    const colOf = (c) => (turned ? c.day : c.hour);
    const rowLabel = (r) => (turned ? hourText(r) : WEEKDAYS[r].slice(0, 3));
    const colLabel = (col) => (turned ? WEEKDAYS[col].slice(0, 3) : hourText(col));
    const rowTotals = Array(rows).fill(0);
    const colTotals = Array(cols).fill(0);
    for (const c of cells) {
      rowTotals[rowOf(c)] += c.count;
      colTotals[colOf(c)] += c.count;
    }
    const left = turned ? 44 : 34;
    const top = 18;
    const margin = turned ? 44 : 54; // room for the totals' bars
    const cell = Math.min(turned ? 40 : 34, (width - left - margin) / cols);
    const cellH = turned ? Math.min(cell, 22) : cell;
    const gridW = cols * cell;
    const gridH = rows * cellH;
    const max = Math.max(...cells.map((c) => c.count));
    const chart = svg("svg", {
      class: "chart",
      viewBox: `0 0 ${left + gridW + margin} ${top + gridH + margin}`,
      role: "img",
      "aria-label": `Messages per weekday and hour. Busiest: ${describe(cells.reduce((a, b) => (b.count > a.count ? b : a)))}.`,
      "data-chart": "heatmap",
      "data-layout": turned ? "hours-down" : "days-down",
    });
    const labelStep = turned ? 1 : width < 700 ? 3 : 2;
    for (let col = 0; col < cols; col += labelStep) {
      chart.append(
        svg("text", { x: left + col * cell + cell / 2, y: 12, "text-anchor": "middle" }, colLabel(col)),
      );
    }
    for (let r = 0; r < rows; r += turned ? 3 : 1) {
      chart.append(svg("text", { x: 0, y: top + r * cellH + cellH / 2 + 4 }, rowLabel(r)));
    }
    for (const c of cells) {
      // A square-root scale keeps quiet hours visible next to the busiest one.
      const strength = max ? Math.sqrt(c.count / max) : 0;
      const rect = svg(
        "rect",
        {
          class: c.count ? "heat-cell" : "heat-zero",
          x: left + colOf(c) * cell + 1,
          y: top + rowOf(c) * cellH + 1,
          width: cell - 2,
          height: cellH - 2,
          rx: 3,
          "fill-opacity": c.count ? (0.12 + 0.88 * strength).toFixed(3) : null,
          "data-cell": `${c.day}-${c.hour}`,
          "data-count": c.count,
        },
        svg("title", null, describe(c)),
      );
      rect.addEventListener("pointerenter", () => (readout.textContent = describe(c)));
      chart.append(rect);
    }
    const rowMax = Math.max(1, ...rowTotals);
    rowTotals.forEach((sum, r) => {
      const length = ((margin - 8) * sum) / rowMax;
      const bar = svg(
        "rect",
        {
          class: "heat-total",
          x: left + gridW + 6,
          y: top + r * cellH + 2,
          width: Math.max(1, length),
          height: cellH - 4,
          rx: 2,
        },
        svg("title", null, `${rowLabel(r)}: ${plural(sum, "message")}`),
      );
      chart.append(bar);
    });
    const colMax = Math.max(1, ...colTotals);
    colTotals.forEach((sum, col) => {
      const length = ((margin - 8) * sum) / colMax;
      chart.append(
        svg(
          "rect",
          {
            class: "heat-total",
            x: left + col * cell + 2,
            y: top + gridH + 6,
            width: cell - 4,
            height: Math.max(1, length),
            rx: 2,
          },
          svg("title", null, `${colLabel(col)}: ${plural(sum, "message")}`),
        ),
      );
    });
    return chart;
  }

  // --- trends ----------------------------------------------------------------------------

  /** "Fri 20 Nov", and for today's partial row "Fri 20 Nov, today so far". */
  function trendDay(day) {
    const when = `${weekdayShort.format(parseDay(day.day))} ${fmtDay(day.day)}`;
    return day.partial ? `${when}, today so far` : when;
  }

  /**
   * A day-by-day chart: bars and/or lines over data.trends with a shared y axis, and a readout
   * that follows the pointer or the arrow keys (the chart is focusable). Today's row (partial)
   * is drawn apart, on a light band: a hollow dashed bar, or a hollow point reached by a dotted
   * step, so a day that isn't over never reads as a collapse or joins a line of full days.
   */
  function timeChart(container, readout, options) {
    const days = data.trends;
    const series = options.series;
    responsive(container, (width) => {
      const height = options.height || 190;
      const pad = { left: 44, right: 8, top: 8, bottom: 22 };
      const plotW = width - pad.left - pad.right;
      const plotH = height - pad.top - pad.bottom;
      const values = series.flatMap((s) => days.map((d) => d[s.key]).filter((v) => v !== null));
      const ticks = niceTicks(Math.max(0, ...values), 4);
      const yMax = ticks[ticks.length - 1] || 1;
      const step = plotW / days.length;
      const x = (i) => pad.left + step * (i + 0.5);
      const y = (v) => pad.top + plotH - (v / yMax) * plotH;
      const chart = svg("svg", {
        class: "chart",
        viewBox: `0 0 ${width} ${height}`,
        width,
        height,
        role: "group",
        tabindex: 0,
        "aria-label": `${options.label}. Use the left and right arrow keys to read each day.`,
        "data-chart": options.id,
      });
      days.forEach((day, i) => {
        if (day.partial)
          chart.append(
            svg("rect", {
              class: "partial-band",
              x: x(i) - step / 2,
              y: pad.top,
              width: step,
              height: plotH,
            }),
          );
      });
      for (const tick of ticks) {
        chart.append(
          svg("line", { class: "grid-line", x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick) }),
        );
        chart.append(
          svg("text", { x: pad.left - 6, y: y(tick) + 4, "text-anchor": "end" }, options.axis(tick)),
        );
      }
      const labelEvery = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor(plotW / 70))));
      days.forEach((day, i) => {
        if ((days.length - 1 - i) % labelEvery === 0) {
          chart.append(
            svg(
              "text",
              { x: x(i), y: height - 5, "text-anchor": "middle" },
              dayMonth.format(parseDay(day.day)),
            ),
          );
        }
      });
      for (const s of series) {
        if (s.kind === "bar") {
          const barW = Math.max(1, step * 0.72);
          days.forEach((day, i) => {
            const v = day[s.key];
            if (v === null || (v <= 0 && !day.partial)) return;
            const bar = svg("rect", {
              class: day.partial ? `${s.cls} partial-bar` : s.cls,
              x: x(i) - barW / 2,
              y: y(Math.max(0, v)),
              width: barW,
              // Today's bar stays visible however little the day has gained so far.
              height: Math.max(day.partial ? 2 : 0.5, y(0) - y(Math.max(0, v))),
              rx: Math.min(2, barW / 3),
              "data-partial": day.partial ? "" : null,
            });
            if (day.partial) {
              bar.append(svg("title", null, `${trendDay(day)}: ${s.format(v)} ${s.unit}`));
            }
            chart.append(bar);
          });
        } else {
          // Lines break at days without data instead of dropping to 0, and end at the last full
          // day: today's point is drawn apart below.
          const runs = [];
          let run = [];
          days.forEach((day, i) => {
            const v = day[s.key];
            if (v === null || day.partial) {
              if (run.length) runs.push(run);
              run = [];
            } else run.push([x(i), y(v)]);
          });
          if (run.length) runs.push(run);
          for (const points of runs) {
            const line = points
              .map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)} ${py.toFixed(1)}`)
              .join("");
            if (s.area) {
              const base = y(0).toFixed(1);
              chart.append(
                svg("path", {
                  class: s.area,
                  d: `${line}L${points[points.length - 1][0].toFixed(1)} ${base}L${points[0][0].toFixed(1)} ${base}Z`,
                }),
              );
            }
            chart.append(svg("path", { class: s.cls, d: line }));
          }
          days.forEach((day, i) => {
            const v = day[s.key];
            if (!day.partial || v === null) return;
            const before = i > 0 && !days[i - 1].partial ? days[i - 1][s.key] : null;
            if (before !== null) {
              const from = `M${x(i - 1).toFixed(1)} ${y(before).toFixed(1)}`;
              const to = `L${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
              chart.append(svg("path", { class: `${s.cls} partial-step`, d: from + to }));
            }
            const dot = { class: "partial-dot", cx: x(i), cy: y(v), r: 3.5, "data-series": s.key };
            chart.append(
              svg(
                "circle",
                { ...dot, "data-partial": "" },
                svg("title", null, `${trendDay(day)}: ${s.format(v)} ${s.unit}`),
              ),
            );
          });
        }
      }
      const cursor = svg("line", { class: "cursor", y1: pad.top, y2: pad.top + plotH, visibility: "hidden" });
      chart.append(cursor);
      let index = days.length - 1;
      const show = (i) => {
        index = Math.max(0, Math.min(days.length - 1, i));
        const day = days[index];
        cursor.setAttribute("x1", x(index));
        cursor.setAttribute("x2", x(index));
        cursor.setAttribute("visibility", "visible");
        clear(readout);
        const when = `${trendDay(day)}: `;
        readout.append(
          el("strong", null, when),
          series.map((s) => `${s.format(day[s.key])} ${s.unit}`).join(" · "),
        );
      };
      chart.addEventListener("pointermove", (event) => {
        const box = chart.getBoundingClientRect();
        const px = ((event.clientX - box.left) / box.width) * width;
        show(Math.floor((px - pad.left) / step));
      });
      chart.addEventListener("keydown", (event) => {
        const moves = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: days.length - 1 };
        if (event.key in moves) {
          event.preventDefault();
          show(moves[event.key]);
        }
      });
      chart.addEventListener("focus", () => show(index));
      container.append(chart);
    });
  }

  function renderTrends(body) {
    const days = data.trends;
    if (!days.length) {
      body.append(empty(noMemberData || "No clan days yet: trends appear after the first transform run."));
      return;
    }
    const hasXp = days.some((d) => d.xp !== null);
    const hasMessages = days.some((d) => d.messages !== null);
    const block = (title, id, legendItems, options) => {
      const readout = el(
        "p",
        { className: "readout", attrs: { "aria-live": "polite" } },
        "Point at a day, or focus the chart and use the arrow keys.",
      );
      const holder = el("div");
      body.append(
        el(
          "div",
          { className: "chart-block" },
          el("div", { className: "chart-head" }, el("h3", null, title), readout),
          holder,
          el("ul", { className: "legend" }, legendItems),
        ),
      );
      timeChart(holder, readout, { ...options, id });
    };
    const swatch = (cls, text) => el("li", null, el("span", { className: `swatch ${cls}` }), text);
    // Today isn't over: its hollow mark is explained in every chart's legend.
    const partial = days.some((d) => d.partial);
    const soFar = () =>
      partial ? swatch("swatch-partial", "Today so far (dashed: the day isn't over)") : null;
    if (hasXp) {
      const legend = [swatch("swatch-xp", "XP gained (days without snapshots are blank)"), soFar()];
      block("Clan XP per day", "xp", legend, {
        label: "Clan XP gained per day",
        axis: (v) => fmtCount(v),
        series: [{ key: "xp", kind: "bar", cls: "bar-xp", format: fmtCount, unit: "XP" }],
      });
    } else {
      body.append(empty("No XP history yet: daily XP appears once there are two days of snapshots."));
    }
    const activity = [
      { key: "active_members", kind: "line", cls: "line-active", format: fmtCount, unit: "active members" },
    ];
    if (hasMessages)
      activity.unshift({
        key: "messages",
        kind: "line",
        cls: "line-msg",
        area: "area-msg",
        format: fmtCount,
        unit: "messages",
      });
    block(
      hasMessages ? "Messages and active members per day" : "Active members per day",
      "activity",
      [
        hasMessages ? swatch("swatch-msg", "Discord messages") : null,
        swatch("swatch-active", "Members with XP or a message"),
        soFar(),
      ],
      { label: "Messages and active members per day", axis: (v) => fmtCount(v), series: activity },
    );
    if (!hasMessages)
      body.append(el("p", { className: "note" }, "Discord isn't connected, so there are no message counts."));
  }

  // --- chats vs plays --------------------------------------------------------------------

  function renderScatter(body) {
    const placed = current.filter((m) => m.gains["30d"].messages !== null && m.gains["30d"].xp !== null);
    const missing = current.length - placed.length;
    if (!placed.length) {
      body.append(
        empty(
          current.length
            ? "Nobody has both Discord and XP data for the last 30 days (is Discord connected?)."
            : noMemberData || "No current members: everyone on record has left.",
        ),
      );
      return;
    }
    const readout = el(
      "p",
      { className: "readout", attrs: { "aria-live": "polite" } },
      "Point at a dot, or focus the chart and use the arrow keys.",
    );
    const holder = el("div");
    body.append(readout, holder);
    // Sorted so the arrow keys walk from the quietest chatter to the busiest.
    const points = placed
      .map((m) => ({
        m,
        chat: m.gains["30d"].messages,
        xp: m.gains["30d"].xp,
        cat: Math.max(0, CHAT_PLAY.indexOf(m.chat_play)),
      }))
      .sort((a, b) => a.chat - b.chat || a.xp - b.xp);
    const describe = (p) =>
      `${p.m.name}: ${plural(p.chat, "message")}, ${fmtCount(p.xp)} XP (${p.m.chat_play || "no category"})`;
    responsive(holder, (width) => {
      const height = Math.round(Math.min(340, Math.max(220, width * 0.62)));
      const pad = { left: 58, right: 10, top: 10, bottom: 34 };
      const plotW = width - pad.left - pad.right;
      const plotH = height - pad.top - pad.bottom;
      // Square-root axes: a few very busy members would otherwise squash everyone else.
      const xTicks = sqrtTicks(Math.max(1, ...points.map((p) => p.chat)), 44 / plotW);
      const yTicks = sqrtTicks(Math.max(1, ...points.map((p) => p.xp)), 26 / plotH);
      const xMax = xTicks[xTicks.length - 1];
      const yMax = yTicks[yTicks.length - 1];
      const x = (v) => pad.left + Math.sqrt(v / xMax) * plotW;
      const y = (v) => pad.top + plotH - Math.sqrt(v / yMax) * plotH;
      const chart = svg("svg", {
        class: "chart",
        viewBox: `0 0 ${width} ${height}`,
        width,
        height,
        role: "group",
        tabindex: 0,
        "aria-label":
          "Members by messages (across) and XP (up), last 30 days. Use the arrow keys to read each member.",
        "data-chart": "chat-play",
      });
      for (const t of yTicks) {
        chart.append(
          svg("line", { class: "grid-line", x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t) }),
        );
        chart.append(svg("text", { x: pad.left - 6, y: y(t) + 4, "text-anchor": "end" }, fmtCount(t)));
      }
      for (const t of xTicks) {
        chart.append(
          svg("line", { class: "grid-line", x1: x(t), x2: x(t), y1: pad.top, y2: pad.top + plotH }),
        );
        chart.append(svg("text", { x: x(t), y: pad.top + plotH + 14, "text-anchor": "middle" }, fmtCount(t)));
      }
      chart.append(
        svg(
          "text",
          { x: pad.left + plotW / 2, y: height - 3, "text-anchor": "middle" },
          "messages, 30 days →",
        ),
      );
      // The y axis's title, read upwards along it.
      chart.append(
        svg(
          "text",
          {
            class: "axis-title",
            x: 0,
            y: 0,
            transform: `translate(12 ${(pad.top + plotH / 2).toFixed(1)}) rotate(-90)`,
            "text-anchor": "middle",
            "data-axis": "y",
          },
          "XP, 30 days →",
        ),
      );
      chart.append(svg("text", { class: "quadrant", x: pad.left + 6, y: pad.top + 12 }, "plays more"));
      chart.append(
        svg(
          "text",
          { class: "quadrant", x: width - pad.right - 4, y: pad.top + plotH - 6, "text-anchor": "end" },
          "chats more",
        ),
      );
      const dots = points.map((p) => {
        const dot = svg(
          "circle",
          {
            class: `dot cat-${p.cat}`,
            cx: x(p.chat).toFixed(1),
            cy: y(p.xp).toFixed(1),
            r: width < 480 ? 4 : 5,
          },
          svg("title", null, describe(p)),
        );
        chart.append(dot);
        return dot;
      });
      let index = -1;
      const show = (i) => {
        if (index >= 0) dots[index].classList.remove("is-current");
        index = Math.max(0, Math.min(points.length - 1, i));
        dots[index].classList.add("is-current");
        readout.textContent = describe(points[index]);
      };
      chart.addEventListener("pointermove", (event) => {
        const box = chart.getBoundingClientRect();
        const px = ((event.clientX - box.left) / box.width) * width;
        const py = ((event.clientY - box.top) / box.height) * height;
        let best = -1;
        let bestDistance = 24 * 24;
        points.forEach((p, i) => {
          const d = (x(p.chat) - px) ** 2 + (y(p.xp) - py) ** 2;
          if (d < bestDistance) [best, bestDistance] = [i, d];
        });
        if (best >= 0) show(best);
      });
      chart.addEventListener("keydown", (event) => {
        const moves = {
          ArrowLeft: index - 1,
          ArrowDown: index - 1,
          ArrowRight: index + 1,
          ArrowUp: index + 1,
          Home: 0,
          End: points.length - 1,
        };
        if (event.key in moves) {
          event.preventDefault();
          show(moves[event.key]);
        }
      });
      holder.append(chart);
    });
    const counts = CHAT_PLAY.map((_, i) => points.filter((p) => p.cat === i).length);
    body.append(
      el(
        "ul",
        { className: "legend" },
        CHAT_PLAY.map((name, i) =>
          counts[i]
            ? el("li", null, el("span", { className: `swatch cat-${i}` }), `${name} (${counts[i]})`)
            : null,
        ),
      ),
    );
    if (missing)
      body.append(
        el(
          "p",
          { className: "note" },
          `${plural(missing, "member")} not shown: not linked to Discord, or no XP data for the last 30 days.`,
        ),
      );
  }

  /**
   * Round ticks (1, 2, 5 x 10^n) for a square-root axis from 0 to a round top at or above
   * `max`, skipping any that would sit closer than `minGap` (a share of the axis) to the next.
   */
  function sqrtTicks(max, minGap) {
    const steps = [];
    for (let power = 1; steps.length === 0 || steps[steps.length - 1] < max; power *= 10) {
      steps.push(power, 2 * power, 5 * power);
    }
    const top = steps.find((v) => v >= max);
    const ticks = [top];
    let last = 1;
    for (const v of steps.filter((v) => v < top).reverse()) {
      const at = Math.sqrt(v / top);
      if (last - at >= minGap && at >= minGap) {
        ticks.unshift(v);
        last = at;
      }
    }
    return [0, ...ticks];
  }

  // --- sideways scrolling with a visible cue ---------------------------------------------

  /**
   * Mark `frame` while `scroller` has more to show to the right or left (CSS fades that edge
   * and shadows the sticky name column), and keep `hint` saying so; returns the updater, to
   * call again when the content changes.
   */
  function scrollCue(frame, scroller, hint, describe) {
    const update = () => {
      const max = scroller.scrollWidth - scroller.clientWidth;
      const right = max > 1 && scroller.scrollLeft < max - 1;
      const left = max > 1 && scroller.scrollLeft > 1;
      frame.toggleAttribute("data-more-right", right);
      frame.toggleAttribute("data-more-left", left);
      if (hint) {
        hint.hidden = max <= 1;
        if (max > 1) hint.textContent = describe(right);
      }
    };
    scroller.addEventListener("scroll", update, { passive: true });
    redrawers.push(update);
    update();
    return update;
  }

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
        cell: (m) => statusBadge(m.status),
      },
      numeric("tenure", "Tenure", (m) => m.tenure_days, tenure),
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
                el("span", { className: "who" }, row.name, running ? null : el("small", null, ended(row))),
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
            el("span", { className: "who" }, el("strong", null, row.name), ` · ${row.title}`),
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
                el("span", { className: "who" }, el("strong", null, p.name)),
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
              el("span", { className: "who" }, el("strong", null, p.name)),
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
                el("span", { className: "who" }, el("strong", null, p.name)),
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
    // because the reason is a sentence that needs the screen's whole width. The ARIA roles keep
    // it a table for screen readers when CSS lays the rows out as cards.
    const cell = (label, props, content) =>
      el("td", { ...props, attrs: { role: "cell", ...(props && props.attrs) }, data: { label } }, content);
    const tbody = el(
      "tbody",
      { attrs: { role: "rowgroup" } },
      rows.map((r) =>
        el(
          "tr",
          { attrs: { role: "row" } },
          el("th", { attrs: { scope: "row", role: "rowheader" } }, r.name),
          cell("Role", null, r.role || NO_DATA),
          cell("Tenure", { className: "numeric" }, tenure(r.tenure_days)),
          cell("Last active", { attrs: { title: fmtDay(r.last_active_on) } }, ago(r.last_active_on)),
          cell("Why", { className: "wrap" }, r.reason || ""),
        ),
      ),
    );
    const head = el(
      "tr",
      { attrs: { role: "row" } },
      ["Member", "Role", "Tenure", "Last active", "Why"].map((h, i) =>
        el("th", { className: i === 2 ? "numeric" : null, attrs: { scope: "col", role: "columnheader" } }, h),
      ),
    );
    body.append(
      el(
        "div",
        { className: "table-wrap short" },
        el(
          "table",
          { className: "table-cards", attrs: { id: "removal-table", role: "table" } },
          el("thead", { attrs: { role: "rowgroup" } }, head),
          tbody,
        ),
      ),
    );
  }

  // --- freshness -------------------------------------------------------------------------

  const FRESH_STATE = {
    fresh: ["Fresh", "good"],
    failing: ["Partly failing", "warn"],
    stale: ["Stale", "bad"],
    never: ["Not connected", "neutral"],
  };

  function renderFreshness(body) {
    body.append(
      el(
        "div",
        { className: "fresh-list" },
        data.freshness.sources.map((s) => {
          const failing = s.failing_sources > 0;
          const [label, tone] = FRESH_STATE[s.state === "fresh" && failing ? "failing" : s.state];
          const lines =
            s.state === "never"
              ? [`ClanStats has never read ${s.label}.`]
              : [
                  s.last_success
                    ? `Last updated ${hoursAgo(s.age_hours)} (${fmtMoment(s.last_success)}).`
                    : "No successful update yet.",
                  s.last_attempt &&
                  s.last_attempt !== s.last_success &&
                  s.last_attempt > (s.last_success || "")
                    ? `The last attempt (${fmtMoment(s.last_attempt)}) failed.`
                    : null,
                  failing
                    ? `${plural(s.failing_sources, "of its sources", "of its sources")} failed on its last fetch, so some figures are missing or old (details: app.log, or python main.py runs).`
                    : null,
                ];
          return el(
            "div",
            { className: "fresh-card", data: { source: s.family } },
            el("h3", null, s.label, el("span", { className: `pill tone-${tone}` }, label)),
            lines.filter(Boolean).map((line) => el("p", null, line)),
          );
        }),
      ),
      el(
        "dl",
        { className: "facts" },
        el("dt", null, "Figures for"),
        el("dd", null, `${fmtDay(data.today)} (clan day, ${data.timezone})`),
        el("dt", null, "File made"),
        el("dd", null, fmtMoment(data.generated_at)),
        el("dt", null, "Format"),
        el("dd", null, `clan_data.json version ${data.version}`),
      ),
    );
  }

  // --- header, theme, start --------------------------------------------------------------

  function renderHeader() {
    document.getElementById("clan-name").textContent = `${clanName} · ClanStats`;
    document.getElementById("clan-updated").textContent =
      `Figures for ${fmtDay(data.today)} · made ${fmtMoment(data.generated_at)}`;
    const sources = data.freshness.sources.filter((s) => s.state !== "never");
    const stale = sources.filter((s) => s.state === "stale");
    // Fresh by its newest success, but some of its sources failed last time: partly missing.
    const failing = sources.filter((s) => s.state === "fresh" && s.failing_sources > 0);
    const pill = document.getElementById("freshness-pill");
    if (sources.length) {
      pill.hidden = false;
      pill.className = `pill tone-${stale.length ? "bad" : failing.length ? "warn" : "good"}`;
      if (stale.length) pill.textContent = `${stale.map((s) => s.label).join(" and ")} data is stale`;
      else if (failing.length) pill.textContent = `${failing.map((s) => s.label).join(" and ")}: last fetch partly failed`;
      else pill.textContent = "Data is fresh";
    }
    const banner = document.getElementById("banner");
    if (noMemberData) banner.append(el("p", { className: "banner tone-warn", data: { noMembers: "" } }, noMemberData));
    if (stale.length) {
      banner.append(
        el(
          "p",
          { className: "banner tone-bad" },
          `${stale.map((s) => `${s.label}: last updated ${hoursAgo(s.age_hours)}`).join("; ")}. The daily run may have failed; some figures may be out of date.`,
        ),
      );
    }
    if (data.version !== 2) {
      banner.append(
        el(
          "p",
          { className: "banner tone-warn" },
          `This file's data is format version ${data.version}; this page was made for version 2, so some panels may be incomplete.`,
        ),
      );
    }
  }

  function setUpTheme() {
    const modes = ["auto", "light", "dark"];
    const toggle = document.getElementById("theme-toggle");
    let mode = "auto";
    try {
      mode = localStorage.getItem("clanstats-theme") || "auto";
    } catch (error) {
      // Storage can be off for file:// pages; the theme just isn't remembered then.
    }
    const apply = () => {
      if (mode === "auto") delete document.documentElement.dataset.theme;
      else document.documentElement.dataset.theme = mode;
      toggle.textContent = `Theme: ${mode}`;
      toggle.setAttribute(
        "aria-label",
        `Colour theme: ${mode === "auto" ? "automatic" : mode}. Change theme`,
      );
    };
    toggle.addEventListener("click", () => {
      mode = modes[(modes.indexOf(mode) + 1) % modes.length];
      try {
        localStorage.setItem("clanstats-theme", mode);
      } catch (error) {
        // As above: not remembered, still applied.
      }
      apply();
    });
    if (!modes.includes(mode)) mode = "auto";
    apply();
  }

  function start() {
    setUpTheme();
    renderHeader();
    const app = document.getElementById("app");
    const nav = document.getElementById("panel-nav-list");
    for (const spec of PANELS) mountPanel(spec, app, nav);
    // Wide screens wrap the section links; narrow ones scroll them sideways, with a fade at the
    // cut-off edge. Jumping to a panel stops below the sticky header, however tall it has become.
    scrollCue(nav.parentElement, nav, null);
    const header = document.querySelector(".topbar");
    const keepClearOfHeader = () => {
      document.documentElement.style.scrollPaddingTop = `${header.offsetHeight + 12}px`;
    };
    redrawers.push(keepClearOfHeader);
    keepClearOfHeader();
    let pending = false;
    window.addEventListener("resize", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        for (const redraw of redrawers) redraw();
      });
    });
    // The benchmark and the browser tests wait for this mark.
    window.__clanstatsReady = performance.now();
    document.documentElement.dataset.ready = "true";
  }

  start();
})();
