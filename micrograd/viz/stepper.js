// The stepper's script (micrograd.viz.stepper inlines it into the page and into notebook outputs).
// Each <div class="mg-stepper"> carries its trace as JSON (script.mg-data): the script inserts the
// controls, shows the graph layout that fits, and steps through backward(). Everything it touches is
// looked up inside its own <div> by ids that start with the div's id, so two steppers never interfere.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var MAX_FIT = 2; // px per point: a tiny graph is not blown up to poster size
  // px per point below which a fitted graph's 11-pt box text would be under 9 px: too small to read,
  // so a graph that large opens at 1:1 and each step scrolls its edge into view instead.
  var MIN_FIT = 9 / 11;

  function init(box) {
    if (box.getAttribute("data-mg-ready")) { return; }
    box.setAttribute("data-mg-ready", "1");
    var data = JSON.parse(box.querySelector("script.mg-data").textContent);
    var u = box.id + "-";
    var fallback = box.querySelector(".mg-fallback");
    if (fallback) { fallback.parentNode.removeChild(fallback); }
    box.insertAdjacentHTML("afterbegin", data.markup);
    function $(name) { return box.querySelector("#" + u + name); }
    var graph = $("graph");
    var n = data.steps.length;
    var st = {k: 0, fit: true, dir: "", quiz: false, answers: {}, right: 0, verdict: null, picked: ""};
    var gradText = {}, shapes = []; // each box's grad <text>; every box's and oval's extent
    var noClick = false;

    // --- layout: the direction whose fitted scale is larger, drawn at that scale or at 1:1 ---
    // On its own page the graph gets the window's height; in a notebook it is as tall as it needs.
    var page = document.body && document.body.classList.contains("mg-page");
    function area() {
      var h = page ? graph.clientHeight : Math.min(600, 0.8 * window.innerHeight);
      return [Math.max(graph.clientWidth - 8, 50), Math.max(h - 8, 50)];
    }
    function fitScale(dir) {
      var size = data.sizes[dir], a = area();
      return Math.min(a[0] / size[0], a[1] / size[1], MAX_FIT);
    }
    function layout() {
      var dir = st.dir;
      if (st.fit || !dir) { dir = fitScale("TB") > fitScale("LR") * 1.05 ? "TB" : "LR"; }
      if (dir !== st.dir) {
        graph.innerHTML = data.svgs[dir];
        st.dir = dir;
        gradText = {};
        shapes = Array.prototype.map.call(graph.querySelectorAll("g.node"), function (n) { return n.getBBox(); });
        for (var id in data.nodes) {
          var g = $(id);
          var texts = g ? g.getElementsByTagName("text") : [];
          // The grad field is the box's last text; a label may start with "grad " too.
          for (var i = texts.length - 1; i >= 0; i--) {
            if (texts[i].textContent.indexOf("grad ") === 0) { gradText[id] = texts[i]; break; }
          }
        }
      }
      var svg = graph.querySelector("svg");
      var scale = st.fit ? fitScale(dir) : 4 / 3; // dot measures in points; 1:1 is 4/3 px per point
      svg.style.width = data.sizes[dir][0] * scale + "px";
      svg.style.height = data.sizes[dir][1] * scale + "px";
      if (!page) { graph.style.height = (st.fit ? data.sizes[dir][1] * scale : area()[1]) + 8 + "px"; }
      graph.classList.toggle("mg-fitted", st.fit);
      graph.setAttribute("data-layout", dir);
      $("zoom").textContent = st.fit ? "1:1" : "Fit";
    }

    // --- what a step shows ---
    function asking() { return st.quiz && st.k < n && !(st.k + 1 in st.answers); }
    function phase(id, k) {
      var steps = data.nodes[id].steps;
      if (id === data.root) { return "final"; }
      var got = 0;
      for (var j = 0; j < steps.length && steps[j] <= k; j++) { got++; }
      return got === 0 ? "wait" : got < steps.length ? "acc" : "final";
    }
    function mark(id, cls) { var el = $(id); if (el) { el.classList.add(cls); } }
    function attrs(el, values) {
      for (var name in values) { el.setAttribute(name, values[name]); }
      return el;
    }
    function setNumber(name, value, text) { attrs($(name), {"data-value": value}).textContent = text; }
    function overlap(x, y, w, h) { // how much of the rectangle the boxes and ovals cover
      var sum = 0;
      for (var i = 0; i < shapes.length; i++) {
        var b = shapes[i];
        var ox = Math.min(x + w, b.x + b.width) - Math.max(x, b.x);
        var oy = Math.min(y + h, b.y + b.height) - Math.max(y, b.y);
        if (ox > 0 && oy > 0) { sum += ox * oy; }
      }
      return sum;
    }
    function edgeLabel(edgeId, text) {
      var e = $(edgeId);
      var path = e && e.querySelector("path");
      if (!path) { return; }
      var operand = e.querySelector("text"); // "a" or "b" of a - b: the label takes it over (CSS hides it)
      if (operand) { text = operand.textContent + ": " + text; }
      var g = document.createElementNS(SVGNS, "g");
      var rect = document.createElementNS(SVGNS, "rect");
      var t = document.createElementNS(SVGNS, "text");
      attrs(g, {"class": "mg-elabel"});
      attrs(t, {"text-anchor": "middle"}).textContent = text;
      g.appendChild(rect);
      g.appendChild(t);
      e.parentNode.appendChild(g); // the graph's own group: the path's coordinates
      var w = t.getBBox().width + 6, h = t.getBBox().height + 2, len = path.getTotalLength(), best = null;
      // On the edge if there is room, else beside it: short edges run between boxes.
      [0.5, 0.3, 0.7].forEach(function (at) {
        var p = path.getPointAtLength(len * at);
        [0, -1, 1, -2, 2].forEach(function (dy) {
          [0, -1, 1].forEach(function (dx) {
            var x = p.x + dx * (w / 2 + 2) - w / 2, y = p.y + dy * (h / 2 + 2) - h / 2;
            var cost = overlap(x, y, w, h) + Math.abs(dx) + Math.abs(dy) + Math.abs(at - 0.5);
            if (!best || cost < best.cost) { best = {cost: cost, x: x, y: y}; }
          });
        });
      });
      attrs(t, {x: best.x + w / 2, y: best.y + h / 2 + 4});
      attrs(rect, {x: best.x, y: best.y, width: w, height: h, rx: 3});
    }
    function reveal(el, scroll) {
      // Scroll the graph area only: scrollIntoView would scroll a whole notebook too.
      if (!el || st.fit || !scroll) { return; }
      var r = el.getBoundingClientRect(), a = graph.getBoundingClientRect();
      if (r.left < a.left || r.right > a.right) { graph.scrollLeft += (r.left + r.right - a.left - a.right) / 2; }
      if (r.top < a.top || r.bottom > a.bottom) { graph.scrollTop += (r.top + r.bottom - a.top - a.bottom) / 2; }
    }
    function show(focus) {
      var k = st.k, ask = asking(), id, i;
      var grads = {};
      for (id in data.initial) { grads[id] = data.initial[id]; }
      for (i = 0; i < k; i++) { grads[data.steps[i].parent] = data.steps[i].after_text; }
      for (id in gradText) {
        gradText[id].textContent = "grad " + grads[id];
        $(id).setAttribute("class", "node mg-" + phase(id, k) + (id === st.picked ? " mg-picked" : ""));
      }
      var old = graph.querySelectorAll(".mg-hl, .mg-ask, .mg-elabel");
      for (i = 0; i < old.length; i++) {
        if (old[i].classList.contains("mg-elabel")) { old[i].parentNode.removeChild(old[i]); }
        else { old[i].classList.remove("mg-hl", "mg-ask"); }
      }
      $("step-index").textContent = String(k);
      $("prev").disabled = k === 0;
      $("next").disabled = k === n;
      var s = ask ? data.steps[k] : k > 0 ? data.steps[k - 1] : null;
      $("calc").classList.toggle("mg-seed", !s);
      $("ask").hidden = !ask;
      $("contribution").hidden = ask;
      if (s) {
        [s.parent, s.child, s.op_node, s.edge].forEach(function (e) { mark(e, ask ? "mg-ask" : "mg-hl"); });
        edgeLabel(s.edge, "\u00d7 " + s.local_short);
        $("edge").textContent = (ask ? "Quiz, " : "") + s.title;
        $("arith").textContent = "";
        setNumber("upstream", s.upstream, s.upstream_text);
        setNumber("local", s.local, s.local_text);
        setNumber("contribution", ask ? "" : s.contribution, ask ? "" : s.contribution_text);
      } else {
        mark(data.root, "mg-hl");
        $("edge").textContent = data.seed_title;
        $("arith").textContent = data.seed_arith;
        ["upstream", "local", "contribution"].forEach(function (e) { setNumber(e, "", ""); });
      }
      // The last row tells the grad that the last step shown in the graph left.
      var last = k > 0 ? data.steps[k - 1] : null;
      $("sum-lhs").textContent = (last ? last.grad_name : data.nodes[data.root].grad_name) + " = ";
      setNumber("grad-before", last ? last.before : "", last && last.sum_before ? last.sum_before + " + " : "");
      $("sum-term").textContent = last && last.sum_before ? last.sum_term + " = " : "";
      setNumber("grad-after", last ? last.after : data.seed, last ? last.after_text : data.seed_text);
      var status = last ? last.status : "the seed";
      $("status").textContent = status;
      $("status").className = "mg-status" + (status.indexOf("final") === 0 || !last ? " mg-done" : "");
      $("verdict").textContent = st.verdict ? st.verdict.text : "";
      $("verdict").className = "mg-verdict" + (st.verdict ? (st.verdict.ok ? " mg-right" : " mg-wrong") : "");
      $("score").textContent = st.quiz ? scoreText() : "";
      reveal($(s ? s.parent : data.root), focus);
      if (ask && focus) { $("answer").focus({preventScroll: true}); }
    }
    function scoreText() {
      var answered = Object.keys(st.answers).length;
      var text = "score " + st.right + " / " + answered;
      if (st.k < n) { return text; }
      return "Quiz done: " + st.right + " of " + answered + " right" +
        (answered < n ? " (" + (n - answered) + " skipped)" : "");
    }

    // --- the quiz: the learner types upstream * local before the step is revealed ---
    function close(a, s) {
      var c = Number(s.contribution), shown = Number(s.upstream_short) * Number(s.local_short);
      if (!isFinite(c) || !isFinite(shown)) { return a === c; }
      var mag = Math.max(Math.abs(c), Math.abs(shown));
      // Half a unit in the last digit shown, plus what rounding the two shown factors changed.
      var half = mag > 0 ? 0.5 * Math.pow(10, Math.floor(Math.log10(mag)) - data.precision + 1) : 0;
      return Math.abs(a - c) <= Math.abs(shown - c) + half * (1 + 1e-9);
    }
    function check() {
      var s = data.steps[st.k], input = $("answer"), raw = input.value.trim();
      if (!raw) { input.focus(); return; }
      var a = Number(raw.replace(/\u2212/g, "-").replace(/,/g, "."));
      if (isNaN(a)) {
        st.verdict = {ok: false, text: "Type a number (" + s.upstream_short + " times " + s.local_short + ")"};
        show(true);
        return;
      }
      var ok = close(a, s);
      st.answers[s.index] = ok;
      if (ok) { st.right++; }
      var said = "step " + s.index + (ok ? ": \u2713 right, " : ": \u2717 not quite (you typed " + raw + "), ");
      st.verdict = {ok: ok, text: said + s.product_text};
      input.value = "";
      st.k++;
      show(true);
    }

    // --- moving ---
    function go(k) {
      if (k >= 0 && k <= n) { st.k = k; st.verdict = null; show(true); }
    }
    function next() { if (asking()) { check(); } else { go(st.k + 1); } }
    function closeExplain() { $("explain").hidden = true; st.picked = ""; show(false); }
    function explainNode(id) {
      var nd = data.nodes[id];
      st.picked = id;
      $("explain-title").textContent = "The chain rule for " + nd.name;
      $("explain-text").textContent = nd.explain + "\n\n" + nd.grad_name + " = " + nd.grad +
        " after backward()" + (nd.steps.length ? " (final at step " + nd.steps[nd.steps.length - 1] + ")" : "");
      $("explain-text").setAttribute("data-value", nd.grad_value);
      $("explain").hidden = false;
      show(false);
    }
    var keys = {
      ArrowRight: next, ArrowLeft: function () { go(st.k - 1); },
      Home: function () { go(0); }, End: function () { go(n); }, Escape: closeExplain
    };
    function onKey(e) {
      var tag = e.target && e.target.tagName, box = tag === "INPUT" && e.target.type === "checkbox";
      if ((tag === "INPUT" && !box) || tag === "TEXTAREA" || tag === "SELECT") { return; } // typing an answer
      var act = keys[e.key];
      if (!act || e.altKey || e.ctrlKey || e.metaKey) { return; }
      e.preventDefault();
      e.stopPropagation();
      act();
    }

    $("prev").addEventListener("click", function () { go(st.k - 1); });
    $("next").addEventListener("click", next);
    $("check").addEventListener("click", check);
    $("close").addEventListener("click", closeExplain);
    $("answer").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); check(); }
      if (e.key === "Escape") { $("answer").blur(); } // then the arrow keys move through the steps again
    });
    $("zoom").addEventListener("click", function () {
      st.fit = !st.fit;
      $("zoom-note").hidden = true;
      layout();
      show(true);
    });
    $("quiz").addEventListener("change", function () {
      st.quiz = $("quiz").checked;
      st.verdict = null;
      show(true);
    });
    // On its own page the stepper takes the keys; in a notebook, only while it has the focus.
    (page ? document : box).addEventListener("keydown", onKey);
    box.addEventListener("mousedown", function (e) {
      var tag = e.target && e.target.tagName;
      if (!page && tag !== "INPUT" && tag !== "BUTTON") { box.focus({preventScroll: true}); }
    });

    // Drag to pan at 1:1; a click (no drag) on a box shows its chain rule.
    var drag = null;
    graph.addEventListener("pointerdown", function (e) {
      if (st.fit || e.button !== 0) { return; }
      drag = {x: e.clientX, y: e.clientY, left: graph.scrollLeft, top: graph.scrollTop, moved: false};
    });
    window.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; }
      graph.scrollLeft = drag.left - dx;
      graph.scrollTop = drag.top - dy;
    });
    window.addEventListener("pointerup", function () {
      noClick = !!(drag && drag.moved);
      drag = null;
    });
    graph.addEventListener("click", function (e) {
      if (noClick) { noClick = false; return; }
      var g = e.target.closest ? e.target.closest("g.node") : null;
      var id = g ? g.id.slice(u.length).replace(/_op$/, "") : ""; // an op's oval stands for its result
      if (data.nodes[id]) { explainNode(id); }
    });

    function refit() { layout(); show(false); }
    st.fit = Math.max(fitScale("LR"), fitScale("TB")) >= MIN_FIT;
    $("zoom-note").hidden = st.fit;
    if (window.ResizeObserver) { new ResizeObserver(refit).observe(graph); }
    else { window.addEventListener("resize", refit); }
    layout();
    show(!st.fit); // at 1:1, scroll the seeded root into view
  }

  // Start the stepper this script belongs to, and any whose own script has not run.
  var me = document.currentScript, all;
  if (me && me.parentNode && me.parentNode.querySelector("script.mg-data")) { init(me.parentNode); }
  all = document.querySelectorAll(".mg-stepper");
  for (var i = 0; i < all.length; i++) { if (all[i].querySelector("script.mg-data")) { init(all[i]); } }
})();
