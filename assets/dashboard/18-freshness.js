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

