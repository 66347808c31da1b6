// Draws every <canvas data-chart="ID"> with the Chart.js configuration that the page passed
// with json_script in the element #ID (no inline script: CSP). Load after chart.umd.min.js.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    try {
      new window.Chart(canvas, JSON.parse(source.textContent));
    } catch (err) {
      console.error("chart", canvas.getAttribute("data-chart"), err);
    }
  });
});
