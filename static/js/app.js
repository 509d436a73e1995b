// CrampApp behaviour that helps but is never required: every page works without it.
"use strict";

// Sign-up: show the clinician-only field only when "clinician" is chosen.
function setUpRoleChoice() {
  const details = document.getElementById("div_id_professional_details");
  const radios = document.querySelectorAll('input[name="role"]');
  if (!details || radios.length === 0) {
    return;
  }
  const update = () => {
    const chosen = document.querySelector('input[name="role"]:checked');
    details.hidden = !chosen || chosen.value !== "clinician";
  };
  radios.forEach((radio) => radio.addEventListener("change", update));
  update();
}

// Sign-up: default the account's time zone to the browser's.
function fillBrowserTimeZone() {
  const field = document.querySelector('input[type="hidden"][name="time_zone"]');
  if (field && !field.value && window.Intl) {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }
}

// Print buttons (the visit report).
function setUpPrintButtons() {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpPrintButtons();
  setUpRoleChoice();
  fillBrowserTimeZone();
});
