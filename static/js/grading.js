// The evaluation sheet (客户质量等级评估表): show the weighted score while the scores are typed.
// The server computes the stored score; this is only a preview. No inline script (CSP).
document.addEventListener("DOMContentLoaded", function () {
  var out = document.querySelector("[data-grading-score]");
  if (!out) { return; }
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-weight]"));
  function update() {
    var total = 0, complete = true;
    inputs.forEach(function (el) {
      var v = parseInt(el.value, 10);
      if (isNaN(v) || v < 0 || v > 100) { complete = false; return; }
      total += v * parseInt(el.getAttribute("data-weight"), 10);
    });
    out.textContent = complete ? (total / 100).toFixed(2) : "—";
    out.closest("[data-testid=live-score]").hidden = false;
  }
  inputs.forEach(function (el) { el.addEventListener("input", update); });
  update();
});
