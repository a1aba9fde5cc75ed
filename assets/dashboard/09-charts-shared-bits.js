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

  /** About `count` round tick values spanning `min` to `max` (an axis that needn't start at 0). */
  function niceRange(min, max, count) {
    if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    if (!(max > min)) {
      // One value: a little room either side of it.
      const room = Math.abs(max) * 0.01 + 1;
      return niceRange(min - room, max + room, count);
    }
    const raw = (max - min) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw);
    const first = Math.floor(min / step);
    const ticks = [];
    for (let i = first; (i - 1) * step < max - step * 0.001; i += 1) ticks.push(i * step);
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

