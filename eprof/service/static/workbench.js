// The analyst workbench on the page: the financial spread with small charts, the credit memo
// download and the portfolio with its watch-list. Uses app.js's helpers (el, api, clear, pct, label).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const SPREAD_CHARTED = ["revenue", "net_profit", "operating_cash_flow", "total_assets", "total_liabilities", "accounts_receivable"];

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function spreadValue(line, year) {
  const cell = line.cells[year];
  if (!cell) return "—";
  return line.kind === "figure" ? Number(cell.value).toLocaleString("en-US", { maximumFractionDigits: 0 }) : Number(cell.value).toFixed(3);
}

function spreadChange(line, year) {
  const v = line.yoy[year];
  if (v === undefined || v === null) return "—";
  return line.kind === "figure" ? `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%` : `${v >= 0 ? "+" : ""}${v.toFixed(3)}`;
}

function miniBars(line, years) {
  // one bar per year, scaled to the line's largest absolute value; a loss is drawn below the axis
  const values = years.map((y) => (line.cells[y] ? line.cells[y].value : null));
  const top = Math.max(...values.map((v) => Math.abs(v || 0)), 1);
  const width = 14 * years.length + 4;
  const bars = values.map((v, i) => {
    if (v === null) return null;
    const h = Math.max(1, Math.round((Math.abs(v) / top) * 14));
    return svg("rect", { x: 2 + i * 14, y: v >= 0 ? 16 - h : 16, width: 10, height: h, class: v >= 0 ? "bar" : "bar negative" },
      svg("title", {}, `${years[i]}: ${spreadValue(line, years[i])}`));
  }).filter(Boolean);
  return svg("svg", { class: "spark", width, height: 32, viewBox: `0 0 ${width} 32`, role: "img", "aria-label": `${label(line.name)} by year` },
    svg("line", { x1: 0, x2: width, y1: 16, y2: 16, class: "axis" }), ...bars);
}

function spreadCard(id, spread) {
  const card = el("section", { class: "card", id: "spread" }, el("h2", { text: "财务数据 Financial spread" }));
  if (!spread || spread.years.length === 0) {
    card.append(el("p", { class: "muted", text: "No statement figures were read from the documents." }));
    return card;
  }
  const years = spread.years;
  const later = years.slice(1);
  const rows = spread.lines.map((line) => el("tr", { class: line.kind === "ratio" ? "ratio" : "" },
    el("td", { text: label(line.name) }),
    years.map((y) => el("td", { class: "num" }, line.cells[y] && line.cells[y].evidence
      ? citeLink(id, line.cells[y].evidence, spreadValue(line, y)) : spreadValue(line, y))),
    later.map((y) => el("td", { class: "num change", text: spreadChange(line, y) })),
    el("td", {}, line.kind === "figure" && SPREAD_CHARTED.includes(line.name) ? miniBars(line, years) : "")));
  card.append(el("p", { class: "meta", text: `${spread.currency}; every figure links to its table row; ratios computed in code; yoy = change on the year before` }),
    el("table", { class: "table spread-table" },
      el("thead", {}, el("tr", {}, el("th", { text: "line" }), years.map((y) => el("th", { text: y })),
        later.map((y) => el("th", { text: `yoy ${y}` })), el("th", { text: "trend" }))),
      el("tbody", {}, rows)));
  return card;
}

async function downloadMemo(id, format, button) {
  button.disabled = true;
  try {
    const response = await api(`/api/enterprises/${encodeURIComponent(id)}/memo?format=${format}`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `${id}-memo.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) { showError(error); } finally { button.disabled = false; }
}

function memoButtons(id) {
  return el("div", { class: "memo-buttons" }, el("span", { class: "meta", text: "授信报告 Credit memo:" }),
    ["pdf", "xlsx", "md"].map((format) => {
      const button = el("button", { type: "button", class: "secondary", id: `memo-${format}` }, format.toUpperCase());
      button.addEventListener("click", () => downloadMemo(id, format, button));
      return button;
    }));
}

// ------------------------------------------------------------------ portfolio

const PORTFOLIO_COLUMNS = [
  ["watched", "★"], ["enterprise_id", "enterprise"], ["name", "name"], ["grade", "grade"], ["pd", "PD"], ["decision", "decision"],
  ["limit", "limit"], ["flags", "flags"], ["worst_severity", "worst"], ["last_document", "last document"],
];
const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1 };
const portfolioView = { rows: [], sort: "pd", descending: true, filter: "" };

async function showPortfolio() {
  state.current = null;
  $("chat").hidden = true;
  renderList();
  const main = clear($("main"));
  main.append(el("p", { class: "loading", text: "Loading…" }));
  try {
    portfolioView.rows = await api("/api/portfolio");
  } catch (error) { showError(error); return; }
  const filter = el("input", { type: "search", id: "portfolio-filter", placeholder: "筛选 Filter: name, id, decision, grade…", value: portfolioView.filter });
  filter.addEventListener("input", () => { portfolioView.filter = filter.value; renderPortfolio(); });
  clear(main).append(el("section", { class: "card", id: "portfolio" }, el("h1", { text: "组合 Portfolio" }),
    el("p", { class: "meta", text: "Click a column to sort; ★ marks the watch-list (kept in the store)." }), filter,
    el("table", { class: "table portfolio-table" }, el("thead", {}, el("tr", { id: "portfolio-head" })), el("tbody", { id: "portfolio-body" }))));
  renderPortfolio();
}

function portfolioKey(row, column) {
  const value = row[column];
  if (column === "worst_severity") return SEVERITY_RANK[value] || 0;
  if (column === "watched") return value ? 1 : 0;
  return value === null || value === undefined ? -Infinity : value;
}

function renderPortfolio() {
  const { sort, descending } = portfolioView;
  const needle = portfolioView.filter.trim().toLowerCase();
  const rows = portfolioView.rows
    .filter((r) => !needle || [r.enterprise_id, r.name, r.decision, r.grade, r.status].some((v) => v && String(v).toLowerCase().includes(needle)))
    .sort((a, b) => {
      const x = portfolioKey(a, sort), y = portfolioKey(b, sort);
      return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1);
    });
  clear($("portfolio-head")).append(...PORTFOLIO_COLUMNS.map(([key, title]) => el("th", {
    class: `sortable${key === sort ? (descending ? " desc" : " asc") : ""}`, "data-key": key,
    onclick: () => { portfolioView.descending = key === sort ? !descending : true; portfolioView.sort = key; renderPortfolio(); },
  }, title)));
  clear($("portfolio-body")).append(...rows.map((r) => el("tr", { "data-id": r.enterprise_id },
    el("td", {}, el("button", { type: "button", class: `star${r.watched ? " on" : ""}`, "aria-label": `watch ${r.enterprise_id}`,
      onclick: () => toggleWatch(r) }, r.watched ? "★" : "☆")),
    el("td", {}, el("a", { href: `#/e/${encodeURIComponent(r.enterprise_id)}`, text: r.enterprise_id })),
    el("td", { text: r.name || "" }), el("td", { text: r.grade || "—" }),
    el("td", { class: "num", text: r.pd === null ? "—" : pct(r.pd) }),
    el("td", {}, r.decision ? el("span", { class: `badge action-${r.decision}`, text: r.decision }) : el("span", { class: "muted", text: r.status })),
    el("td", { class: "num", text: r.limit === null ? "—" : Number(r.limit).toLocaleString("en-US") }),
    el("td", { class: "num", text: String(r.flags) }),
    el("td", {}, r.worst_severity ? el("span", { class: `sev sev-${r.worst_severity}`, text: r.worst_severity }) : "—"),
    el("td", { text: r.last_document || "—" }))));
}

async function toggleWatch(row) {
  try {
    const ids = await api(`/api/portfolio/watch/${encodeURIComponent(row.enterprise_id)}`, { method: "PUT", json: { watched: !row.watched } });
    for (const r of portfolioView.rows) r.watched = ids.includes(r.enterprise_id);
    renderPortfolio();
  } catch (error) { showError(error); }
}
