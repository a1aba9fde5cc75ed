  // --- formatting -------------------------------------------------------------------------

  /** A count: exact below 10,000, compact (1.2M) above; an em dash for "no data". */
  function fmtCount(n) {
    if (n === null || n === undefined) return NO_DATA;
    return Math.abs(n) >= 10000 ? compact.format(n) : whole.format(n);
  }

  /** A clan-wide total (6.08B XP): three figures when large, so a week's growth still shows. */
  function fmtTotal(n) {
    if (n === null || n === undefined) return NO_DATA;
    return Math.abs(n) >= 10000 ? compactTotal.format(n) : whole.format(n);
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

  // Counted from WOM's listing (no in-game join from the clan sync), a tenure is a lower bound.
  function tenure(days, source) {
    if (days === null || days === undefined) return NO_DATA;
    return source === "wom_listed" ? `≥ ${span(days)}` : span(days);
  }

  function tenureTitle(source) {
    if (source === "clan_sync") return "Since they joined the in-game clan (WOM clan sync)";
    if (source === "wom_listed") return "Since WOM listed them; they may have joined the clan earlier";
    return "Join date unknown";
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
    } catch {
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

