// Keyboard shortcuts for the review queue: a approve, r reject, c request changes,
// s skip, e edit, 1-5 rating.  Rejecting and requesting changes need a reason: without
// one, the key focuses the reason list and the decision is sent once a reason is chosen.
// Without script the buttons do the same.
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function send(form, button) {
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  function init() {
    var form = document.getElementById("decision-form");
    if (!form) return;
    var reason = document.getElementById("id_reason");
    var hint = document.getElementById("reason-hint");
    var skipForm = document.getElementById("skip-form");
    var editLink = document.getElementById("edit-link");
    var pending = null;

    function decide(button) {
      if (button.hasAttribute("data-needs-reason") && reason && !reason.value) {
        pending = button;
        if (hint) hint.hidden = false;
        reason.focus();
        return;
      }
      send(form, button);
    }

    if (reason) {
      reason.addEventListener("change", function () {
        if (pending && reason.value) send(form, pending);
      });
    }

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.hasAttribute("data-needs-reason") && reason && !reason.value) {
        event.preventDefault();
        decide(button);
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      var key = event.key.toLowerCase();
      if (key >= "1" && key <= "5") {
        var radio = form.querySelector('input[name="rating"][value="' + key + '"]');
        if (radio) { radio.checked = true; event.preventDefault(); }
        return;
      }
      if (key === "s" && skipForm) { event.preventDefault(); skipForm.submit(); return; }
      if (key === "e" && editLink) { event.preventDefault(); window.location.href = editLink.href; return; }
      var button = form.querySelector('button[data-shortcut="' + key + '"]');
      if (button) { event.preventDefault(); decide(button); }
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
