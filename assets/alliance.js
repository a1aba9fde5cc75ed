/* ClanStats alliance overview: renders alliance.json (inline) as text, never as HTML. */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("alliance-data").textContent);
  const numbers = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  const hours = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });
  // Cards are narrow: 400.4M rather than 400,446,728 (the table keeps the exact figure); en-US
  // because en-GB writes "400.4m", which reads as metres to a player.
  const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function count(value) {
    return value === null || value === undefined ? "—" : numbers.format(value);
  }

  function short(value) {
    return value === null || value === undefined ? "—" : compact.format(value);
  }

  function hour(value) {
    return value === null || value === undefined ? "—" : hours.format(value);
  }

  // Only our own relative links: "<slug>/clan_dashboard.html", slugs being folder-safe.
  function safeHref(path) {
    return /^[a-z0-9][a-z0-9_-]*\/clan_dashboard\.html$/.test(path) ? path : null;
  }

  function totals() {
    const t = data.totals;
    const cards = [
      ["Groups", count(t.groups)],
      ["Members", count(t.members)],
      ["Active", count(t.status_counts.active)],
      ["Quiet", count(t.status_counts.quiet)],
      ["Inactive", count(t.status_counts.inactive)],
      ["Not enough history yet", count(t.status_counts.unknown)],
      ["XP, 7 days", short(t.gains["7d"].xp)],
      ["XP, 30 days", short(t.gains["30d"].xp)],
      ["Messages, 7 days", short(t.gains["7d"].messages)],
      ["Goals met", `${count(t.goals.met)} / ${count(t.goals.total)}`],
      ["Promotions due", count(t.promotions_due)],
    ];
    const list = document.getElementById("totals");
    for (const [label, value] of cards) {
      const item = el("div");
      item.append(el("dt", label), el("dd", value));
      list.append(item);
    }
  }

  const COLUMNS = [
    "Group", "Members", "Active", "Quiet", "Inactive", "Not enough history yet",
    "XP 7d", "XP 30d", "EHP 7d", "EHP 30d", "EHB 7d", "EHB 30d",
    "Messages 7d", "Messages 30d", "Goals met", "Promotions due", "Top gainer (7d XP)", "Data",
  ];

  function nameCell(group) {
    const cell = el("td");
    const href = safeHref(group.dashboard);
    if (href) {
      const link = el("a", group.name);
      link.href = href;
      cell.append(link);
    } else {
      cell.append(el("span", group.name));
    }
    return cell;
  }

  function freshnessCell(group) {
    const cell = el("td");
    group.freshness.forEach((source, index) => {
      if (index) cell.append(document.createTextNode(" · "));
      const age = source.age_hours === null ? "" : ` ${hour(source.age_hours)} h`;
      cell.append(el("span", `${source.label}: ${source.state}${age}`, `state-${source.state}`));
    });
    return cell;
  }

  function row(group) {
    const tr = el("tr");
    tr.dataset.group = group.slug;
    tr.append(nameCell(group));
    if (!group.available) {
      const cell = el("td", "no data this run (see the run summary)", "unavailable");
      cell.colSpan = COLUMNS.length - 1;
      tr.append(cell);
      return tr;
    }
    const g = group.gains;
    const top = group.top_gainer;
    const values = [
      count(group.members), count(group.status_counts.active), count(group.status_counts.quiet),
      count(group.status_counts.inactive), count(group.status_counts.unknown),
      count(g["7d"].xp), count(g["30d"].xp),
      hour(g["7d"].ehp), hour(g["30d"].ehp), hour(g["7d"].ehb), hour(g["30d"].ehb),
      count(g["7d"].messages), count(g["30d"].messages),
      `${count(group.goals.met)} / ${count(group.goals.total)}`, count(group.promotions_due),
      top ? `${top.name} (${count(top.xp)})` : "—",
    ];
    for (const value of values) tr.append(el("td", value));
    tr.append(freshnessCell(group));
    return tr;
  }

  function table() {
    const head = el("tr");
    for (const label of COLUMNS) {
      const th = el("th", label);
      th.scope = "col";
      head.append(th);
    }
    document.querySelector("#groups-table thead").append(head);
    const body = document.querySelector("#groups-table tbody");
    for (const group of data.groups) body.append(row(group));
  }

  const generated = new Date(data.generated_at);
  document.getElementById("generated").textContent = Number.isNaN(generated.getTime())
    ? `Generated ${data.generated_at}`
    : `Generated ${generated.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}`;
  totals();
  table();
  window.__clanstatsReady = true; // what the browser tests wait for
})();
