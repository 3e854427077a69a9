// Autosave of the writing form.  A short pause in typing saves the text as a draft through
// the JSON autosave endpoint: the first save creates the draft (the page's idempotency key
// makes a retry harmless) and the page becomes that draft's edit page; later saves are edits
// at the version the page holds, so a change made elsewhere is reported, never overwritten.
// Until the server has it, the text is also kept in this browser's localStorage, and offered
// back when the page is opened again.  A page shown again by the Back button (from the
// back-forward cache or the HTTP cache) first reads the stored version, so saving from it is
// not mistaken for an edit made elsewhere.  Without script the form works as before.
(function () {
  "use strict";

  var FIELDS = ["category", "instruction", "context", "source_url", "response"];
  var SAVE_DELAY_MS = 1500;
  var STORE_PREFIX = "dolly:draft:";
  var SUBMITTED_FLAG = "dolly:submitted-draft";

  function usableStorage(name) {
    try {
      var store = window[name];
      store.setItem("dolly:probe", "1");
      store.removeItem("dolly:probe");
      return store;
    } catch (error) {
      return null;
    }
  }

  var local = usableStorage("localStorage");
  var session = usableStorage("sessionStorage");

  function readStored(key) {
    if (!local) return null;
    try {
      return JSON.parse(local.getItem(key));
    } catch (error) {
      return null;
    }
  }

  // The form posted last time was answered by this page: whatever it sent is with the server.
  function forgetSubmittedDraft() {
    if (!local || !session) return;
    var key = session.getItem(SUBMITTED_FLAG);
    if (key) {
      local.removeItem(key);
      session.removeItem(SUBMITTED_FLAG);
    }
  }

  // Compares the fields the page has (an answer page has only the instruction and the response).
  function sameText(a, b) {
    return Object.keys(a).every(function (field) { return (a[field] || "") === (b[field] || ""); });
  }

  function hasText(values) {
    return ["instruction", "context", "source_url", "response"].some(function (field) {
      return (values[field] || "").trim() !== "";
    });
  }

  function initEditor(form) {
    var url = form.getAttribute("data-autosave-url");
    var currentUrl = form.getAttribute("data-current-url");
    var status = form.querySelector("[data-autosave-status]");
    var restore = form.querySelector("[data-autosave-restore]");
    var versionInput = form.elements.version;
    var keyInput = form.elements.idempotency_key;
    var csrf = form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
    var lang = document.documentElement.lang || undefined;
    var publicId = form.getAttribute("data-public-id") || "";
    var stay = form.hasAttribute("data-autosave-stay");
    var storeKey = STORE_PREFIX + (form.getAttribute("data-store-key") || publicId || "new");
    var hadErrors = !!form.querySelector(".has-error, .errorbox");
    var lastSaved = hadErrors ? null : values();
    var timer = null;
    var inFlight = false;
    var again = false;
    var stopped = !url;
    var submitAfterSave = null;

    function values() {
      var current = {};
      FIELDS.forEach(function (field) {
        var element = form.elements[field];
        if (element) current[field] = element.value;
      });
      return current;
    }

    function say(kind, text) {
      if (!status) return;
      status.textContent = text || "";
      status.className = "autosave-status" + (kind ? " " + kind : "");
    }

    function message(name) {
      return status ? status.getAttribute("data-msg-" + name) || "" : "";
    }

    function keepLocally() {
      if (!local) return;
      try {
        local.setItem(storeKey, JSON.stringify({ values: values(), at: Date.now() }));
      } catch (error) {
        // Storage full or refused: the server copy is all there is.
      }
    }

    // Errors the server rendered before are about text that has since been saved: remove them.
    function clearServerErrors() {
      form.querySelectorAll(".has-error").forEach(function (field) { field.classList.remove("has-error"); });
      form.querySelectorAll("[id$='_error']").forEach(function (box) {
        var id = box.id;
        form.querySelectorAll("[aria-describedby]").forEach(function (input) {
          var ids = input.getAttribute("aria-describedby").split(" ").filter(function (x) { return x && x !== id; });
          if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
          else input.removeAttribute("aria-describedby");
          if (input.getAttribute("aria-invalid")) input.removeAttribute("aria-invalid");
        });
        box.remove();
      });
      form.querySelectorAll(".errorbox").forEach(function (box) { box.remove(); });
    }

    function markSaved(sent, savedAt) {
      lastSaved = sent;
      clearServerErrors();
      if (sameText(values(), sent)) {
        if (local) local.removeItem(storeKey);
        form.dispatchEvent(new CustomEvent("dolly:saved"));
      }
      var time = new Date(savedAt).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
      say("ok", message("saved").replace("{time}", time));
    }

    function becomeEditPage(data) {
      publicId = data.public_id;
      form.setAttribute("data-public-id", publicId);
      if (stay) return;  // an answer page stays the answer page
      form.setAttribute("action", data.edit_url);
      if (local) local.removeItem(storeKey);
      storeKey = STORE_PREFIX + publicId;
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", data.edit_url);
    }

    function handle(code, data, sent) {
      if (code === 200 || code === 201) {
        if (!publicId) becomeEditPage(data);
        if (versionInput) versionInput.value = data.version;
        form.querySelectorAll("[data-versioned-link]").forEach(function (link) {
          // Links that act on this version (delete) follow the page's own saves.
          var target = new URL(link.href, window.location.href);
          target.searchParams.set("version", data.version);
          link.href = target.toString();
        });
        markSaved(sent, data.saved_at);
        return;
      }
      keepLocally();
      if (code === 409) {
        stopped = true;
        say("error", (data.detail ? data.detail + " " : "") + message("stale"));
      } else if (code === 400 && data.errors) {
        var first = Object.keys(data.errors)[0];
        say("error", message("invalid") + " " + data.errors[first].join(" "));
      } else if (code === 401) {
        say("error", (data.detail || "") + " " + message("kept"));
      } else {
        say("error", message("failed") + " " + message("kept"));
      }
    }

    function save(keepalive) {
      clearTimeout(timer);
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      var sent = values();
      if (lastSaved && sameText(sent, lastSaved)) return;
      if (("category" in sent && !sent.category) || !(sent.instruction || "").trim()) {
        say("", message("incomplete"));
        return;
      }
      var body = Object.assign({}, sent);
      if (publicId) {
        body.public_id = publicId;
        body.version = parseInt(versionInput && versionInput.value, 10);
      } else {
        body.idempotency_key = keyInput ? keyInput.value : "";
      }
      inFlight = true;
      say("", message("saving"));
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!keepalive,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          handle(response.status, data, sent);
        });
      }).catch(function () {
        keepLocally();
        say("error", message("offline"));
      }).then(function () {
        inFlight = false;
        if (submitAfterSave) {
          var submitter = submitAfterSave;
          submitAfterSave = null;
          form.requestSubmit(submitter);
        } else if (again) {
          again = false;
          schedule();
        }
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, SAVE_DELAY_MS);
    }

    // Shown again from the history: the version (and maybe the text) this page holds may be
    // older than what is stored, through this very page's last save.  Read what is stored.
    function refresh(then) {
      if (!publicId || !currentUrl || stopped) { if (then) then(); return; }
      fetch(currentUrl + "?public_id=" + encodeURIComponent(publicId), {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (!data) return;
        var page = values();
        var unsaved = !lastSaved || !sameText(page, lastSaved);
        if (!data.editable) {
          stopped = true;
          say("error", message("not-editable"));
        } else if (sameText(page, data.fields) || !unsaved) {
          FIELDS.forEach(function (field) {
            var element = form.elements[field];
            if (element && element.value !== (data.fields[field] || "")) {
              element.value = data.fields[field] || "";
              element.dispatchEvent(new Event("change", { bubbles: true }));
            }
          });
          if (versionInput) versionInput.value = data.version;
          lastSaved = values();
          stopped = false;
          say("", "");
        }
        // Otherwise this page holds typing the server does not have, over an older version:
        // saving it is refused as a conflict, and the text is kept in this browser.
      }).catch(function () {
        // Offline: the next save says so.
      }).then(function () {
        if (then) then();
      });
    }

    function offerRestore() {
      var stored = readStored(storeKey);
      if (!stored || !stored.values) return;
      if (sameText(stored.values, values()) || !hasText(stored.values)) {
        if (local) local.removeItem(storeKey);
        return;
      }
      if (!restore) return;
      var when = restore.querySelector("[data-restore-when]");
      if (when) when.textContent = new Date(stored.at).toLocaleString(lang);
      restore.hidden = false;
      restore.querySelector("[data-restore-apply]").addEventListener("click", function () {
        FIELDS.forEach(function (field) {
          var element = form.elements[field];
          if (!element) return;
          element.value = stored.values[field] || "";
          element.dispatchEvent(new Event("input", { bubbles: true }));
          element.dispatchEvent(new Event("change", { bubbles: true }));
        });
        restore.hidden = true;
        form.elements.instruction.focus();
      });
      restore.querySelector("[data-restore-discard]").addEventListener("click", function () {
        if (local) local.removeItem(storeKey);
        restore.hidden = true;
      });
    }

    form.addEventListener("input", function () {
      keepLocally();
      if (!stopped) {
        say("", "");
        schedule();
      }
    });
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      if (inFlight) {
        // Wait for the save under way: the form must post the version it is about to return.
        event.preventDefault();
        submitAfterSave = event.submitter || null;
        return;
      }
      if (session) session.setItem(SUBMITTED_FLAG, storeKey);
    });
    // Ctrl+S (Cmd+S) saves the draft, Ctrl+Enter (Cmd+Enter) submits it, from any field.
    form.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      var name = event.key === "Enter" ? "submit" : (event.key === "s" || event.key === "S") ? "save" : null;
      var button = name && form.querySelector('button[name="action"][value="' + name + '"]');
      if (!button) return;
      event.preventDefault();
      form.requestSubmit(button);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && timer) save(true);
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) refresh();
    });
    var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    if (navigation && navigation.type === "back_forward") refresh(offerRestore); else offerRestore();
    // A refused form shows text the server does not have: keep it until it is saved.
    if (hadErrors && hasText(values())) keepLocally();
  }

  document.addEventListener("DOMContentLoaded", function () {
    forgetSubmittedDraft();
    document.querySelectorAll("form[data-draft-editor]").forEach(initEditor);
  });
})();
