// The analyst page: plain JavaScript over the eprof API. Document text is data: it is only ever
// put on the page as text nodes (textContent), never parsed as HTML.
"use strict";

const TOKEN_KEY = "eprof.token";
const SEVERITIES = ["critical", "high", "medium", "low"];
const SEVERITY_LABEL = { critical: "严重 critical", high: "高 high", medium: "中 medium", low: "低 low" };
const KEY_FIGURES = [
  ["revenue", "营业收入 Revenue"], ["net_profit", "净利润 Net profit"], ["total_assets", "总资产 Total assets"],
  ["total_liabilities", "总负债 Total liabilities"], ["operating_cash_flow", "经营现金流 Operating cash flow"],
  ["accounts_receivable", "应收账款 Receivables"],
];
const DIMENSIONS = [
  ["business_stability", "经营稳定性 Business stability"], ["industry_chain_position", "产业链地位 Chain position"],
  ["financial_health", "财务健康 Financial health"], ["governance", "公司治理 Governance"], ["external_risk", "外部风险 External risk"],
];
const state = { enterprises: [], current: null, session: null };

// ------------------------------------------------------------------ DOM helpers

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "style") Object.assign(node.style, value);  // CSSOM: allowed by the page's CSP
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const $ = (id) => document.getElementById(id);
const clear = (node) => { node.replaceChildren(); return node; };
const pct = (x) => `${(x * 100).toFixed(2)}%`;
const label = (code) => code.replaceAll("_", " ");

// A citation opens the page through its chunk (the server finds the chunk's document): two files
// of one name in two folders are two documents, so a file name cannot address one.
function citeHref(enterpriseId, evidence) {
  return `#/e/${encodeURIComponent(enterpriseId)}/cite/${encodeURIComponent(evidence.chunk_id)}/${evidence.page}` +
    `?q=${encodeURIComponent(evidence.quote)}`;
}

function documentHref(enterpriseId, docId, page) {
  return `#/e/${encodeURIComponent(enterpriseId)}/doc/${encodeURIComponent(docId)}/${page}`;
}

function onePerPage(evidence) {
  const seen = new Set();
  return evidence.filter((e) => !seen.has(`${e.source}#${e.page}`) && seen.add(`${e.source}#${e.page}`));
}

function citeLink(enterpriseId, evidence, text) {
  return el("a", { class: "cite", href: citeHref(enterpriseId, evidence), title: evidence.quote },
    text || `${evidence.source} p.${evidence.page}`);
}

// ------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    options = { ...options, body: JSON.stringify(options.json) };
  }
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken("The token was not accepted.");
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, body);
  }
  return options.raw ? response : response.json();
}

// ------------------------------------------------------------------ sign-in

function askForToken(message) {
  const error = $("login-error");
  error.hidden = !message;
  error.textContent = message || "";
  if (!$("login").open) $("login").showModal();
}

async function start() {
  const health = await (await fetch("/healthz")).json();
  $("login-form").addEventListener("submit", () => {
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    boot();
  });
  $("signout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.hash = "#/"; askForToken(); });
  $("filter").addEventListener("input", renderList);
  $("ask").addEventListener("submit", (event) => { event.preventDefault(); ask(); });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); ask(); }
  });
  window.addEventListener("hashchange", route);
  if (health.auth === "token" && !sessionStorage.getItem(TOKEN_KEY)) askForToken();
  else boot();
}

async function boot() {
  try {
    state.enterprises = await api("/api/enterprises");
  } catch (error) {
    if (error.status !== 401) showError(error);
    return;
  }
  const open = !sessionStorage.getItem(TOKEN_KEY);
  $("who").textContent = open ? "open service (loopback)" : "signed in";
  $("signout").hidden = open;
  renderList();
  route();
}

// ------------------------------------------------------------------ enterprise list

function renderList() {
  const needle = $("filter").value.trim().toLowerCase();
  const list = clear($("enterprises"));
  for (const e of state.enterprises) {
    if (needle && !`${e.enterprise_id} ${e.name || ""}`.toLowerCase().includes(needle)) continue;
    const active = state.current && state.current.id === e.enterprise_id;
    list.append(el("li", {},
      el("a", { href: `#/e/${encodeURIComponent(e.enterprise_id)}`, class: active ? "active" : "", "data-id": e.enterprise_id },
        el("span", { class: "name", text: e.name || e.enterprise_id }),
        el("span", { class: "meta", text: `${e.enterprise_id} · ${e.documents} docs · ${e.pages} pages${e.profiled ? "" : " · not profiled"}` }))));
  }
  if (!list.children.length) list.append(el("li", { class: "empty", text: "No enterprises indexed yet: upload documents or run `eprof ingest`." }));
}

// ------------------------------------------------------------------ routing

function route() {
  const hash = location.hash.slice(1) || "/";
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || "");
  if (parts[0] === "e" && parts[1] && (parts[2] === "doc" || parts[2] === "cite") && parts[3]) {
    showEnterpriseShell(parts[1]);
    showSource(parts[1], parts[2] === "doc" ? "documents" : "chunks", parts[3], Number(parts[4]), params.get("q"));
  } else if (parts[0] === "portfolio") {
    showPortfolio();
  } else if (parts[0] === "e" && parts[1]) {
    showEnterpriseShell(parts[1]);
    showEnterprise(parts[1]);
  } else {
    state.current = null;
    $("chat").hidden = true;
    renderList();
    clear($("main")).append(el("div", { class: "welcome" },
      el("h1", { text: "选择一家企业 Choose an enterprise" }),
      el("p", { text: "Profiles, red flags with their sources, the credit decision and cited answers to your questions." })));
  }
}

function showEnterpriseShell(id) {
  if (state.current && state.current.id === id) return;
  const summary = state.enterprises.find((e) => e.enterprise_id === id);
  state.current = { id, name: summary ? summary.name : null };
  state.session = null;
  $("chat").hidden = false;
  $("chat-title").textContent = `提问 Ask about ${summary && summary.name ? summary.name : id}`;
  clear($("messages")).append(el("li", { class: "hint", text: "Answers quote the documents; click a citation to open its page." }));
  renderList();
}

function showError(error) {
  clear($("main")).append(el("div", { class: "card error-card" }, el("h2", { text: "Error" }), el("p", { text: error.message })));
}

// ------------------------------------------------------------------ enterprise view

async function showEnterprise(id) {
  const main = clear($("main"));
  main.append(el("p", { class: "loading", text: "Loading…" }));
  let detail;
  try {
    detail = await api(`/api/enterprises/${encodeURIComponent(id)}`);
  } catch (error) { showError(error); return; }
  const [profile, decision, spread] = await Promise.all([
    api(`/api/enterprises/${encodeURIComponent(id)}/profile`).catch(() => null),
    api(`/api/enterprises/${encodeURIComponent(id)}/decision`).catch(() => null),
    api(`/api/enterprises/${encodeURIComponent(id)}/spread`).catch(() => null),
  ]);
  if (!state.current || state.current.id !== id) return;  // the analyst moved on meanwhile
  clear(main).append(header(detail, profile));
  if (!profile) {
    main.append(el("div", { class: "card" }, el("p", { text: "No profile yet. Run one to see figures, red flags and the decision." })));
    return;
  }
  main.append(memoButtons(id), decisionCard(id, decision), flagsCard(id, profile), spreadCard(id, spread), profileCard(id, profile), documentsCard(detail));
}

function header(detail, profile) {
  const made = !profile ? "not profiled" : profile.extractor === "offline" ? "offline extractor" : `${profile.model} · ${profile.prompt}`;
  const run = el("button", { type: "button", class: "secondary", onclick: () => runProfile(detail.enterprise_id, run) },
    profile ? "Re-run profile" : "Run profile");
  return el("div", { class: "ent-header" },
    el("div", {},
      el("h1", { text: detail.name || detail.enterprise_id }),
      el("p", { class: "meta", text: `${detail.enterprise_id} · fiscal year ${profile && profile.fiscal_year ? profile.fiscal_year : "unknown"} · ` +
        `${detail.documents.length} documents · ${made}` })),
    run);
}

async function runProfile(id, button) {
  button.disabled = true;
  button.textContent = "Profiling…";
  try {
    await api(`/api/enterprises/${encodeURIComponent(id)}/profile`, { method: "POST", json: {} });
    state.enterprises = await api("/api/enterprises");
    renderList();
    state.session = null;
    showEnterprise(id);
  } catch (error) { showError(error); }
}

function decisionCard(id, record) {
  const card = el("section", { class: "card decision", id: "decision" }, el("h2", { text: "信贷决策 Decision" }));
  if (!record) {
    card.append(el("p", { class: "muted", text: "No decision available." }));
    return card;
  }
  const d = record.decision;
  const pdOf = (x) => (x < 0.0001 ? "<0.01%" : pct(x));
  const pdText = pdOf(d.pd) + (d.floored_by.length ? ` (模型 model ${pdOf(d.pd_model)})` : "");
  const quotes = (items, n) => items.length ? onePerPage(items).slice(0, n).map((e) => el("div", { class: "quote" }, citeLink(id, e), ` ${e.quote.slice(0, 90)}`))
    : el("span", { class: "muted", text: "computed / missing" });
  const lim = d.limit;
  const money = (x) => `${(x / 10000).toLocaleString("en", { maximumFractionDigits: 2 })} 万元`;
  const summary = el("div", {},
    el("div", { class: "verdict" },
      el("span", { class: `badge action-${d.decision}`, text: d.decision.toUpperCase() }),
      el("dl", { class: "kpis" },
        el("div", {}, el("dt", { text: "PD 违约概率" }), el("dd", { text: pdText })),
        el("div", {}, el("dt", { text: "Grade 评级" }), el("dd", { text: d.grade })),
        el("div", {}, el("dt", { text: "Points 分数" }), el("dd", { text: d.score.toFixed(0) })),
        lim ? el("div", { class: "limit" }, el("dt", { text: "Limit 建议额度" }), el("dd", { text: lim.amount === null ? "—" : money(lim.amount) })) : null)),
    el("p", { class: "explanation", text: d.explanation.zh }),
    el("p", { class: "explanation", text: d.explanation.en }),
    el("p", { class: "meta precedence", text: `${d.precedence.zh} ${d.precedence.en}` }),
    el("p", { class: "meta", text: `model ${d.model_version} · policy ${d.policy_version}` }),
    d.knockouts.map((hit) => el("div", { class: "knockout" },
      el("strong", { text: `${hit.rule_id} → ${hit.action}${hit.pd_floor === null ? "" : ` · PD ≥ ${pct(hit.pd_floor)}`}` }),
      ` ${hit.description_zh || ""} ${hit.description}`,
      quotes(hit.evidence, 2))),
    lim ? el("div", { class: "limit-box" }, el("h3", { text: "额度测算 Limit arithmetic" }),
      el("ol", {}, lim.steps.map((s) => el("li", { text: `${s.name}: ${s.formula} = ${Math.round(s.value).toLocaleString("en")}` }))),
      el("p", { class: "muted", text: lim.note }),
      lim.conditions.length ? el("ul", { class: "conditions" }, lim.conditions.map((c) => el("li", { text: `${c.text.zh} / ${c.text.en}` }))) : null) : null);
  const rows = d.reasons.map((r) => el("tr", {},
    el("td", { text: String(r.rank) }), el("td", { text: `${r.label.zh} ${r.label.en}` }),
    el("td", { class: "num", text: r.value_text }),
    el("td", { class: "num", text: r.points_below_max.toFixed(1) }),
    el("td", {}, quotes(r.evidence, 2))));
  const flagRows = d.red_flags.map((f) => el("tr", {},
    el("td", { text: `${f.label.zh} ${f.label.en}` }), el("td", { class: `severity-${f.severity}`, text: f.severity }),
    el("td", {}, quotes(f.evidence, 1))));
  const reasons = el("div", {},
    el("h3", { class: "first", text: "风险信号 Verified red flags" }),
    flagRows.length ? el("table", { class: "table red-flags" },
      el("thead", {}, el("tr", {}, ["flag", "severity", "evidence"].map((h) => el("th", { text: h })))),
      el("tbody", {}, flagRows)) : el("p", { class: "muted", text: "no verified red flags 无已核实风险信号" }),
    el("h3", { text: "原因码 Reason codes" }),
    rows.length ? el("table", { class: "table" },
      el("thead", {}, el("tr", {}, ["#", "feature", "value", "pts below best", "evidence"].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows)) : el("p", { class: "muted", text: "no adverse contributions" }));
  card.append(el("div", { class: "cols decision-cols" }, summary, reasons));
  return card;
}

function claimLine(id, title, claim) {
  if (!claim) return null;
  return el("div", { class: "claim" }, el("dt", { text: title }),
    el("dd", {}, el("span", { text: claim.value }), " ", citeLink(id, claim.evidence[0], "source")));
}

function chainBox(id, role, claim) {
  return el("div", { class: `chain-box ${role}` },
    el("span", { class: "chain-role", text: { upstream: "上游 Upstream", self: "本企业 Company", downstream: "下游 Downstream" }[role] }),
    el("span", { class: "chain-value", text: claim ? claim.value : "not stated" }),
    claim ? citeLink(id, claim.evidence[0]) : null);
}

function profileCard(id, p) {
  const figures = new Map(p.figures.filter((f) => f.period === p.fiscal_year).map((f) => [f.name, f]));
  const rows = KEY_FIGURES.map(([name, title]) => {
    const f = figures.get(name);
    const found = f && f.value !== null;
    return el("tr", {}, el("td", { text: title }),
      el("td", { class: "num", text: found ? f.as_printed || f.value.toLocaleString() : "—" }),
      el("td", {}, found && f.evidence.length ? citeLink(id, f.evidence[0]) : el("span", { class: "muted", text: found ? "" : "not in the documents" })));
  });
  const customers = p.parties.filter((x) => x.role === "customer").slice(0, 5);
  const scores = DIMENSIONS.map(([name, title]) => {
    const s = p.scores[name];
    return el("div", { class: "score" }, el("span", { class: "score-name", text: title }),
      el("span", { class: "bar" }, el("span", { class: "fill", style: { width: `${s ? s.score : 0}%` } })),
      el("span", { class: "score-value", text: s ? String(s.score) : "—" }));
  });
  const industry = p.industry ? { ...p.industry, value: `${p.name || id} · ${p.industry.value}` } : null;
  return el("section", { class: "card profile", id: "profile" },
    el("h2", { text: "企业画像 Profile" }),
    el("h3", { text: "产业链位置 Industry-chain position" }),
    el("div", { class: "chain" }, chainBox(id, "upstream", p.upstream), el("span", { class: "arrow", text: "→" }),
      chainBox(id, "self", industry), el("span", { class: "arrow", text: "→" }), chainBox(id, "downstream", p.downstream)),
    el("div", { class: "cols" }, el("div", {}, el("h3", { text: "基本情况 Company" }), el("dl", { class: "claims" },
      claimLine(id, "主营业务 Main business", p.main_business),
      claimLine(id, "审计机构 Auditor", p.auditor),
      claimLine(id, "审计意见 Audit opinion", p.audit_opinion),
      claimLine(id, "控股股东 Controlling shareholder", p.controlling_shareholder),
      customers.length ? el("div", { class: "claim" }, el("dt", { text: "主要客户 Key customers" }),
        el("dd", {}, customers.map((c, i) => el("span", { class: "party" }, `${i ? ", " : ""}${c.name}${c.share !== null ? ` ${(c.share * 100).toFixed(0)}%` : ""}`)))) : null)),
      el("div", {}, el("h3", { text: `关键财务数据 Key figures ${p.fiscal_year || ""}` }),
        el("table", { class: "table figures" }, el("tbody", {}, rows)))),
    el("h3", { text: "维度评分 Dimension scores (0 worst – 100 best)" }),
    el("div", { class: "scores" }, scores));
}

function flagsCard(id, p) {
  const card = el("section", { class: "card flags", id: "red-flags" }, el("h2", { text: `风险信号 Red flags (${p.red_flags.length})` }));
  if (!p.red_flags.length) card.append(el("p", { class: "muted", text: "No red flags found in the documents." }));
  for (const severity of SEVERITIES) {
    const flags = p.red_flags.filter((f) => f.severity === severity);
    if (!flags.length) continue;
    card.append(el("h3", { class: `sev-heading sev-${severity}`, text: `${SEVERITY_LABEL[severity]} · ${flags.length}` }));
    card.append(el("ul", { class: "flag-list" }, flags.map((flag) => el("li", { class: `flag sev-${severity}` },
      el("div", { class: "flag-head" },
        el("span", { class: `chip sev-${severity}`, text: severity }),
        el("strong", { text: label(flag.type) }),
        flag.date ? el("span", { class: "muted", text: flag.date }) : null),
      el("p", { class: "explanation", text: flag.explanation }),
      flag.evidence.map((e) => el("blockquote", { class: "quote" }, el("span", { text: `“${e.quote}”` }), " ", citeLink(id, e, `${e.source} p.${e.page} ↗`)))))));
  }
  return card;
}

function documentsCard(detail) {
  return el("section", { class: "card documents" }, el("h2", { text: `文档 Documents (${detail.documents.length})` }),
    el("table", { class: "table" },
      el("thead", {}, el("tr", {}, ["source", "type", "pages", "published", "ingested (UTC)"].map((h) => el("th", { text: h })))),
      el("tbody", {}, detail.documents.map((d) => el("tr", {},
        el("td", {}, el("a", { href: documentHref(detail.enterprise_id, d.doc_id, 1), text: d.source })),
        el("td", { text: label(d.doc_type) }), el("td", { class: "num", text: String(d.pages) }),
        el("td", { text: d.published || "" }), el("td", { text: d.ingested_at.replace("T", " ").slice(0, 16) }))))));
}

// ------------------------------------------------------------------ source page

// kind: "documents" (ref is a document id) or "chunks" (ref is a cited chunk's id).
async function showSource(id, kind, ref, page, quote) {
  const main = clear($("main"));
  let data;
  try {
    data = await api(`/api/enterprises/${encodeURIComponent(id)}/${kind}/${encodeURIComponent(ref)}/pages/${page}${quote ? `?quote=${encodeURIComponent(quote)}` : ""}`);
  } catch (error) { showError(error); return; }
  const source = data.source;
  const base = `/api/enterprises/${encodeURIComponent(id)}/documents/${encodeURIComponent(data.doc_id)}`;
  const go = (n) => `${documentHref(id, data.doc_id, n)}${quote ? `?q=${encodeURIComponent(quote)}` : ""}`;
  const text = el("pre", { class: "page-text", id: "page-text" });
  let at = 0;
  for (const [start, end] of data.highlights) {
    text.append(data.text.slice(at, start), el("mark", { text: data.text.slice(start, end) }));
    at = end;
  }
  text.append(data.text.slice(at));
  const original = el("button", { type: "button", class: "secondary", onclick: () => openOriginal(base, page, source) }, "Open original ↗");
  main.append(el("div", { class: "source" },
    el("p", {}, el("a", { href: `#/e/${encodeURIComponent(id)}`, text: `← ${state.current && state.current.name ? state.current.name : id}` })),
    el("div", { class: "source-head" },
      el("h1", { text: `${source} · page ${page} of ${data.pages}` }),
      el("div", { class: "pager" },
        page > 1 ? el("a", { class: "button secondary", href: go(page - 1), text: "‹ prev" }) : null,
        page < data.pages ? el("a", { class: "button secondary", href: go(page + 1), text: "next ›" }) : null,
        original)),
    quote ? el("div", { class: data.quote_found ? "cited found" : "cited missing" },
      el("span", { class: "cited-label", text: data.quote_found ? "Cited quote, highlighted below" : "Cited quote (not on this page)" }),
      el("q", { text: quote })) : null,
    el("p", { class: "meta", text: `${label(data.doc_type)} · the page as indexed (running headers and footers removed)` }),
    text));
  const mark = text.querySelector("mark");
  if (mark) mark.scrollIntoView({ block: "center" });
}

async function openOriginal(base, page, source) {
  try {
    const response = await api(`${base}/file`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    window.open(source.toLowerCase().endsWith(".pdf") ? `${url}#page=${page}` : url, "_blank", "noopener");
  } catch (error) { showError(error); }
}

// ------------------------------------------------------------------ chat

function parseEvents(buffer, onEvent) {
  const blocks = buffer.split("\n\n");
  for (const block of blocks.slice(0, -1)) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length) onEvent(event, JSON.parse(data.join("\n")));
  }
  return blocks[blocks.length - 1];
}

async function ask() {
  const input = $("question");
  const question = input.value.trim();
  if (!question || !state.current) return;
  const id = state.current.id;
  input.value = "";
  const messages = $("messages");
  messages.append(el("li", { class: "msg user", text: question }));
  const status = el("p", { class: "status", text: "sending…" });
  const answer = el("div", { class: "answer" });
  const citations = el("ol", { class: "citations" });
  const bubble = el("li", { class: "msg bot" }, status, answer, citations);
  messages.append(bubble);
  bubble.scrollIntoView({ block: "end" });
  try {
    const response = await api(`/api/enterprises/${encodeURIComponent(id)}/ask`, {
      method: "POST", raw: true, json: { question, session: state.session },
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), (event, data) => {
        if (event === "session") state.session = data.id;
        else if (event === "status") status.textContent = data.message;
        else if (event === "delta") answer.append(el("p", { text: data.text }));
        else if (event === "citation") {
          citations.append(el("li", {}, citeLink(id, data.evidence, `[${data.n}] ${data.evidence.source} p.${data.evidence.page}`),
            el("span", { class: "cite-quote", text: ` “${data.evidence.quote}”` })));
        } else if (event === "done") {
          bubble.classList.toggle("abstained", data.abstained);
          status.textContent = `${data.mode} · ${data.basis} · ${data.usage.latency_ms} ms`;
        } else if (event === "error") {
          status.textContent = data.message;
          bubble.classList.add("failed");
        }
        bubble.scrollIntoView({ block: "end" });
      });
    }
  } catch (error) {
    status.textContent = error.message;
    bubble.classList.add("failed");
  }
}

start();
