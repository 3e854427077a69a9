// Draws the site's charts with Chart.js (vendored): the one chart stack of dashboards and
// leaderboards.  A chart's figures come from the JSON endpoint named by data-chart-src, or
// from the <script type="application/json"> element named by data-chart-data.  The table
// printed under each chart holds the same figures: it stays open when the chart cannot be
// drawn (no script, no data) and is folded away once the chart is there.
(function () {
  "use strict";

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#000000"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function config(data, lang) {
    var valueAxis = data.horizontal ? "x" : "y";
    var categoryAxis = data.horizontal ? "y" : "x";
    var scales = {};
    scales[categoryAxis] = {
      stacked: data.stacked,
      title: { display: !!(data.horizontal ? data.y_title : data.x_title), text: data.horizontal ? data.y_title : data.x_title }
    };
    scales[valueAxis] = {
      stacked: data.stacked,
      beginAtZero: true,
      max: data.percent ? 100 : undefined,
      title: { display: !!(data.horizontal ? data.x_title : data.y_title), text: data.horizontal ? data.x_title : data.y_title },
      ticks: { precision: data.percent ? undefined : 0 }
    };
    return {
      type: data.kind,
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (dataset, index) {
          var colour = PALETTE[index % PALETTE.length];
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: colour,
            borderColor: colour,
            borderWidth: data.kind === "line" ? 2 : 0,
            pointRadius: data.kind === "line" ? 2 : undefined,
            stepped: data.kind === "line" ? "before" : undefined
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        locale: lang,
        indexAxis: data.horizontal ? "y" : "x",
        plugins: { legend: { display: data.datasets.length > 1, position: "bottom" } },
        scales: scales
      }
    };
  }

  function figures(box) {
    var inline = box.getAttribute("data-chart-data");
    if (inline) {
      return Promise.resolve(JSON.parse(document.getElementById(inline).textContent));
    }
    return fetch(box.getAttribute("data-chart-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
  }

  function draw(box) {
    var lang = document.documentElement.lang || undefined;
    return figures(box)
      .then(function (data) {
        if (!data.labels.length) return;
        box.hidden = false;
        new window.Chart(box.querySelector("canvas"), config(data, lang));
        box.setAttribute("data-chart-drawn", "true");
        var table = box.parentNode.querySelector("details.chart-table");
        if (table) table.open = false;
      })
      .catch(function () {
        box.hidden = true;
      });
  }

  // One chart after the other: a dashboard is a dozen aggregate queries, no need to send
  // them to the database all at once.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) return;
    Array.prototype.reduce.call(document.querySelectorAll("[data-chart-src], [data-chart-data]"), function (previous, box) {
      return previous.then(function () { return draw(box); });
    }, Promise.resolve());
  });
})();
