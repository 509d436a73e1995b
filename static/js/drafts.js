// A note being written (a form marked data-draft) is kept in this tab until the server says it is stored, so
// that it is not lost when the session ends while it is written (sign in again and come back: it is there),
// or when it is refused. Sent, a draft waits for the page that answers: a page that says the note was saved
// (an element marked data-draft-saved) lets it go; any other page offers it again. Signing out lets every
// draft go. Nothing leaves the tab: sessionStorage ends with it.
"use strict";

(() => {
  const PREFIX = "crampapp-draft:";

  function keyOf(form) {
    const episode = form.querySelector('input[name="episode"]');
    return PREFIX + form.getAttribute("action") + (episode ? `#${episode.value}` : "");
  }

  function read(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key));
    } catch {
      return null;
    }
  }

  function drafts() {
    return Object.keys(sessionStorage).filter((key) => key.startsWith(PREFIX));
  }

  function restore(form, textarea, draft) {
    textarea.value = draft.text;
    const details = form.closest("details");
    if (details) {
      details.open = true;
    }
    const notice = document.createElement("p");
    notice.className = "form-text draft-restored";
    notice.textContent = "Your note was not saved yet: here it is again. Save it, or clear it.";
    textarea.insertAdjacentElement("afterend", notice);
  }

  function keep(form) {
    const textarea = form.querySelector("textarea");
    if (!textarea) {
      return;
    }
    const key = keyOf(form);
    const draft = read(key);
    if (draft && draft.text && !textarea.value) {
      restore(form, textarea, draft);
    }
    textarea.addEventListener("input", () => {
      if (textarea.value.trim()) {
        sessionStorage.setItem(key, JSON.stringify({ text: textarea.value, sent: false }));
      } else {
        sessionStorage.removeItem(key);
      }
    });
    form.addEventListener("submit", () => {
      if (textarea.value.trim()) {
        sessionStorage.setItem(key, JSON.stringify({ text: textarea.value, sent: true }));
      }
    });
  }

  try {
    if (document.querySelector("[data-draft-saved]")) {
      // The note sent was stored: drafts not sent (another note begun) stay.
      drafts()
        .filter((key) => read(key)?.sent)
        .forEach((key) => sessionStorage.removeItem(key));
    }
    document.querySelectorAll("form[data-draft]").forEach(keep);
    document.querySelectorAll("form[data-sign-out], form[action$='/logout/']").forEach((form) =>
      form.addEventListener("submit", () => drafts().forEach((key) => sessionStorage.removeItem(key))),
    );
  } catch {
    // No sessionStorage (it can be switched off): notes are sent as before, without drafts.
  }
})();
