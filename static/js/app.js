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

// Severity scales: say the chosen value in words under the scale, and to screen readers as it changes.
function setUpSeverityScales() {
  document.querySelectorAll("[data-severity-chosen]").forEach((output) => {
    const scale = output.closest("fieldset");
    const update = () => {
      const chosen = scale.querySelector('input[type="radio"]:checked');
      const label = chosen && scale.querySelector(`label[for="${chosen.id}"]`);
      output.textContent = label ? `Your answer: ${chosen.value} out of 10, ${label.dataset.severityWord}.` : "";
    };
    scale.addEventListener("change", update);
    update();
  });
}

// A form sent back with mistakes: bring the keyboard to the summary, and from each of its links to the field.
function setUpErrorSummary() {
  const summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.querySelectorAll('a[href^="#"]').forEach((link) => {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      const field =
        target &&
        (target.querySelector('input[type="radio"]:checked') ||
          target.querySelector('input:not([type="hidden"]), select, textarea'));
      if (field) {
        event.preventDefault();
        target.scrollIntoView({ block: "start" });
        field.focus({ preventScroll: true });
      }
    });
  });
  summary.focus();
}

// A table wider than the screen scrolls in its own box: let the keyboard reach that box (Tab, then the
// arrow keys), and name it after the table, as a region. Tables that fit are left out of the Tab order.
function setUpScrollingTables() {
  const boxes = document.querySelectorAll(".table-responsive");
  const nameOf = (box) => {
    const source =
      box.querySelector("caption") ||
      box.closest("figure")?.querySelector("figcaption") ||
      box.closest("section")?.querySelector("h2, h3");
    return source ? source.textContent.trim().replace(/\s+/g, " ") : "Table";
  };
  const update = () => {
    boxes.forEach((box) => {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${nameOf(box)} (scrolls sideways)`);
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  let pending = false;
  window.addEventListener("resize", () => {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(() => {
        pending = false;
        update();
      });
    }
  });
  document.querySelectorAll("details").forEach((details) => details.addEventListener("toggle", update));
  update();
}

// A text field with a limit (data-limit) says how much of it is used as the patient types or pastes,
// instead of the browser cutting pasted text without a word; the server refuses too long a text.
function setUpTextCounters() {
  for (const field of document.querySelectorAll("textarea[data-limit]")) {
    const limit = Number(field.dataset.limit);
    const counter = document.createElement("p");
    counter.className = "form-text text-counter";
    counter.id = `${field.id}_count`;
    counter.setAttribute("aria-live", "polite");
    field.after(counter);
    field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${counter.id}`.trim());
    const update = () => {
      const over = field.value.length - limit;
      counter.textContent = over > 0
        ? `${field.value.length.toLocaleString()} characters: ${over.toLocaleString()} over the limit of ${limit.toLocaleString()}.`
        : `${field.value.length.toLocaleString()} of ${limit.toLocaleString()} characters.`;
      counter.classList.toggle("text-danger", over > 0);
    };
    field.addEventListener("input", update);
    update();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpTextCounters();
  setUpScrollingTables();
  setUpErrorSummary();
  setUpSeverityScales();
  setUpPrintButtons();
  setUpRoleChoice();
  fillBrowserTimeZone();
});
