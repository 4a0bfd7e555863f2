// chargespec diagram site: search on every page; on a machine page, view switching, pan and
// zoom, the details panel and the coverage colours. Plain DOM, no libraries, no network.
"use strict";

(function () {
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  // --- search (index and machine pages) ----------------------------------------------------
  function setUpSearch() {
    const input = document.getElementById("search");
    const list = document.getElementById("search-results");
    const entries = window.CHARGESPEC_SEARCH || [];
    if (!input || !list) return;
    const rank = { state: 0, message: 1, event: 2, transition: 3 };
    function results(query) {
      const q = query.trim().toLowerCase();
      if (!q) return [];
      return entries
        .filter((e) => e.label.toLowerCase().includes(q))
        .sort((a, b) => {
          const exact = (e) => (e.label.toLowerCase() === q ? 0 : 1);
          return exact(a) - exact(b) || rank[a.kind] - rank[b.kind] || a.label.localeCompare(b.label);
        })
        .slice(0, 40);
    }
    function show() {
      const found = results(input.value);
      list.replaceChildren(
        ...found.map((e, i) =>
          el("li", {}, [
            el("a", { href: e.href, class: i === 0 ? "active" : "" }, [
              el("span", { class: "kind", text: e.kind }),
              el("span", { text: e.label + " " }),
              el("span", { class: "where", text: e.machine }),
            ]),
          ])
        )
      );
      if (input.value.trim() && !found.length) list.append(el("li", { text: "nothing found" }));
      list.hidden = !input.value.trim();
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        const first = list.querySelector("a");
        if (first) {
          list.hidden = true;
          window.location.href = first.getAttribute("href");
        }
      } else if (ev.key === "Escape") {
        list.hidden = true;
      }
    });
    list.addEventListener("click", () => { list.hidden = true; });
    document.addEventListener("click", (ev) => {
      if (!list.contains(ev.target) && ev.target !== input) list.hidden = true;
    });
  }

  // --- machine page -------------------------------------------------------------------------
  function setUpMachine(data) {
    const stage = document.getElementById("stage");
    const select = document.getElementById("view-select");
    const panel = document.getElementById("panel");
    const body = document.getElementById("panel-body");
    const sections = Array.from(stage.querySelectorAll("section.view"));
    const zoom = {};
    let current = sections[0].dataset.view;

    function section(name) {
      return sections.find((s) => s.dataset.view === name);
    }
    function apply(name) {
      const z = zoom[name];
      const canvas = section(name).querySelector(".canvas");
      if (z && canvas) canvas.style.transform = `translate(${z.x}px, ${z.y}px) scale(${z.s})`;
    }
    function showView(name) {
      if (!section(name)) return;
      current = name;
      sections.forEach((s) => { s.hidden = s.dataset.view !== name; });
      select.value = name;
      if (!zoom[name]) zoom[name] = { x: 0, y: 0, s: 1 };
      apply(name);
    }
    function zoomBy(factor, cx, cy) {
      const z = zoom[current];
      if (!z) return;
      const s = Math.min(8, Math.max(0.1, z.s * factor));
      const px = cx === undefined ? stage.clientWidth / 2 : cx;
      const py = cy === undefined ? stage.clientHeight / 2 : cy;
      z.x = px - ((px - z.x) * s) / z.s;
      z.y = py - ((py - z.y) * s) / z.s;
      z.s = s;
      apply(current);
    }
    function fit() {
      const svg = section(current).querySelector("svg");
      const z = zoom[current];
      if (!svg || !z) return;
      const w = svg.width.baseVal.value + 16;
      const h = svg.height.baseVal.value + 16;
      z.s = Math.min(2, stage.clientWidth / w, stage.clientHeight / h);
      z.x = Math.max(0, (stage.clientWidth - w * z.s) / 2);
      z.y = 0;
      apply(current);
    }

    // Pan by dragging; a press that moves is a pan, not a click on what is under it.
    let drag = null;
    let dragged = false;
    sections.filter((s) => s.classList.contains("diagram")).forEach((s) => {
      s.addEventListener("pointerdown", (ev) => {
        drag = { x: ev.clientX, y: ev.clientY, z: { ...zoom[current] } };
        dragged = false;
      });
      s.addEventListener("pointermove", (ev) => {
        if (!drag) return;
        const dx = ev.clientX - drag.x;
        const dy = ev.clientY - drag.y;
        if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
        if (!dragged) s.setPointerCapture(ev.pointerId);
        dragged = true;
        s.classList.add("dragging");
        zoom[current].x = drag.z.x + dx;
        zoom[current].y = drag.z.y + dy;
        apply(current);
      });
      const end = () => { drag = null; s.classList.remove("dragging"); };
      s.addEventListener("pointerup", end);
      s.addEventListener("pointercancel", end);
      s.addEventListener("wheel", (ev) => {
        ev.preventDefault();
        const box = stage.getBoundingClientRect();
        zoomBy(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - box.left, ev.clientY - box.top);
      }, { passive: false });
      s.addEventListener("click", (ev) => {
        if (dragged) { dragged = false; return; }
        const g = ev.target.closest("g.node, g.edge");
        if (g) { ev.preventDefault(); select_(s.dataset.view, g); }
      });
    });

    // Coverage colours: an edge stands for one or more transitions.
    if (data.coverage) {
      Object.entries(data.views).forEach(([name, view]) => {
        const sec = section(name);
        Object.entries(view.edges).forEach(([id, edge]) => {
          const g = sec && sec.querySelector(`g[id="${CSS.escape(id)}"]`);
          if (!g) return;
          const done = edge.keys.filter((k) => data.transitions[k].covered).length;
          g.classList.add(done === edge.keys.length ? "cov-full" : done ? "cov-part" : "cov-none");
        });
      });
    }

    function clearMarks() {
      stage.querySelectorAll("g.selected, g.match").forEach((g) => g.classList.remove("selected", "match"));
    }
    function mark(viewName, keys, cls) {
      const view = data.views[viewName];
      const sec = section(viewName);
      if (!view || !sec) return 0;
      let n = 0;
      Object.entries(view.edges).forEach(([id, edge]) => {
        if (edge.keys.some((k) => keys.includes(k))) {
          const g = sec.querySelector(`g[id="${CSS.escape(id)}"]`);
          if (g) { g.classList.add(cls); n += 1; }
        }
      });
      return n;
    }
    function markState(viewName, state) {
      const view = data.views[viewName];
      const sec = section(viewName);
      Object.entries((view && view.nodes) || {}).forEach(([id, name]) => {
        const g = sec.querySelector(`g[id="${CSS.escape(id)}"]`);
        if (g && name === state) g.classList.add("selected");
      });
    }

    function link(text, hash) {
      return el("a", { href: "#" + hash, text: text });
    }
    function code(text) {
      return el("code", { text: text });
    }
    function entry(dl, term, content) {
      if (content === null || content === undefined || content === "") return;
      if (Array.isArray(content) && !content.length) return;
      dl.append(el("dt", { text: term }));
      const dd = el("dd");
      (Array.isArray(content) ? content : [content]).forEach((c) => dd.append(c));
      dl.append(dd);
    }
    function actionList(actions) {
      if (!actions.length) return null;
      return el("ol", {}, actions.map((a) =>
        el("li", {}, [code(a.name), a.at ? el("span", { text: " (" + a.at + ")" }) : "",
          el("ul", { class: "effects" }, a.effects.map((f) => el("li", {}, [code(f)])))])));
    }
    function transitionList(keys) {
      if (!keys.length) return null;
      return el("ul", {}, keys.map((k) => {
        const t = data.transitions[k];
        const where = t.target ? `${t.source} → ${t.target}` : `${t.source} (internal)`;
        const cond = t.condition ? ` [${t.condition}]` : "";
        return el("li", {}, [link(`${t.id}: ${t.event}${cond}`, "t=" + k), el("span", { text: " " + where })]);
      }));
    }
    function conditionParts(t) {
      const parts = [];
      if (t.condition) parts.push(code(t.condition));
      const named = data.conditions[t.condition];
      return parts.concat(named && named.description ? [el("div", { text: named.description })] : []);
    }
    function openPanel(children) {
      body.replaceChildren(...children);
      panel.hidden = false;
    }

    function showTransition(key) {
      const t = data.transitions[key];
      if (!t) return;
      const dl = el("dl");
      entry(dl, "Event", code(t.event));
      entry(dl, "Condition", conditionParts(t));
      if (t.guard && t.guard !== t.condition) entry(dl, "Condition as evaluated", code(t.guard));
      entry(dl, "PICS gate of the target", t.gate ? code(t.gate) : "");
      entry(dl, "Actions", actionList(t.actions));
      entry(dl, "Messages", t.messages.map((m) => link(m + " ", "find=" + m)));
      entry(dl, "Spec references", t.refs.join(", "));
      entry(dl, "What it does", t.description);
      entry(dl, "Written at", code(t.at));
      if (data.coverage) {
        const badge = el("span", { class: "badge " + (t.covered ? "yes" : "no"),
          text: t.covered ? "exercised" : "not exercised" });
        const more = [];
        if (!t.covered && t.tests.length) {
          // The conformance (wire) tests come first; the list is cut after a few.
          const shown = t.tests.slice(0, 6).map((x) => el("li", {}, [code(x)]));
          if (t.tests.length > 6) shown.push(el("li", { text: `and ${t.tests.length - 6} more` }));
          more.push(el("div", { text: "Reached by:" }), el("ul", {}, shown));
        }
        else if (!t.covered && t.path.length) more.push(el("div", { text: "No generated test reaches it; events from the initial state: " }), code(t.path.join(" → ")));
        else if (!t.covered) more.push(el("div", { text: "No generated test reaches it." }));
        entry(dl, "Coverage", [badge, ...more]);
      }
      const where = t.target ? `${t.source} → ${t.target}` : `${t.source} (internal)`;
      openPanel([el("h2", { text: `${t.id}: ${where}` }), dl]);
    }
    function showState(name) {
      const s = data.states[name];
      if (!s) return;
      const dl = el("dl");
      entry(dl, "What it is", s.description);
      entry(dl, "PICS gate", s.pics ? code(s.pics) : "");
      entry(dl, "Spec references", s.refs.join(", "));
      entry(dl, "Entry actions", actionList(s.entry));
      entry(dl, "Exit actions", actionList(s.exit));
      entry(dl, "Written at", code(s.at));
      const parts = [el("h2", { text: "State " + name + (s.initial ? " (initial)" : "") })];
      if (current !== name && section(name)) parts.push(link("Focus view of " + name, "state=" + name));
      parts.push(dl);
      [["In", s.in], ["Out", s.out], ["Internal (no state change)", s.internal]].forEach(([title, keys]) => {
        const list = transitionList(keys);
        if (list) parts.push(el("h3", { text: `${title} (${keys.length})` }), list);
      });
      openPanel(parts);
    }
    function showEdge(viewName, id) {
      const edge = data.views[viewName].edges[id];
      if (!edge) return;
      if (edge.keys.length === 1) { showTransition(edge.keys[0]); return; }
      const name = (s) => (s === "*" ? "any state" : s);
      openPanel([el("h2", { text: `${name(edge.source)} → ${name(edge.target)}` }),
        el("p", { text: `${edge.keys.length} transitions drawn as this edge:` }),
        transitionList(edge.keys)]);
    }
    function select_(viewName, g) {
      clearMarks();
      g.classList.add("selected");
      const view = data.views[viewName];
      if (g.classList.contains("edge")) showEdge(viewName, g.id);
      else if (view.nodes[g.id] && view.nodes[g.id] !== "*") showState(view.nodes[g.id]);
      else openPanel([el("h2", { text: "Any state" }), el("p", { text: "Edges from here are taken in every state of the machine." })]);
    }

    function matching(term) {
      const q = term.toLowerCase();
      return Object.entries(data.transitions)
        .filter(([, t]) => t.event.toLowerCase() === q || t.event.toLowerCase().endsWith("." + q) ||
          t.messages.some((m) => m.toLowerCase() === q))
        .map(([k]) => k);
    }
    function viewOf(key) {
      const drawnIn = (v) => data.views[v] && Object.values(data.views[v].edges).some((e) => e.keys.includes(key));
      if (drawnIn(current)) return current;
      if (drawnIn("overview")) return "overview";
      return data.transitions[key].source;
    }
    function route() {
      const params = new URLSearchParams(window.location.hash.slice(1));
      clearMarks();
      if (params.has("view")) showView(params.get("view"));
      if (params.has("state")) {
        const name = params.get("state");
        showView(section(name) ? name : "overview");
        markState(current, name);
        showState(name);
      } else if (params.has("t")) {
        const key = params.get("t");
        if (!data.transitions[key]) return;
        if (current === "table") {
          stage.querySelectorAll("a[data-key]").forEach((a) => a.classList.toggle("selected", a.dataset.key === key));
        } else {
          showView(viewOf(key));
          mark(current, [key], "selected");
        }
        showTransition(key);
      } else if (params.has("find")) {
        const term = params.get("find");
        const keys = matching(term);
        if (current === "table") showView("overview");
        mark(current, keys, "match");
        openPanel([el("h2", { text: term }), el("p", { text: `${keys.length} transitions take or send it:` }),
          transitionList(keys) || el("p", { text: "none" })]);
      }
    }

    select.addEventListener("change", () => { window.location.hash = "view=" + select.value; });
    document.getElementById("zoom-in").addEventListener("click", () => zoomBy(1.25));
    document.getElementById("zoom-out").addEventListener("click", () => zoomBy(1 / 1.25));
    document.getElementById("zoom-reset").addEventListener("click", () => {
      zoom[current] = { x: 0, y: 0, s: 1 };
      apply(current);
    });
    document.getElementById("zoom-fit").addEventListener("click", fit);
    document.getElementById("panel-close").addEventListener("click", () => {
      panel.hidden = true;
      clearMarks();
    });
    window.addEventListener("hashchange", route);
    showView(current);
    route();
    window.chargespecSite = { showView, zoomBy, fit, get current() { return current; }, zoom };
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpSearch();
    const script = document.getElementById("machine-data");
    if (script) setUpMachine(JSON.parse(script.textContent));
  });
})();
