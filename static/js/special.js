// The per-topic chart of the special-rectification page: stacked bars per topic with their values.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("chart-topics");
    if (!el || !window.echarts) { return; }
    var d = JSON.parse(document.getElementById("special-chart").textContent);
    el.style.height = Math.max(160, 44 * d.names.length + 60) + "px";
    var c = window.echarts.init(el);
    function series(name, data) {
      return {type: "bar", stack: "all", name: name, data: data, label: {show: true, formatter: function (p) { return p.value || ""; }}};
    }
    c.setOption({
      color: ["#2a9d8f", "#264653", "#e85d04"],
      tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 8, right: 16, top: 30, bottom: 8, containLabel: true},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", inverse: true, data: d.names, axisLabel: {width: 180, overflow: "truncate"}},
      series: [series(d.labels.fixed, d.fixed), series(d.labels.kept_up, d.kept_up), series(d.labels.ongoing, d.ongoing)]
    });
    window.addEventListener("resize", function () { c.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
