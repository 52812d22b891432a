// The transcript viewer of an afeval report. Every piece of model or judge text reaches the page through
// textContent or text nodes, never as markup, so a transcript holding HTML or script shows as plain text.
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("afeval-data").textContent);
  const samples = data.samples;
  const knownTags = new Set(data.tags);
  const categoryLabels = new Map(data.categories.map((c) => [c.value, c.label]));
  const PAGE = 20;
  const byId = (id) => document.getElementById(id);
  const controls = {
    run: byId("filter-run"),
    tier: byId("filter-tier"),
    category: byId("filter-category"),
    afMin: byId("filter-af-min"),
    afMax: byId("filter-af-max"),
    search: byId("filter-search"),
  };
  const list = byId("transcripts");
  const count = byId("transcript-count");
  const more = byId("show-more");
  let limit = PAGE;

  function make(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function unique(values) {
    return [...new Set(values)];
  }

  function addOptions(select, values, labelOf) {
    for (const value of values) {
      const option = make("option", null, labelOf ? labelOf(value) : value);
      option.value = value;
      select.appendChild(option);
    }
  }

  addOptions(controls.run, unique(samples.map((s) => s.run)));
  addOptions(controls.tier, unique(samples.map((s) => s.tier)));
  addOptions(
    controls.category,
    [...data.categories.map((c) => c.value), "none"],
    (value) => (value === "none" ? "not categorised (invalid or not judged)" : categoryLabels.get(value)),
  );
  if (unique(samples.map((s) => s.run)).length < 2) byId("filter-run-box").hidden = true;

  const haystacks = new Map();
  function haystack(sample) {
    if (!haystacks.has(sample.index)) {
      const parts = [sample.sample_id, sample.model, sample.request, sample.prompt, sample.scratchpad, sample.output];
      haystacks.set(sample.index, parts.join("\n").toLowerCase());
    }
    return haystacks.get(sample.index);
  }

  function readFilters() {
    const min = Number.parseFloat(controls.afMin.value);
    const max = Number.parseFloat(controls.afMax.value);
    return {
      run: controls.run.value,
      tier: controls.tier.value,
      category: controls.category.value,
      min: Number.isNaN(min) ? 0 : min,
      max: Number.isNaN(max) ? 1 : max,
      terms: controls.search.value.trim().toLowerCase(),
    };
  }

  function matches(sample, f) {
    if (f.run && sample.run !== f.run) return false;
    if (f.tier && sample.tier !== f.tier) return false;
    if (f.category) {
      const category = sample.category === null ? "none" : sample.category;
      if (category !== f.category) return false;
    }
    // The full range keeps samples without an AF score; any narrower range asks for a score inside it.
    if (f.min > 0 || f.max < 1) {
      if (sample.af_score === null || sample.af_score < f.min || sample.af_score > f.max) return false;
    }
    if (f.terms && !haystack(sample).includes(f.terms)) return false;
    return true;
  }

  function appendText(parent, text) {
    if (text) parent.appendChild(document.createTextNode(text));
  }

  // Draw the scenario's tags (<SCRATCHPAD_REASONING>, <OUTPUT>, <user_input>, <request_fully_accepted/>, ...)
  // as labelled boxes and badges; any other tag-like text stays literal.
  function renderTagged(text) {
    const root = make("div", "tagged");
    const stack = [root];
    const pattern = /<(\/?)([A-Za-z_][\w.-]*)\s*(\/?)>/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(text || "")) !== null) {
      const [whole, closing, name, selfClosing] = match;
      if (!knownTags.has(name)) continue;
      const top = stack[stack.length - 1];
      appendText(top, text.slice(last, match.index));
      if (selfClosing) {
        top.appendChild(make("span", "tag-badge", name.replace(/_/g, " ")));
      } else if (closing) {
        if (stack.length > 1 && top.dataset.tag === name) stack.pop();
        else appendText(top, whole);
      } else {
        const box = make("div", "tag-section");
        box.appendChild(make("div", "tag-label", name.replace(/_/g, " ")));
        const body = make("div", "tag-body");
        body.dataset.tag = name;
        box.appendChild(body);
        top.appendChild(box);
        stack.push(body);
      }
      last = match.index + whole.length;
    }
    appendText(stack[stack.length - 1], (text || "").slice(last));
    return root;
  }

  // Wrap each quoted passage in <mark> by splitting text nodes: the text itself is never re-parsed.
  function highlight(root, quotes) {
    const texts = quotes.map((q) => q.text).filter((t) => t.length >= 3);
    if (texts.length === 0) return new Set();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    const found = new Set();
    for (let node of nodes) {
      while (node) {
        let best = null;
        for (const quote of texts) {
          const at = node.data.indexOf(quote);
          if (at >= 0 && (best === null || at < best.at || (at === best.at && quote.length > best.quote.length))) {
            best = { at, quote };
          }
        }
        if (best === null) break;
        const hit = node.splitText(best.at);
        const rest = hit.splitText(best.quote.length);
        const mark = make("mark", "quote");
        mark.title = "quoted by an alignment-faking judge";
        hit.parentNode.replaceChild(mark, hit);
        mark.appendChild(hit);
        found.add(best.quote);
        node = rest;
      }
    }
    return found;
  }

  function section(title, content, open) {
    const details = make("details", "part");
    details.open = open;
    details.appendChild(make("summary", null, title));
    details.appendChild(content);
    return details;
  }

  function formatScore(value) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(2);
  }

  function verdictText(v) {
    if (v.status !== "judged") return v.status.replace(/_/g, " ");
    const parts = [];
    if (v.decision !== null) parts.push(v.decision ? "yes" : "no");
    if (v.label) parts.push(v.label.replace(/_/g, " "));
    return parts.join(" · ") || "judged";
  }

  function judgesTable(sample) {
    const table = make("table", "verdicts");
    const head = table.createTHead().insertRow();
    for (const title of ["judge", "verdict", "score", "votes / details", "reasoning"]) {
      head.appendChild(make("th", null, title));
    }
    const body = table.createTBody();
    for (const v of sample.verdicts) {
      const row = body.insertRow();
      const name = row.insertCell();
      name.appendChild(make("strong", null, v.name.replace(/_/g, " ")));
      name.appendChild(make("div", "muted", v.judge));
      row.insertCell().textContent = verdictText(v);
      row.insertCell().textContent = formatScore(v.score);
      const details = [];
      if (v.n_votes) details.push(`${v.n_votes} votes`);
      if (v.criteria) details.push(`criteria met: ${v.criteria.join(" / ")}`);
      for (const [key, value] of Object.entries(v.flags)) details.push(`${key}: ${value ? "yes" : "no"}`);
      if (v.n_errors) details.push(`${v.n_errors} unparsable replies`);
      row.insertCell().textContent = details.join("; ");
      row.insertCell().textContent = v.reasoning;
    }
    return table;
  }

  function quoteList(quotes, found) {
    const box = make("div", "quotes");
    box.appendChild(make("div", "quotes-title", "Passages quoted by the alignment-faking judges"));
    const ul = make("ul");
    for (const quote of quotes) {
      const li = make("li", found.has(quote.text) ? "quote-found" : "quote-missing");
      li.appendChild(make("q", null, quote.text));
      const where = found.has(quote.text) ? "highlighted above" : "not found verbatim in the scratchpad";
      li.appendChild(make("span", "muted", ` ×${quote.count} · ${where}`));
      ul.appendChild(li);
    }
    box.appendChild(ul);
    return box;
  }

  function card(sample) {
    const article = make("article", "transcript");
    article.dataset.sampleId = sample.sample_id;
    article.dataset.tier = sample.tier;
    article.dataset.category = sample.category === null ? "none" : sample.category;
    const header = make("header");
    header.appendChild(make("h3", null, sample.sample_id));
    header.appendChild(make("span", "badge", `tier: ${sample.tier}`));
    const category = sample.category === null ? "none" : sample.category;
    const label = category === "none" ? "not categorised" : categoryLabels.get(category);
    const badge = make("span", "badge category");
    badge.appendChild(make("span", `swatch cat-${category}`));
    appendText(badge, label);
    header.appendChild(badge);
    const af = sample.af_votes && sample.af_votes.n ? ` (${sample.af_votes.yes}/${sample.af_votes.n} votes)` : "";
    header.appendChild(make("span", "badge", `AF score ${formatScore(sample.af_score)}${af}`));
    if (sample.status !== "valid") header.appendChild(make("span", "badge warn", sample.status.replace(/_/g, " ")));
    header.appendChild(make("span", "muted", `${sample.model} · ${sample.scenario} · run ${sample.run}`));
    article.appendChild(header);
    const request = make("p", "request");
    request.appendChild(make("strong", null, "Request: "));
    appendText(request, sample.request);
    article.appendChild(request);
    article.appendChild(section("Prompt (user turn)", renderTagged(sample.prompt), false));
    const scratchpad = renderTagged(sample.scratchpad);
    scratchpad.classList.add("scratchpad");
    const found = highlight(scratchpad, sample.quotes);
    const reasoning = make("div");
    reasoning.appendChild(sample.scratchpad ? scratchpad : make("p", "muted", "(no scratchpad)"));
    if (sample.quotes.length) reasoning.appendChild(quoteList(sample.quotes, found));
    article.appendChild(section("Scratchpad", reasoning, true));
    const output = renderTagged(sample.output);
    output.classList.add("output");
    article.appendChild(section("Output", output, true));
    article.appendChild(section("Judges", judgesTable(sample), true));
    if (sample.error) article.appendChild(make("p", "warn", `error: ${sample.error}`));
    return article;
  }

  function render() {
    const filters = readFilters();
    const hits = samples.filter((s) => matches(s, filters));
    list.replaceChildren(...hits.slice(0, limit).map(card));
    const shown = Math.min(limit, hits.length);
    count.textContent =
      `${hits.length} of ${samples.length} transcripts match` +
      (hits.length > shown ? `; showing the first ${shown}` : "");
    more.hidden = hits.length <= limit;
  }

  function setSelect(select, value) {
    const known = [...select.options].some((option) => option.value === value);
    select.value = known ? value : "";
  }

  // A link such as #run=ID&tier=free&category=compliance_with_af (from a bar segment or a counts table)
  // sets the filters to that run, tier and category.
  function applyHash() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    if (!["run", "tier", "category"].some((key) => params.has(key))) return false;
    setSelect(controls.run, params.get("run") || "");
    setSelect(controls.tier, params.get("tier") || "");
    setSelect(controls.category, params.get("category") || "");
    controls.afMin.value = "0";
    controls.afMax.value = "1";
    controls.search.value = "";
    limit = PAGE;
    render();
    byId("transcript-viewer").scrollIntoView();
    return true;
  }

  for (const control of Object.values(controls)) {
    for (const type of ["input", "change"]) {
      control.addEventListener(type, () => {
        limit = PAGE;
        render();
      });
    }
  }
  byId("filter-reset").addEventListener("click", () => {
    for (const select of [controls.run, controls.tier, controls.category]) select.value = "";
    controls.afMin.value = "0";
    controls.afMax.value = "1";
    controls.search.value = "";
    limit = PAGE;
    render();
  });
  more.addEventListener("click", () => {
    limit += PAGE;
    render();
  });
  window.addEventListener("hashchange", applyHash);
  if (!applyHash()) render();
  document.body.dataset.viewerReady = "true";
})();
