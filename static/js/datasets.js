// Progress of a release build or an import: polls the JSON status endpoint named by
// data-status-url and reloads the page once the job has finished.
(function () {
  "use strict";

  function init(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var statusText = document.querySelector("[data-status-text]");
    var phaseText = box.querySelector("[data-phase-text]");
    var delay = 1000;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (bar) bar.value = data.progress;
          if (text) text.textContent = data.progress + "%";
          if (statusText && data.status_display) statusText.textContent = data.status_display;
          if (phaseText && data.phase) phaseText.textContent = data.phase + "\u2026";
          if (data.finished) {
            window.location.reload();
            return;
          }
          delay = 1000;
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 15000);
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress][data-status-url]").forEach(init);
  });
})();
