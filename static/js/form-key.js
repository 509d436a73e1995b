// A logging form's key survives Back (templates/tracker/episode_form.html). Going back to a saved form, the
// browser fetches the page again, which carries a new key (the hidden client_id), and restores only what was
// typed: saving it again would store the same cramp twice. The key is kept in this history entry's state, and
// put back when the entry is visited again, so the server sees the form it already saved. A new visit to the
// form is a new history entry, with no state, and keeps its new key.
"use strict";

(() => {
  const input = document.querySelector('form input[type="hidden"][name="client_id"]');
  if (!input) {
    return;
  }
  const state = history.state !== null && typeof history.state === "object" ? history.state : {};
  if (typeof state.clientId === "string" && state.clientId !== "") {
    input.value = state.clientId;
  } else {
    history.replaceState({ ...state, clientId: input.value }, "");
  }
})();
