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

