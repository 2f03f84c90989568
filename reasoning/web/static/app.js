// gamekb's page: search, watch the moment, see the video's timeline, ask. No framework, no CDN.
// Everything from the API is put into the page as text (textContent), never as HTML.
"use strict";

const $ = (sel) => document.querySelector(sel);
const SVG = "http://www.w3.org/2000/svg";
const VIDEO_PAGE = 25;  // rows of the library table fetched at a time (the API pages)

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") Object.assign(node.style, v);  // CSSOM: the CSP refuses style="" attributes
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function ts(seconds) {  // 65.2 -> "01:05", as the CLI writes it
  let s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); const sec = s - m * 60;
  const mm = String(m).padStart(2, "0"), ss = String(sec).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

async function api(path, options) {
  const res = await fetch(path, options);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) throw new Error((body && body.error) || `${res.status} ${res.statusText}`);
  return { body, headers: res.headers };
}

function setStatus(text, isError = false) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("error", isError);
}

// -- playing a moment ---------------------------------------------------------------------------

const player = $("#player");
let timelineState = null;  // {videoId, duration, playhead}

function play(videoId, t, title) {
  $("#now-playing").textContent = title || "";
  const seek = () => {
    player.currentTime = t;
    const p = player.play();
    if (p && p.catch) p.catch(() => {});  // autoplay refused: the frame is still shown at t
  };
  if (player.dataset.videoId !== String(videoId)) {
    player.dataset.videoId = String(videoId);
    // seeking before the metadata is known is ignored by browsers: wait for it
    player.addEventListener("loadedmetadata", seek, { once: true });
    player.src = `/api/video/${videoId}`;
    player.load();
    loadTimeline(videoId);
  } else if (player.readyState >= 1) {
    seek();
  } else {
    player.addEventListener("loadedmetadata", seek, { once: true });
  }
  history.replaceState(null, "", `${location.pathname}${location.search}#v=${videoId}&t=${t.toFixed(2)}`);
}

player.addEventListener("error", () => {
  if (!player.dataset.videoId) return;
  setStatus("This video cannot be played here (the file moved, or the browser lacks its codec).", true);
});

player.addEventListener("timeupdate", () => {
  if (!timelineState || timelineState.videoId !== player.dataset.videoId) return;
  const x = timelineState.width * Math.min(1, player.currentTime / timelineState.duration);
  for (const line of timelineState.playheads) { line.setAttribute("x1", x); line.setAttribute("x2", x); }
});

// -- search -----------------------------------------------------------------------------------

function resultCard(hit, i) {
  const title = `${hit.video}@${ts(hit.start_s)}`;
  // the picture is the matched moment's own frame; the segment's keyframe if that cannot be read
  const img = el("img", { src: hit.thumbnail_url, alt: `frame of ${title}`, width: "320", height: "240",
                          decoding: "async" });
  img.addEventListener("error", () => { if (img.src !== hit.keyframe_url) img.src = hit.keyframe_url; }, { once: true });
  const lines = [];
  if (hit.screen_text.length) lines.push(el("p", { class: "screen" }, el("b", {}, "screen "), hit.screen_text.join(" · ")));
  if (hit.transcript.length) lines.push(el("p", { class: "said" }, el("b", {}, "said "), hit.transcript.map((s) => `“${s}”`).join(" ")));
  const card = el("a", { class: hit.match ? "hit" : "hit closest", href: `#v=${hit.video_id}&t=${hit.start_s}`,
                         dataset: { videoId: hit.video_id, start: hit.start_s, rank: i + 1 },
                         title: `play ${title}` },
    el("div", { class: "thumb" }, img, el("span", { class: "badge" }, ts(hit.start_s))),
    el("div", { class: "meta" },
      el("h3", { class: "cite" }, title, el("span", { class: "range" }, ` – ${ts(hit.end_s)}`)),
      el("p", { class: "desc" }, hit.description),
      ...lines));
  card.addEventListener("click", (ev) => {
    ev.preventDefault();
    document.querySelectorAll(".hit.active").forEach((n) => n.classList.remove("active"));
    card.classList.add("active");
    play(hit.video_id, hit.start_s, title);
  });
  return card;
}

async function runSearch(q, video, kind) {
  // matches first; the closest moments (not matches) come along, folded away unless nothing matched
  const params = new URLSearchParams({ q, limit: "24", closest: "true" });
  if (video) params.append("video", video);
  if (kind) params.append("kind", kind);
  const box = $("#results");
  box.replaceChildren();
  setStatus(`Searching for “${q}” …`);
  try {
    const { body } = await api(`/api/search?${params}`);
    const matches = body.filter((h) => h.match), closest = body.filter((h) => !h.match);
    const cards = matches.map(resultCard);
    if (closest.length) {
      const fold = el("details", { class: "closest" },
        el("summary", {}, `${closest.length} closest moment${closest.length === 1 ? "" : "s"} (not matches)`),
        ...closest.map((h, i) => resultCard(h, matches.length + i)));
      fold.open = !matches.length;
      cards.push(fold);
    }
    box.replaceChildren(...cards);
    setStatus(matches.length ? `${matches.length} match${matches.length === 1 ? "" : "es"} for “${q}”`
                             : `No match for “${q}”.` + (closest.length ? " The closest moments:" : ""));
  } catch (e) {
    setStatus(e.message, true);
  }
}

$("#search-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = $("#q").value.trim(), video = $("#video-filter").value.trim(), kind = $("#kind-filter").value;
  if (!q) return;
  const params = new URLSearchParams({ q });
  if (video) params.set("video", video);
  if (kind) params.set("kind", kind);
  history.replaceState(null, "", `/?${params}`);  // the address is shareable: /?q=... runs it
  runSearch(q, video, kind);
});

// -- timeline ---------------------------------------------------------------------------------

async function loadTimeline(videoId) {
  const box = $("#timeline");
  box.replaceChildren(el("p", { class: "muted" }, "loading timeline …"));
  try {
    const { body } = await api(`/api/timeline/${videoId}`);
    if (player.dataset.videoId !== String(videoId)) return;  // another video was picked meanwhile
    drawTimeline(box, body);
  } catch (e) {
    box.replaceChildren(el("p", { class: "error" }, e.message));
  }
}

function drawTimeline(box, data) {
  // drawn at the box's pixel width so text is not stretched; marks stretch with the box afterwards
  const W = Math.max(300, Math.round(box.clientWidth)), LANE = 22, LABEL = 0, duration = Math.max(data.duration_s, 1);
  const x = (t) => LABEL + (W - LABEL) * Math.min(1, Math.max(0, t / duration));
  const playheads = [];
  const seekFrom = (svgNode) => (ev) => {
    const r = svgNode.getBoundingClientRect();
    const t = duration * (ev.clientX - r.left) / r.width;
    play(data.video_id, Math.max(0, t), `${data.video}@${ts(t)}`);
  };
  box.replaceChildren();

  // event lanes: one row per kind, a mark per event (hover for its label, click to jump there)
  const lanesH = Math.max(1, data.lanes.length) * LANE + 18;
  const strip = svg("svg", { viewBox: `0 0 ${W} ${lanesH}`, class: "strip", preserveAspectRatio: "none",
                             role: "img", "aria-label": `events of ${data.video}` });
  strip.style.height = `${lanesH}px`;
  data.lanes.forEach((lane, i) => {
    const y = i * LANE;
    strip.append(svg("rect", { x: 0, y, width: W, height: LANE - 2, class: "lane" }));
    for (const e of lane.events) {
      const x0 = x(e.t_start), w = Math.max(4, x(e.t_end) - x0);
      const mark = svg("rect", { x: x0, y: y + 3, width: w, height: LANE - 8, rx: 2, fill: lane.colour,
                                 class: "mark", "data-kind": lane.kind, "data-t": e.t_start });
      const tip = svg("title");
      tip.textContent = `${lane.kind} @${ts(e.t_start)}: ${e.label}`;
      mark.append(tip);
      mark.addEventListener("click", (ev) => {
        ev.stopPropagation();
        play(data.video_id, e.t_start, `${data.video}@${ts(e.t_start)}`);
      });
      strip.append(mark);
    }
  });
  if (!data.lanes.length) {
    const t = svg("text", { x: W / 2, y: 14, "text-anchor": "middle", class: "axis" });
    t.textContent = "no events in this video";
    strip.append(t);
  }
  const axisY = lanesH - 4;
  for (let i = 0; i <= 4; i++) {
    const t = svg("text", { x: Math.min(W - 2, Math.max(2, x(duration * i / 4))), y: axisY, class: "axis",
                            "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" });
    t.textContent = ts(duration * i / 4);
    strip.append(t);
  }
  const head = svg("line", { x1: 0, x2: 0, y1: 0, y2: lanesH - 16, class: "playhead" });
  strip.append(head);
  playheads.push(head);
  strip.addEventListener("click", seekFrom(strip));

  const legend = el("div", { class: "legend" },
    ...data.lanes.map((l) => el("span", {}, el("i", { style: { background: l.colour } }), `${l.kind} (${l.events.length})`)));
  box.append(el("h3", {}, "Events"), legend, strip);

  // HUD curves, one per value read (health, armor, ammo, a score...). Small values share a 0..100
  // axis; a series the API marks as not shared (a score, a timer) is scaled to its own maximum.
  if (data.series.length) {
    const H = 90, maxOf = (s) => Math.max(...s.points.map((p) => p[1]));
    const scale = (top) => (v) => H - 4 - (H - 8) * (v / top);
    const y = scale(1.15 * Math.max(100, ...data.series.filter((s) => s.shared !== false).map(maxOf)));
    const curve = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "curve", preserveAspectRatio: "none", role: "img",
                               "aria-label": `HUD values of ${data.video}` });
    curve.style.height = `${H}px`;
    for (const v of [0, 100]) {
      curve.append(svg("line", { x1: 0, x2: W, y1: y(v), y2: y(v), class: "grid" }));
      const label = svg("text", { x: 3, y: y(v) - 3, class: "axis" });
      label.textContent = String(v);
      curve.append(label);
    }
    for (const s of data.series) {
      const ys = s.shared === false ? scale(1.15 * Math.max(1, maxOf(s))) : y;
      let d = "";
      s.points.forEach(([t, v], i) => {  // a step curve: a HUD value holds until the next reading
        d += i === 0 ? `M${x(t)},${ys(v)}` : `H${x(t)}V${ys(v)}`;
      });
      const last = s.points[s.points.length - 1];
      if (last) d += `H${x(duration)}`;
      curve.append(svg("path", { d, stroke: s.colour, class: "series", "data-name": s.name,
                                 "vector-effect": "non-scaling-stroke" }));
    }
    const ch = svg("line", { x1: 0, x2: 0, y1: 0, y2: H, class: "playhead" });
    curve.append(ch);
    playheads.push(ch);
    curve.addEventListener("click", seekFrom(curve));
    const lastOf = (s) => s.points.length ? s.points[s.points.length - 1][1] : "";
    box.append(el("h3", {}, "HUD"),
      el("div", { class: "legend" }, ...data.series.map((s) => el("span", {}, el("i", { style: { background: s.colour } }),
        `${s.name} (last ${lastOf(s)}${s.shared === false ? `, own scale to ${maxOf(s)}` : ""})`))), curve);
  }
  timelineState = { videoId: String(data.video_id), duration, playheads, width: W };
}

// -- ask --------------------------------------------------------------------------------------

function citeLink(c) {
  return el("a", { class: "citation", href: `#v=${c.video_id}&t=${c.start_s}`, title: `play ${c.citation}`,
                   onclick: (ev) => { ev.preventDefault(); if (c.video_id !== null) play(c.video_id, c.start_s, c.citation); } },
            c.citation);
}

function renderAnswer(box, body) {
  // the answer cites as [video@MM:SS]; each becomes a link to that moment
  const byCite = new Map();  // "video@MM:SS" -> its citations in answer order (two can share a string)
  for (const c of body.citations) byCite.set(c.citation, [...(byCite.get(c.citation) || []), c]);
  const para = el("p", { class: "answer-text" });
  const re = /\[([^\[\]]+@\d+:\d{2}(?::\d{2})?)\]/g;
  for (const line of body.answer.split("\n")) {
    let last = 0, m;
    while ((m = re.exec(line)) !== null) {
      para.append(line.slice(last, m.index));
      const queue = byCite.get(m[1]) || [];
      const c = queue.length > 1 ? queue.shift() : queue[0];
      para.append(c ? citeLink(c) : m[0]);
      last = m.index + m[0].length;
    }
    para.append(line.slice(last), el("br"));
  }
  const list = el("p", { class: "cites" }, ...body.citations.map(citeLink));
  box.replaceChildren(para, body.citations.length ? list : "");
}

$("#ask-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  const box = $("#answer");
  box.replaceChildren(el("p", { class: "muted" }, "thinking …"));
  const video = $("#video-filter").value.trim();
  try {
    // the answer as the reasoner writes it (a language model on a CPU takes seconds), then its links
    const res = await fetch("/api/ask/stream", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, video: video ? [video] : null }),
    });
    if (!res.ok) {
      let err = null;
      try { err = await res.json(); } catch (e) { err = null; }
      throw new Error((err && err.error) || `${res.status} ${res.statusText}`);
    }
    const written = el("p", { class: "answer-text" });
    box.replaceChildren(written);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let pending = "", done = false;
    while (!done) {
      const part = await reader.read();
      done = part.done;
      pending += decoder.decode(part.value || new Uint8Array(), { stream: !done });
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (!line.trim()) continue;
        const msg = JSON.parse(line);
        if (msg.error) throw new Error(msg.error);
        if (msg.text !== undefined) written.append(msg.text);
        if (msg.answer !== undefined) renderAnswer(box, msg);
      }
    }
  } catch (e) {
    box.replaceChildren(el("p", { class: "error" }, e.message));
  }
});

// -- library (paged) ----------------------------------------------------------------------------

let videoOffset = 0;

async function loadVideos() {
  const { body, headers } = await api(`/api/videos?limit=${VIDEO_PAGE}&offset=${videoOffset}`);
  const rows = body.map((v) => {
    const ready = v.status === "ready";
    const tr = el("tr", { class: ready ? "playable" : "" },
      el("td", {}, v.video), el("td", {}, ts(v.duration_s)), el("td", {}, String(v.segments)), el("td", {}, v.status));
    if (ready) tr.addEventListener("click", () => play(v.id, 0, `${v.video}@00:00`));
    return tr;
  });
  $("#videos tbody").append(...rows);
  $("#video-names").append(...body.filter((v) => v.status === "ready").map((v) => el("option", { value: v.video })));
  const next = headers.get("X-Next-Offset");
  $("#more-videos").hidden = !next;
  if (next) videoOffset = Number(next);
  if (videoOffset === 0 && !body.length) setStatus("The library is empty: add videos with gamekb ingest PATH");
}

$("#more-videos").addEventListener("click", () => loadVideos().catch((e) => setStatus(e.message, true)));

async function loadKinds() {
  const { body } = await api("/api/kinds");
  $("#kind-filter").append(...body.map((k) => el("option", { value: k }, k)));
}

// -- start: /?q=... runs the search, #v=ID&t=SECONDS opens that moment ------------------------------

async function start() {
  const params = new URLSearchParams(location.search);
  if (params.has("token")) {  // the server set its cookie; keep the token out of history and screenshots
    params.delete("token");
    history.replaceState(null, "", `${location.pathname}${params.toString() ? "?" + params : ""}${location.hash}`);
  }
  const q = params.get("q") || "", video = params.get("video") || "", kind = params.get("kind") || "";
  $("#q").value = q;
  $("#video-filter").value = video;
  await loadKinds().catch((e) => setStatus(e.message, true));
  if (kind) $("#kind-filter").value = kind;
  loadVideos().catch((e) => setStatus(e.message, true));
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.has("v") && /^\d+$/.test(hash.get("v"))) {
    const t = Number(hash.get("t")) || 0;
    play(Number(hash.get("v")), t, `@${ts(t)}`);
  }
  if (q) runSearch(q, video, kind);
}

start();
