// Live countdowns on contest pages: every <time data-countdown datetime="..."> shows the
// time left until its moment, updated each second.  Without script the server's
// "3 days, 4 hours" text stays.
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // "13 days" / "13 jours" in the page's language (not a hard-coded "d").
  var lang = document.documentElement.lang || undefined;
  var daysFormat = null;
  try {
    daysFormat = new Intl.NumberFormat(lang, { style: "unit", unit: "day", unitDisplay: "long" });
  } catch (error) {
    daysFormat = null;
  }

  function days(n) {
    return daysFormat ? daysFormat.format(n) : String(n);
  }

  function render(ms) {
    if (ms <= 0) return "0:00:00";
    var total = Math.floor(ms / 1000);
    var dayCount = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var clock = pad(hours) + ":" + pad(minutes) + ":" + pad(seconds);
    return dayCount > 0 ? days(dayCount) + " " + clock : clock;
  }

  function start() {
    var items = Array.prototype.slice.call(document.querySelectorAll("time[data-countdown]"));
    var targets = items.map(function (el) { return Date.parse(el.getAttribute("datetime")); });
    if (!items.length) return;
    function tick() {
      var now = Date.now();
      items.forEach(function (el, i) {
        if (!isNaN(targets[i])) el.textContent = render(targets[i] - now);
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
