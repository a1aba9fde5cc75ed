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

  // A leave of absence (rules.yaml `absences`): shown beside the status until it ends.
  function awayBadge(away) {
    if (!away) return null;
    const why = away.reason ? `: ${away.reason}` : "";
    const node = badge(`away to ${fmtDay(away.until)}`, "neutral");
    node.title = `On a leave of absence until ${fmtDay(away.until)}${why}; not a removal candidate until then`;
    return node;
  }

  // An alt (people.csv): labelled beside their name wherever a list names them; `short` in
  // the narrow ranked lists, where the whole label is the badge's tooltip. Nothing (null) for
  // everyone else, so a name's text stays exactly the name.
  function altBadge(playerId, short) {
    const main = mainNameOf.get(playerId);
    if (!main) return null;
    const node = badge(short ? "alt" : `alt of ${main}`, "neutral");
    node.classList.add("alt-badge");
    node.title = `An alt of ${main} (people.csv): the player is active while any of their accounts is`;
    return [" ", node]; // spaced from the name before it
  }

  /**
   * A table on a wide screen that becomes one card per row on a phone (each cell labelled by
   * `cardCell`); the ARIA roles keep it a table for screen readers when CSS lays the rows out
   * as cards. `numeric`: the indexes of the columns holding numbers.
   */
  function cardTable(id, headers, numeric, rows) {
    const head = el(
      "tr",
      { attrs: { role: "row" } },
      headers.map((h, i) =>
        el("th", { className: numeric.includes(i) ? "numeric" : null, attrs: { scope: "col", role: "columnheader" } }, h),
      ),
    );
    return el(
      "div",
      { className: "table-wrap short" },
      el(
        "table",
        { className: "table-cards", attrs: { id, role: "table" } },
        el("thead", { attrs: { role: "rowgroup" } }, head),
        el("tbody", { attrs: { role: "rowgroup" } }, rows),
      ),
    );
  }

  /** A card table's cell, labelled for its card on a phone. */
  function cardCell(label, props, content) {
    return el("td", { ...props, attrs: { role: "cell", ...(props && props.attrs) }, data: { label } }, content);
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

