// Draws the dashboard's charts from the JSON the page carries; every chart has a table beside it.
// Every chart shows its values (labels on slices, bars and the trend's last point); count axes have
// integer ticks; the worst-first ranking labels every bar and scrolls past PAGE bars.
(function () {
  "use strict";
  var PAGE = 30; // bars shown at once in the ranking; more scroll
  var BAR = 24; // px per bar in the ranking
  function draw() {
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var L = data.labels;
    var palette = ["#a4161a", "#e85d04", "#ffba08", "#2a9d8f", "#264653", "#6c757d"];
    var care = document.body.classList.contains("care");
    var font = care ? 16 : 12;
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el || !window.echarts) { return; }
      var c = window.echarts.init(el);
      option.color = option.color || palette;
      option.textStyle = {fontSize: font};
      c.setOption(option);
      window.addEventListener("resize", function () { c.resize(); });
    }
    var pieLabel = {show: true, formatter: "{b}\n{c}", fontSize: font};
    function nonzero(rows) { return rows.filter(function (r) { return r.value > 0; }); }
    chart("chart-status", {tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      series: [{type: "pie", radius: ["35%", "62%"], data: nonzero(data.status), label: pieLabel}]});
    chart("chart-kinds", {tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      series: [{type: "pie", radius: "58%", data: nonzero(data.kinds), label: pieLabel}]});
    chart("chart-overdue", {tooltip: {}, grid: {left: 50, right: 20, top: 30, bottom: 60},
      xAxis: {type: "category", data: data.overdue.labels, axisLabel: {interval: 0, width: 90, overflow: "break"}},
      yAxis: {type: "value", minInterval: 1, name: L.items_axis},
      series: [{type: "bar", data: data.overdue.values, name: L.overdue,
                label: {show: true, position: "top"}}]});
    var t = data.trend;
    chart("chart-trend", {tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 60, right: 60, top: 50, bottom: 40},
      xAxis: {type: "category", data: t.dates, name: L.date_axis, nameLocation: "middle", nameGap: 28,
              boundaryGap: false},
      yAxis: [{type: "value", minInterval: 1, name: L.trend_overdue},
              {type: "value", min: 0, max: 100, name: L.trend_completion, axisLabel: {formatter: "{value}%"}}],
      series: [{type: "line", name: L.trend_overdue, data: t.overdue, showSymbol: t.dates.length < 20,
                endLabel: {show: true}, label: {show: t.dates.length < 20, position: "top"}},
               {type: "line", name: L.trend_completion, yAxisIndex: 1, data: t.completion,
                showSymbol: t.dates.length < 20, endLabel: {show: true, formatter: "{c}%"}}]});
    var kids = data.children;
    var el = document.getElementById("chart-children");
    if (el) {
      var shown = Math.min(kids.names.length, PAGE);
      el.style.height = (shown * BAR + 60) + "px";
      var zoom = kids.names.length > PAGE
        ? [{type: "slider", yAxisIndex: 0, startValue: 0, endValue: PAGE - 1, right: 0, width: 14,
            showDetail: false, zoomLock: true, brushSelect: false},
           {type: "inside", yAxisIndex: 0, startValue: 0, endValue: PAGE - 1, zoomOnMouseWheel: false,
            moveOnMouseWheel: true, moveOnMouseMove: false}]
        : [];
      chart("chart-children", {tooltip: {formatter: "{b}: {c}%"},
        grid: {left: 10, right: kids.names.length > PAGE ? 70 : 50, top: 24, bottom: 10, containLabel: true},
        xAxis: {type: "value", min: 0, max: 100, position: "top",
                axisLabel: {formatter: "{value}%"}},
        yAxis: {type: "category", inverse: true, data: kids.names, axisLabel: {interval: 0}},
        dataZoom: zoom,
        series: [{type: "bar", data: kids.completion, name: L.completion, barMaxWidth: 18,
                  label: {show: true, position: "right", formatter: "{c}%"}}]});
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
