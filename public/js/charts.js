// Draws every <canvas data-chart-config="ID"> from the JSON in <script type="application/json" id="ID">
// (Chart.js config). Runs on load and after every htmx swap, so lazy-loaded partials draw themselves.
// Colours come only from the palette of public/css/palette.css: a dataset names its `series` (a
// doughnut names one per slice) and gets --series-<name>; a dataset without one gets --chart-<n> by
// position. This file holds no colour of its own.
(function () {
  'use strict';
  function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue('--' + name).trim(); }
  var ordered = null;
  function orderedColors() {
    if (!ordered) { ordered = []; for (var n = 1; cssVar('chart-' + n); n++) ordered.push(cssVar('chart-' + n)); }
    return ordered;
  }
  function seriesColor(name, i) {
    var c = name ? cssVar('series-' + name) : '';
    if (name && !c && window.console) console.error('charts.js: no colour for series "' + name + '" in palette.css');
    var list = orderedColors();
    return c || list[i % list.length];
  }
  function paint(config) {
    var round = config.type === 'doughnut' || config.type === 'pie';
    (config.data && config.data.datasets || []).forEach(function (ds, i) {
      if (Array.isArray(ds.series)) {
        ds.backgroundColor = ds.series.map(function (name, j) { return seriesColor(name, j); });
        ds.borderColor = cssVar('surface');
      } else {
        var c = seriesColor(ds.series, i);
        ds.backgroundColor = c;
        ds.borderColor = round ? cssVar('surface') : c;
      }
      ds.pointBackgroundColor = ds.borderColor;
      delete ds.series;
    });
  }
  var compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
  function numberFormat(v) { return typeof v === 'number' ? v.toLocaleString('en-US') : v; }
  function draw(canvas) {
    if (canvas.dataset.drawn === '1' || typeof window.Chart === 'undefined') return;
    var src = document.getElementById(canvas.getAttribute('data-chart-config'));
    if (!src) return;
    var config;
    try { config = JSON.parse(src.textContent); } catch (e) { return; }
    paint(config);
    config.options = config.options || {};
    // A value axis may ask for short tick labels: "ticks": {"format": "compact"} -> 35M, 1.2K.
    Object.keys(config.options.scales || {}).forEach(function (k) {
      var ticks = config.options.scales[k] && config.options.scales[k].ticks;
      if (!ticks || ticks.format !== 'compact') return;
      delete ticks.format;
      ticks.callback = function (v) { return typeof v === 'number' ? compact.format(v) : v; };
    });
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    config.options.plugins = config.options.plugins || {};
    // Legends match their series: a line dataset shows as a line, a bar as a box; a doughnut's legend
    // gives each slice's value and share, so the numbers need no hover.
    config.options.plugins.legend = config.options.plugins.legend || {};
    var legendLabels = config.options.plugins.legend.labels = config.options.plugins.legend.labels || {};
    legendLabels.usePointStyle = true;
    legendLabels.generateLabels = function (chart) {
      var base = window.Chart.defaults.plugins.legend.labels.generateLabels;
      var isRound = chart.config.type === 'doughnut' || chart.config.type === 'pie';
      var items = isRound ? window.Chart.overrides[chart.config.type].plugins.legend.labels.generateLabels(chart) : base(chart);
      if (isRound) {
        var data = (chart.data.datasets[0] && chart.data.datasets[0].data) || [];
        var total = data.reduce(function (a, b) { return a + (Number(b) || 0); }, 0);
        items.forEach(function (it, i) {
          var v = Number(data[i]) || 0;
          it.text = it.text + ': ' + numberFormat(v) + (total > 0 ? ' (' + (Math.round((v / total) * 1000) / 10) + '%)' : '');
          it.pointStyle = 'rect';
        });
        return items;
      }
      items.forEach(function (it) {
        var ds = chart.data.datasets[it.datasetIndex] || {};
        var line = ds.type === 'line' || (!ds.type && chart.config.type === 'line');
        it.pointStyle = line ? 'line' : 'rect';
        if (line) { it.lineWidth = 3; it.fillStyle = it.strokeStyle; }
      });
      return items;
    };
    config.options.plugins.tooltip = config.options.plugins.tooltip || {};
    config.options.plugins.tooltip.callbacks = {
      label: function (ctx) {
        var v = ctx.parsed && typeof ctx.parsed === 'object' ? (ctx.chart.config.options.indexAxis === 'y' ? ctx.parsed.x : ctx.parsed.y) : ctx.parsed;
        var suffix = (ctx.dataset.unit || '');
        return (ctx.dataset.label ? ctx.dataset.label + ': ' : '') + numberFormat(v) + suffix;
      }
    };
    canvas.dataset.drawn = '1';
    canvas.__chart = new window.Chart(canvas, config);
  }
  var defaultsSet = false;
  function drawAll(root) {
    // Axis text and grid lines in the page's own muted text and border colours.
    if (!defaultsSet && window.Chart) { window.Chart.defaults.color = cssVar('muted'); window.Chart.defaults.borderColor = cssVar('border'); defaultsSet = true; }
    (root || document).querySelectorAll('canvas[data-chart-config]').forEach(draw);
  }
  document.addEventListener('DOMContentLoaded', function () { drawAll(document); });
  document.addEventListener('htmx:after:swap', function () { drawAll(document); });
  document.addEventListener('htmx:after:settle', function () { drawAll(document); });
  window.addEventListener('load', function () { drawAll(document); });
  window.UsageConsoleCharts = { drawAll: drawAll };
})();
