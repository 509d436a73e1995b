// The notice that the phone's time zone is not the profile's (templates/tracker/partials/zone_notice.html):
// shown only when they differ, until the patient switches or dismisses it for these two zones. Without this
// script the notice stays hidden, and times are saved in the profile's zone as always. Loaded without defer
// right after the notice, it shows the notice before the rest of the page is drawn: nothing moves.
"use strict";

(() => {
  const DISMISSED = "crampapp-zone-notice-dismissed";

  function phoneZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch {
      return "";
    }
  }

  // The storage can be switched off (a private window): then the notice comes back on the next page.
  function dismissedFor() {
    try {
      return window.localStorage.getItem(DISMISSED);
    } catch {
      return null;
    }
  }

  function dismiss(zones) {
    try {
      window.localStorage.setItem(DISMISSED, zones);
    } catch {
      // Nothing kept: it is hidden on this page only.
    }
  }

  function setUp(notice) {
    const phone = phoneZone();
    const profile = notice.dataset.profileZone;
    const zones = `${phone} ${profile}`;
    if (!phone || phone === profile || dismissedFor() === zones) {
      return;
    }
    notice.querySelectorAll("[data-phone-zone]").forEach((name) => {
      name.textContent = phone;
    });
    notice.querySelector("[data-phone-zone-field]").value = phone;
    notice.querySelector("[data-zone-notice-dismiss]").addEventListener("click", () => {
      dismiss(zones);
      notice.hidden = true;
      document.getElementById("main")?.focus();
    });
    notice.hidden = false;
  }

  document.querySelectorAll("[data-zone-notice]").forEach(setUp);
})();
