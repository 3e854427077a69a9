// Progressive enhancements for the writing form: character counts, the reference
// text fields shown only for categories that use them, the matching guidelines,
// and a warning before leaving a page with unsaved text.  Without script, every
// field is shown and the server validates as usual.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function formatCount(n) {
    return n.toLocaleString(document.documentElement.lang || undefined);
  }

  function initCounters() {
    document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      var input = document.getElementById(counter.getAttribute("data-counter-for"));
      var limit = parseInt(counter.getAttribute("data-limit"), 10);
      var output = counter.querySelector("[data-count]");
      if (!input || !output) return;
      function update() {
        var length = input.value.length;
        output.textContent = formatCount(length);
        counter.classList.toggle("over", length > limit);
      }
      input.addEventListener("input", update);
      update();
    });
  }

  function initCategorySwitch() {
    var select = document.getElementById("id_category");
    var contextFields = document.querySelector("[data-context-fields]");
    var guides = document.querySelectorAll("[data-guide-for]");
    if (!select) return;
    function update() {
      var option = select.options[select.selectedIndex];
      var needsContext = option && option.getAttribute("data-needs-context") === "true";
      var hasContextText = ["id_context", "id_source_url"].some(function (id) {
        var el = document.getElementById(id);
        return el && el.value.trim() !== "";
      });
      if (contextFields) contextFields.hidden = !needsContext && !hasContextText;
      guides.forEach(function (guide) {
        guide.hidden = option && option.value ? guide.getAttribute("data-guide-for") !== option.value : false;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  function initDirtyWarning() {
    var form = document.querySelector("form[data-dirty-warning]");
    if (!form) return;
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    form.addEventListener("dolly:saved", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  // After a refused form, put the keyboard on the first field that needs attention.
  function focusFirstError() {
    var field = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (field && !document.querySelector("[autofocus]")) field.focus();
  }

  // The phone menu: the button shows or hides it (without script the menu is always shown).
  function initMenu() {
    var header = document.querySelector("[data-site-header]");
    var toggle = document.querySelector("[data-menu-toggle]");
    if (!header || !toggle) return;
    toggle.addEventListener("click", function () {
      var open = !header.classList.contains("menu-open");
      header.classList.toggle("menu-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Dropdowns are <details>: close the open ones on a click elsewhere or on Escape.
  function initDropdowns() {
    function closeAll(except) {
      document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
        if (details !== except) details.removeAttribute("open");
      });
    }
    document.addEventListener("click", function (event) {
      closeAll(event.target.closest ? event.target.closest("details.dropdown") : null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var open = document.querySelector("details.dropdown[open]");
      if (!open) return;
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    });
  }

  // Filters behind one "Filters" control on a phone: closed there, always open on wider screens
  // (where the control itself is hidden).  Without script they stay open.
  function initCollapsibleFilters() {
    var narrow = window.matchMedia("(max-width: 640px)");
    function apply() {
      document.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
        if (narrow.matches) details.removeAttribute("open");
        else details.setAttribute("open", "");
      });
    }
    apply();
    if (narrow.addEventListener) narrow.addEventListener("change", apply);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCollapsibleFilters();
    initMenu();
    initDropdowns();
    focusFirstError();
    initCounters();
    initCategorySwitch();
    initDirtyWarning();
  });
})();
