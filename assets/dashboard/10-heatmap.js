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

