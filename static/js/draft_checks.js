// Warnings beside the fields of the writing form: the automatic checks reviewers will see
// (personal data, generated-sounding phrases, near duplicates, the source's host...), run by the
// server on the draft with the text the page holds.  They are asked for when the page opens a
// draft, after each automatic save and when a field loses focus (after a short pause, one
// request at a time).  They never block the submit and cannot be dismissed: fixing the text
// makes them go away at the next check.  Each field's warnings are in a polite live region the
// field names in aria-describedby.  Without script, the reviewer still sees the flags.
(function () {
  "use strict";

  var FIELDS = ["category", "instruction", "context", "source_url", "response"];
  var BLUR_DELAY_MS = 400;

  function initChecks(form) {
    var url = form.getAttribute("data-checks-url");
    var csrf = form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
    var boxes = {};
    var timer = null;
    var inFlight = false;
    var again = false;
    var lastSent = null;

    form.querySelectorAll("[data-warnings-for]").forEach(function (box) {
      var name = box.getAttribute("data-warnings-for");
      boxes[name] = box;
      var input = form.elements[name];
      if (input && input.setAttribute) {
        var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (ids.indexOf(box.id) === -1) ids.push(box.id);
        input.setAttribute("aria-describedby", ids.join(" "));
      }
    });

    function body() {
      var sent = { public_id: form.getAttribute("data-public-id") || "" };
      FIELDS.forEach(function (field) {
        var element = form.elements[field];
        if (element && typeof element.value === "string") sent[field] = element.value;
      });
      return sent;
    }

    function show(warnings) {
      var byField = {};
      warnings.forEach(function (warning) {
        (byField[warning.field] = byField[warning.field] || []).push(warning);
      });
      Object.keys(boxes).forEach(function (field) {
        var box = boxes[field];
        var found = byField[field] || [];
        var text = found.map(function (w) { return w.code + ":" + w.message; }).join("\n");
        if (box.getAttribute("data-shown") === text) return;  // unchanged: nothing new to announce
        box.setAttribute("data-shown", text);
        box.textContent = "";
        found.forEach(function (warning) {
          var line = document.createElement("p");
          line.className = "field-warning";
          line.setAttribute("data-warning-code", warning.code);
          line.textContent = warning.message;
          box.appendChild(line);
        });
        var wrapper = box.closest(".field");
        if (wrapper) wrapper.classList.toggle("has-warning", found.length > 0);
      });
    }

    function check() {
      clearTimeout(timer);
      if (!form.getAttribute("data-public-id")) return;  // nothing saved yet: checked after the first save
      if (inFlight) {
        again = true;
        return;
      }
      var sent = JSON.stringify(body());
      if (sent === lastSent) return;
      inFlight = true;
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: sent
      }).then(function (response) {
        if (!response.ok) return null;  // refused (signed out, too many): the warnings shown stay
        return response.json().catch(function () { return null; });
      }).then(function (data) {
        if (data && Array.isArray(data.warnings)) {
          lastSent = sent;
          show(data.warnings);
        }
      }).catch(function () {
        // Offline: the next check says what there is to say.
      }).then(function () {
        inFlight = false;
        if (again) {
          again = false;
          schedule();
        }
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(check, BLUR_DELAY_MS);
    }

    form.addEventListener("dolly:saved", check);
    form.addEventListener("focusout", function (event) {
      if (event.target && FIELDS.indexOf(event.target.name) !== -1) schedule();
    });
    check();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-checks-url]").forEach(initChecks);
  });
})();
