// The body map on the full cramp form: tapping (or Space or Enter on) a region ticks the checkbox of that place and
// side, and the map shows what is ticked. The checkboxes stay the form's inputs: without this script the map stays
// hidden and nothing is lost.
"use strict";

function setUpBodyPick() {
  const pick = document.querySelector("[data-body-pick]");
  if (!pick) {
    return;
  }
  const form = pick.closest("form");
  const toggle = pick.querySelector("[data-body-pick-toggle]");
  const map = document.getElementById(toggle.getAttribute("aria-controls"));
  const regions = pick.querySelectorAll("[data-value]");
  const boxes = new Map(
    Array.from(form.querySelectorAll('input[name="locations"]'), (box) => [box.value, box]),
  );

  const show = () => {
    regions.forEach((region) => {
      const box = boxes.get(region.dataset.value);
      const picked = Boolean(box && box.checked);
      region.setAttribute("aria-checked", String(picked));
      region.classList.toggle("picked", picked);
    });
  };
  const flip = (region) => {
    const box = boxes.get(region.dataset.value);
    if (!box) {
      return;
    }
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  };

  regions.forEach((region) => {
    region.addEventListener("click", () => flip(region));
    region.addEventListener("keydown", (event) => {
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        flip(region);
      }
    });
  });
  form.addEventListener("change", show);
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    map.hidden = !open;
  });
  pick.hidden = false;
  show();
}

document.addEventListener("DOMContentLoaded", setUpBodyPick);
