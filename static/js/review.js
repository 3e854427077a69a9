// Keyboard shortcuts for the review queue: a approve, r reject, c request changes,
// s skip, e edit, 1-5 rating, u undo the decision just made, d compare with the duplicate.
// On the duplicate comparison: r then Enter (or r again) rejects as duplicate, Escape goes
// back to the queue.
//
// Nothing is ever sent by choosing in the reason list: r and c first put the keyboard on
// the reason list (a flag's reason is already chosen there) and only Enter, or the same key
// again, sends the decision; Escape cancels.  Without script the buttons do the same job.
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

  function initUndo() {
    var form = document.getElementById("undo-form");
    if (!form) return;
    var left = parseInt(form.getAttribute("data-undo-seconds"), 10) || 0;
    var countdown = form.querySelector("[data-undo-countdown]");
    var template = form.getAttribute("data-countdown-text") || "";
    function tick() {
      if (left <= 0) { form.hidden = true; return; }
      if (countdown) countdown.textContent = template.replace("{n}", left);
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
    document.addEventListener("keydown", function (event) {
      if (form.hidden || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key.toLowerCase() === "u") { event.preventDefault(); form.submit(); }
    });
  }

  function initDecisions() {
    var form = document.getElementById("decision-form");
    if (!form) return;
    var reason = document.getElementById("id_reason");
    var hint = document.getElementById("reason-hint");
    var skipForm = document.getElementById("skip-form");
    var editLink = document.getElementById("edit-link");
    var suggested = reason ? reason.value : "";
    var pending = null;

    function arm(button) {
      pending = button;
      form.querySelectorAll("[data-needs-reason]").forEach(function (b) {
        b.classList.toggle("armed", b === button);
      });
      if (hint) hint.hidden = false;
      reason.focus();
    }

    function disarm() {
      pending = null;
      form.querySelectorAll("[data-needs-reason]").forEach(function (b) { b.classList.remove("armed"); });
      if (hint) hint.hidden = true;
    }

    function confirmPending() {
      if (!pending) return;
      if (!reason.value) { reason.focus(); return; }
      var button = pending;
      disarm();
      send(form, button);
    }

    function decide(button) {
      if (button.hasAttribute("data-needs-reason") && reason) {
        if (pending === button) confirmPending(); else arm(button);
        return;
      }
      // A reason preselected from a flag is a suggestion for rejecting, not part of an approval.
      if (reason && reason.value === suggested) reason.value = "";
      send(form, button);
    }

    if (reason) {
      reason.addEventListener("keydown", function (event) {
        if (!pending) return;
        var key = event.key.toLowerCase();
        if (key === "enter" || key === pending.getAttribute("data-shortcut")) {
          event.preventDefault();
          confirmPending();
        } else if (key === "escape") {
          event.preventDefault();
          disarm();
          pending = null;
          reason.blur();
        }
      });
    }

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      // A click on Reject or Request changes without a reason asks for one first.
      if (button && button.hasAttribute("data-needs-reason") && reason && !reason.value) {
        event.preventDefault();
        arm(button);
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

  function plainKey(event) {
    return !(event.ctrlKey || event.metaKey || event.altKey || typing(event.target));
  }

  function initCompareLink() {
    var link = document.querySelector("[data-compare-link]");
    if (!link) return;
    document.addEventListener("keydown", function (event) {
      if (!plainKey(event) || event.key.toLowerCase() !== "d") return;
      event.preventDefault();
      window.location.href = link.href;
    });
  }

  function initComparison() {
    var back = document.getElementById("back-link");
    if (!back) return;
    var form = document.getElementById("duplicate-form");
    var button = document.getElementById("reject-duplicate");
    var hint = document.getElementById("duplicate-hint");
    var armed = false;

    function arm(on) {
      armed = on;
      if (!button) return;
      button.classList.toggle("armed", on);
      if (hint) hint.hidden = !on;
      if (on) button.focus(); else button.blur();
    }

    document.addEventListener("keydown", function (event) {
      if (!plainKey(event)) return;
      var key = event.key.toLowerCase();
      if (key === "escape") {
        event.preventDefault();
        if (armed) arm(false); else window.location.href = back.href;
        return;
      }
      if (!form || !button) return;
      if (key === "r" || (key === "enter" && armed)) {
        event.preventDefault();
        if (armed) { arm(false); send(form, button); } else arm(true);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initUndo();
    initDecisions();
    initCompareLink();
    initComparison();
  });
})();
