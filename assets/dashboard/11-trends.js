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
   * Other rows may be given as options.days (with options.describe naming each one and
   * options.readout saying it); options.fit spans the y axis over the values, not from 0.
   */
  function timeChart(container, readout, options) {
    const days = options.days || data.trends;
    const describe = options.describe || trendDay;
    const series = options.series;
    responsive(container, (width) => {
      const height = options.height || 190;
      const pad = { left: 44, right: 8, top: 8, bottom: 22 };
      const plotW = width - pad.left - pad.right;
      const plotH = height - pad.top - pad.bottom;
      const values = series.flatMap((s) => days.map((d) => d[s.key]).filter((v) => v !== null));
      const ticks = options.fit
        ? niceRange(Math.min(...values), Math.max(...values), 5)
        : niceTicks(Math.max(0, ...values), 4);
      const yMin = options.fit ? ticks[0] : 0;
      const yMax = ticks[ticks.length - 1] || 1;
      const step = plotW / days.length;
      const x = (i) => pad.left + step * (i + 0.5);
      const y = (v) => pad.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
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
              bar.append(svg("title", null, `${describe(day)}: ${s.format(v)} ${s.unit}`));
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
            if (s.points) {
              for (const [px, py] of points) chart.append(svg("circle", { class: s.points, cx: px, cy: py, r: 2.5 }));
            }
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
                svg("title", null, `${describe(day)}: ${s.format(v)} ${s.unit}`),
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
        const when = `${describe(day)}: `;
        const said = options.readout
          ? options.readout(day)
          : series.map((s) => `${s.format(day[s.key])} ${s.unit}`).join(" · ");
        readout.append(el("strong", null, when), said);
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

