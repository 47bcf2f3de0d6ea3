/* The lesson page: video, chapters, transcript, live numbers, presenter mode. No network. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("lesson-data").textContent);
  var S = D.strings;
  var video = document.getElementById("video");
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  if (params.get("theme") === "dark" || params.get("theme") === "light") {
    document.documentElement.setAttribute("data-theme", params.get("theme"));
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clock(t) {
    var s = Math.floor(t + 1e-6), m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  /* ---- captions: the VTT beside the video, inlined (a file:// page may not load a <track> src) */
  var vtt = $("lesson-captions").textContent.replace(/<\\\//g, "</");
  if (vtt.trim()) {
    var track = el("track", { kind: "captions", srclang: D.language, label: D.language,
      src: URL.createObjectURL(new Blob([vtt], { type: "text/vtt" })) });
    video.appendChild(track);
  }
  function captions(on) {
    for (var i = 0; i < video.textTracks.length; i++) {
      if (video.textTracks[i].kind === "captions") video.textTracks[i].mode = on ? "showing" : "hidden";
    }
  }

  /* ---- labels in the lesson's language */
  $("chapters-title").textContent = S.chapters;
  $("transcript-title").textContent = S.transcript;
  $("numbers-title").textContent = S.numbers;
  $("rows-cols").textContent = S.rows_cols;
  $("hint").textContent = S.hint;
  $("worked-title").textContent = S.worked_row + ": " + D.tokens[D.focus];
  $("notes-title").textContent = S.notes;
  $("notes-now-label").textContent = S.now + ":";
  $("notes-next-label").textContent = S.next + ":";
  $("notes-keys").textContent = S.keys_help;
  $("mute-toggle").textContent = S.mute;
  $("fullscreen-toggle").textContent = S.fullscreen;

  /* ---- chapters: a list and marks on the bar under the video */
  var chapterButtons = D.chapters.map(function (ch) {
    var li = el("li"), b = el("button", { type: "button", "data-start": ch.start, "data-end": ch.end,
      "data-chapter": ch.id });
    b.appendChild(el("span", { "class": "time" }, clock(ch.start)));
    b.appendChild(el("span", {}, ch.title));
    b.addEventListener("click", function () { seek(ch.start, true); });
    li.appendChild(b);
    $("chapter-list").appendChild(li);
    if (ch.start > 0) {
      var mark = el("div", { "class": "mark", title: ch.title });
      mark.style.left = (100 * ch.start / D.duration) + "%";
      $("bar").appendChild(mark);
    }
    return b;
  });
  $("bar").addEventListener("click", function (ev) {
    var r = this.getBoundingClientRect();
    seek(D.duration * (ev.clientX - r.left) / r.width, false);
  });

  /* ---- transcript: one line per beat, one span per word */
  var words = [], lines = [];
  D.beats.forEach(function (b, k) {
    var p = el("p", { "class": "line", "data-beat": b.id, "data-start": b.start, "data-end": b.end });
    var t = el("button", { type: "button", "class": "time", "data-start": b.start,
      "aria-label": clock(b.start) + " " + b.text }, clock(b.start));
    t.addEventListener("click", function () { seek(b.start, true); });
    p.appendChild(t);
    b.words.forEach(function (w, j) {
      var s = el("span", { "class": "word", "data-beat": b.id, "data-start": w.start, "data-end": w.end }, w.w);
      s.addEventListener("click", function () { seek(w.start, true); });
      p.appendChild(s);
      if (j < b.words.length - 1) p.appendChild(document.createTextNode(" "));
      words.push({ el: s, start: w.start, beat: k });
    });
    lines.push(p);
    $("lines").appendChild(p);
  });

  /* ---- the numbers: matrices as tables, one tab stop each, arrows move between cells */
  var detail = $("detail");
  function table(name, m, opts) {
    var fig = el("figure"), t = el("table", { "class": "mat" + (opts.heat ? " heat" : ""), "data-matrix": name });
    fig.appendChild(el("figcaption", { id: "cap-" + name }, opts.caption || name));
    t.setAttribute("aria-labelledby", "cap-" + name);
    var head = el("tr");
    head.appendChild(el("th", { scope: "col" }, opts.corner || ""));
    m.cols.forEach(function (c) { head.appendChild(el("th", { scope: "col" }, c)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    m.shown.forEach(function (row, i) {
      var tr = el("tr");
      tr.appendChild(el("th", { scope: "row" }, m.rows[i]));
      row.forEach(function (text, j) {
        var td = el("td", { tabindex: i === 0 && j === 0 ? "0" : "-1", "data-row": i, "data-col": j }, text);
        if (opts.heat) { td.setAttribute("data-q", i); td.setAttribute("data-k", j); paint(td, m.values[i][j]); }
        if (opts.tokenRows && i === D.focus) td.classList.add("focus-row");
        var say = function () { detail.textContent = opts.describe(i, j); };
        td.addEventListener("mouseenter", say);
        td.addEventListener("focus", say);
        if (opts.tokenRows) td.addEventListener("click", function () { seek(D.row_seek[i], true); });
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    t.addEventListener("keydown", function (ev) { move(t, ev, opts.tokenRows); });
    fig.appendChild(t);
    return fig;
  }
  function move(t, ev, tokenRows) {
    var td = ev.target.closest("td"); if (!td) return;
    var i = +td.dataset.row, j = +td.dataset.col, dirs = { ArrowUp: [-1, 0], ArrowDown: [1, 0],
      ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if ((ev.key === "Enter" || ev.key === " ") && tokenRows) { ev.preventDefault(); seek(D.row_seek[i], true); return; }
    if (!dirs[ev.key]) return;
    ev.preventDefault(); ev.stopPropagation();
    var next = t.querySelector('td[data-row="' + (i + dirs[ev.key][0]) + '"][data-col="' + (j + dirs[ev.key][1]) + '"]');
    if (next) { td.tabIndex = -1; next.tabIndex = 0; next.focus(); }
  }
  /* a weight as the video colours it (viridis, 0 to 1); text black or white, whichever reads better */
  var VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function paint(td, w) {
    var x = Math.min(1, Math.max(0, w)) * (VIRIDIS.length - 1), k = Math.min(VIRIDIS.length - 2, Math.floor(x));
    var c = VIRIDIS[k].map(function (a, n) { return Math.round(a + (VIRIDIS[k + 1][n] - a) * (x - k)); });
    var lum = function (rgb) {
      var l = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
      return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
    };
    var L = lum(c), black = (L + 0.05) / 0.05, white = 1.05 / (L + 0.05);
    td.style.background = "rgb(" + c.join(",") + ")";
    td.style.color = black >= white ? "#000" : "#fff";
  }
  var M = D.matrices, tok = D.tokens;
  function plain(name) {
    return function (i, j) {
      var m = M[name];
      return name + "[" + m.rows[i] + ", " + m.cols[j] + "] = " + m.shown[i][j] + "  (" + m.values[i][j] + ")";
    };
  }
  function weightText(i, j) {
    var r = D.softmax[i];
    return S.weight + " " + tok[i] + " → " + tok[j] + " = e^" + r.scaled[j] + " / " + S.sum + " = " + r.exp[j] +
      " / " + r.sum + " " + (r.sum_sign === "=" ? "=" : "≈") + " " + r.weights[j] + (r.shift ? "  (e^(s − " + r.shift + "))" : "");
  }
  var heat = table("weights", M.weights, { heat: true, tokenRows: true, describe: weightText,
    caption: "A = softmax(QKᵀ/√d_k)", corner: "q \\ k" });
  $("heatmap-box").appendChild(heat);

  /* the worked softmax row of the focus token, as the math segment writes it */
  var w = D.softmax[D.focus], worked = el("table", { "class": "mat worked", "aria-labelledby": "worked-title" });
  var wh = el("tr"); wh.appendChild(el("th", { scope: "col" }, ""));
  tok.forEach(function (t) { wh.appendChild(el("th", { scope: "col" }, t)); });
  wh.appendChild(el("th", { scope: "col" }, S.sum));
  worked.appendChild(el("thead")).appendChild(wh);
  var wb = el("tbody");
  [["s", w.scaled, ""], ["e^s", w.exp, w.sum_sign + " " + w.sum], [S.weight, w.weights, w.weight_sum]].forEach(function (r) {
    var tr = el("tr"); tr.appendChild(el("th", { scope: "row" }, r[0]));
    r[1].forEach(function (v) { tr.appendChild(el("td", {}, v)); });
    tr.appendChild(el("td", {}, r[2])); wb.appendChild(tr);
  });
  worked.appendChild(wb);
  $("worked-box").appendChild(worked);
  worked.addEventListener("click", function () { seek(D.row_seek[D.focus], true); });

  var tokenRows = { X: 1, Q: 1, K: 1, V: 1, scores: 1, scaled: 1, Z: 1 };
  var captionsOf = { scores: "QKᵀ", scaled: "QKᵀ/√d_k" };
  ["X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "Z"].forEach(function (name) {
    $("matrix-box").appendChild(table(name, M[name], { tokenRows: !!tokenRows[name], describe: plain(name),
      caption: captionsOf[name] || name }));
  });

  /* the real model's heads, when the video has that segment */
  if (D.real && D.real.heads.length) {
    var box = $("real-box"), pick = el("select", { id: "head-pick" });
    box.appendChild(el("h3", { id: "real-title" }, S.heads + " (" + D.real.model + ")"));
    var lab = el("label", { "for": "head-pick" }, S.heads + ": ");
    D.real.heads.forEach(function (h, k) {
      pick.appendChild(el("option", { value: k }, "layer " + (h.layer + 1) + ", head " + (h.head + 1) + (h.role ? " (" + h.role + ")" : "")));
    });
    box.appendChild(lab); box.appendChild(pick);
    var holder = el("div"); box.appendChild(holder);
    var showHead = function () {
      var h = D.real.heads[+pick.value];
      holder.textContent = "";
      holder.appendChild(table("head", { rows: D.real.pieces, cols: D.real.pieces, shown: h.shown, values: h.values },
        { heat: true, tokenRows: false, caption: "layer " + (h.layer + 1) + ", head " + (h.head + 1), corner: "q \\ k",
          describe: function (i, j) { return D.real.pieces[i] + " → " + D.real.pieces[j] + " = " + h.shown[i][j]; } }));
    };
    pick.addEventListener("change", showHead);
    showHead();
  }

  /* ---- following the video: word, line, chapter, bar, presenter stops */
  var lastWord = -1, presenting = false, stopAt = null, current = 0, presented = 0;
  function beatAt(t) {
    var k = 0;
    for (var i = 0; i < D.beats.length; i++) if (D.beats[i].start <= t + 1e-3) k = i;
    return k;
  }
  function follow() {
    var t = video.currentTime;
    if (presenting && stopAt !== null && !video.paused && t >= stopAt - 0.03) {
      video.pause(); stopAt = null;
    }
    var lo = 0, hi = words.length - 1, idx = -1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (words[mid].start <= t + 1e-3) { idx = mid; lo = mid + 1; } else hi = mid - 1; }
    if (idx !== lastWord) {
      if (lastWord >= 0) words[lastWord].el.classList.remove("now");
      if (idx >= 0) words[idx].el.classList.add("now");
      lastWord = idx;
    }
    var k = beatAt(t);
    if (lines.length && (k !== current || !lines[k].classList.contains("current"))) {
      lines.forEach(function (p, i) { p.classList.toggle("current", i === k); });
      if (!video.paused && !presenting) lines[k].scrollIntoView({ block: "nearest" });
      current = k;
      notes();
    }
    chapterButtons.forEach(function (b) {
      var on = t >= +b.dataset.start - 1e-3 && t < +b.dataset.end - 1e-3;
      if (on) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
    });
    $("bar-fill").style.width = (100 * Math.min(1, t / D.duration)) + "%";
  }
  function tick() { follow(); requestAnimationFrame(tick); }
  requestAnimationFrame(tick);
  /* presenting, whatever started or moved the video (its own controls too): stop at this beat's end */
  function aim() {
    if (!presenting || !D.beats.length) return;
    var t = video.currentTime, k = beatAt(t);
    if (t >= D.beats[k].end - 0.05 && k + 1 < D.beats.length) k += 1;  /* at a beat's end: the next one */
    presented = k;
    stopAt = D.beats[k].end;
    notes();
  }
  video.addEventListener("play", aim);
  video.addEventListener("seeked", aim);
  video.addEventListener("timeupdate", follow);
  video.addEventListener("seeked", follow);

  function notes() {
    var k = presenting ? presented : current, b = D.beats[k], n = D.beats[k + 1];
    $("notes-now").textContent = b ? b.text : "";
    $("notes-next").textContent = n ? n.text : S.end;
  }

  /* ---- the API (window.lesson) and the controls */
  function seek(seconds, play) {
    video.currentTime = Math.max(0, Math.min(D.duration, +seconds));
    current = presented = beatAt(video.currentTime);
    stopAt = presenting && D.beats.length ? D.beats[current].end : null;
    if (play) playAfterSeek();
    follow();
  }
  function playAfterSeek() {  /* play from where the seek lands, not from where the video was */
    video.addEventListener("seeked", function () { video.play().catch(function () {}); }, { once: true });
  }
  function playBeat(k) {
    if (!D.beats.length) return;
    k = Math.max(0, Math.min(D.beats.length - 1, k));
    current = presented = k;
    video.currentTime = D.beats[k].start + 0.001;
    stopAt = presenting ? D.beats[k].end : null;
    notes();
    playAfterSeek();
  }
  function next() {
    /* presenting: the beat after the one presented (paused at its end, or skipped); else after now */
    var k = presenting ? presented : beatAt(video.currentTime);
    if (k + 1 >= D.beats.length) return;
    playBeat(k + 1);
  }
  function previous() {
    var k = presenting ? presented : beatAt(video.currentTime);
    playBeat(k - 1);
  }
  function present(on) {
    presenting = !!on;
    document.body.classList.toggle("presenting", presenting);
    $("notes").hidden = !presenting;
    var b = $("present-toggle");
    b.setAttribute("aria-pressed", String(presenting));
    b.textContent = presenting ? S.present_off : S.present;
    presented = beatAt(video.currentTime);
    stopAt = presenting && D.beats.length ? D.beats[presented].end : null;
    notes();
  }
  function mute(on) {
    video.muted = on === undefined ? !video.muted : !!on;
    $("mute-toggle").setAttribute("aria-pressed", String(video.muted));
    if (video.muted && !D.burned_captions) captions(true);  /* captions drawn in the frames stay anyway */
  }
  function fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else $("stage").requestFullscreen().catch(function () {});
  }
  $("present-toggle").addEventListener("click", function () { present(!presenting); });
  $("mute-toggle").addEventListener("click", function () { mute(); });
  $("fullscreen-toggle").addEventListener("click", fullscreen);
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "select" || tag === "input" || tag === "textarea") return;
    if (ev.key === "m" || ev.key === "M") { mute(); ev.preventDefault(); return; }
    if (ev.key === "f" || ev.key === "F") { fullscreen(); ev.preventDefault(); return; }
    if (!presenting) return;
    if (ev.key === "ArrowRight" || ev.key === " " || ev.key === "PageDown") { ev.preventDefault(); next(); }
    else if (ev.key === "ArrowLeft" || ev.key === "PageUp") { ev.preventDefault(); previous(); }
  });

  window.lesson = {
    seek: function (s) { seek(s, false); },
    present: present,
    beat: function () { return D.beats.length ? D.beats[beatAt(video.currentTime)].id : null; },
    next: next,
    previous: previous,
    data: D,
  };
  present(D.present);
  follow();
})();
