// Draws the dashboard's charts from the JSON the page carries; every chart has a table beside it.
(function () {
  "use strict";
  function draw() {
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var palette = ["#a4161a", "#e85d04", "#ffba08", "#2a9d8f", "#264653", "#6c757d"];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el || !window.echarts) { return; }
      var c = window.echarts.init(el);
      option.color = palette;
      c.setOption(option);
      window.addEventListener("resize", function () { c.resize(); });
    }
    chart("chart-status", {tooltip: {trigger: "item"}, series: [{type: "pie", radius: ["40%", "70%"], data: data.status}]});
    chart("chart-kinds", {tooltip: {trigger: "item"}, series: [{type: "pie", radius: "65%", data: data.kinds}]});
    chart("chart-overdue", {tooltip: {}, xAxis: {type: "category", data: data.overdue.labels}, yAxis: {type: "value"},
      series: [{type: "bar", data: data.overdue.values, name: data.labels.overdue}]});
    chart("chart-trend", {tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: data.trend.dates},
      yAxis: [{type: "value"}, {type: "value", max: 100}],
      series: [{type: "line", name: data.labels.trend_overdue, data: data.trend.overdue},
               {type: "line", name: data.labels.trend_completion, yAxisIndex: 1, data: data.trend.completion}]});
    chart("chart-children", {tooltip: {}, grid: {left: 110, right: 20, top: 10, bottom: 20},
      xAxis: {type: "value", max: 100}, yAxis: {type: "category", inverse: true, data: data.children.names},
      series: [{type: "bar", data: data.children.completion, name: data.labels.completion}]});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
