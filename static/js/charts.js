// Draws every <canvas data-chart="ID"> with the Chart.js configuration that the page passed
// with json_script in the element #ID (no inline script: CSP). Load after chart.umd.min.js.
// Used by the complaint measures page and the 工作台 (home). Once drawn, the canvas gets
// data-chart-ready="1" (browser tests wait for it; the instance is Chart.getChart(canvas)).
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    try {
      var config = JSON.parse(source.textContent);
      config.options = config.options || {};
      config.options.animation = config.options.animation === undefined ? false : config.options.animation;
      new window.Chart(canvas, config);
      canvas.setAttribute("data-chart-ready", "1");
    } catch (err) {
      console.error("chart", canvas.getAttribute("data-chart"), err);
    }
  });
});
