// The HTML stepper's script (micrograd.viz.stepper inlines it into the page).
// It reads the trace from the JSON of the element with id "trace-data": Prev/Next and
// the arrow keys move through the steps, highlight each step's edge and write
// every node's gradient as it stands after the step.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var k = 0;
  var n = data.steps.length;
  function setGrad(id, text) {
    var g = document.getElementById(id);
    if (!g) { return; }
    // The grad field is the box's last text; a label may start with "grad " too.
    var texts = g.getElementsByTagName("text");
    for (var i = texts.length - 1; i >= 0; i--) {
      if (texts[i].textContent.indexOf("grad ") === 0) { texts[i].textContent = "grad " + text; return; }
    }
  }
  function mark(id, cls) {
    var el = document.getElementById(id);
    if (el) { el.classList.add(cls); }
  }
  function setNumber(id, value, text) {
    var el = document.getElementById(id);
    el.setAttribute("data-value", value);
    el.textContent = text;
  }
  function show() {
    var grads = {};
    var id;
    for (id in data.initial) { grads[id] = data.initial[id]; }
    for (var i = 0; i < k; i++) { grads[data.steps[i].parent] = data.steps[i].after_text; }
    for (id in grads) { setGrad(id, grads[id]); }
    ["hl", "changed"].forEach(function (cls) {
      var old = document.querySelectorAll("." + cls);
      for (var j = 0; j < old.length; j++) { old[j].classList.remove(cls); }
    });
    document.getElementById("step-index").textContent = String(k);
    document.getElementById("prev").disabled = k === 0;
    document.getElementById("next").disabled = k === n;
    if (k === 0) {
      mark(data.root, "hl");
      document.getElementById("edge").textContent = data.seed_title;
      ["upstream", "local", "contribution", "grad-before", "grad-after"].forEach(function (name) {
        setNumber(name, "", "");
      });
      setNumber("grad-after", data.seed, data.seed_text);
      document.getElementById("arith").textContent = data.seed_arith;
      return;
    }
    var s = data.steps[k - 1];
    [s.parent, s.child, s.op_node, s.edge].forEach(function (el) { mark(el, "hl"); });
    mark(s.parent, "changed");
    var focus = document.getElementById(s.parent);
    if (focus && focus.scrollIntoView) { focus.scrollIntoView({block: "nearest", inline: "center"}); }
    document.getElementById("edge").textContent = s.title;
    setNumber("upstream", s.upstream, s.upstream_text);
    setNumber("local", s.local, s.local_text);
    setNumber("contribution", s.contribution, s.contribution_text);
    setNumber("grad-before", s.before, s.before_text);
    setNumber("grad-after", s.after, s.after_text);
    document.getElementById("arith").textContent = s.arith;
  }
  function go(delta) {
    var next = k + delta;
    if (next >= 0 && next <= n) { k = next; show(); }
  }
  document.getElementById("prev").addEventListener("click", function () { go(-1); });
  document.getElementById("next").addEventListener("click", function () { go(1); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { go(-1); }
    if (e.key === "ArrowRight") { go(1); }
  });
  show();
})();
