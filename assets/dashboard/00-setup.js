/* ClanStats dashboard: draws every panel from the embedded clan_data.json.
 *
 * Safety rule for this file: data reaches the page only through textContent, text nodes and
 * attribute values (never innerHTML, never an attribute *name*), so a member named like an
 * HTML tag with an onerror handler is just text. Charts are our own small SVG code; nothing is
 * fetched, so the page works offline from a file, a USB stick or a Drive folder.
 *
 * The script is the files of assets/dashboard/ joined in name order at export
 * (clanstats/export/dashboard.py): one function scope, opened here and closed by the last file,
 * with one file per panel or shared part between them.
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
  const compactTotal = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumSignificantDigits: 3 });
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

