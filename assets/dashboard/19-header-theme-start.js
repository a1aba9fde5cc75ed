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
    } catch {
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
      } catch {
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
