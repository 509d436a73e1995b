// The tally form's number choosers: one fewer, one more, or a number from 1 to 10 in one tap.
// Without JavaScript the controls stay hidden and the number is typed.
document.addEventListener("DOMContentLoaded", () => {
  for (const controls of document.querySelectorAll("[data-count-controls]")) {
    const input = document.getElementById(controls.dataset.countControls);
    if (!input) continue;
    controls.hidden = false;
    controls.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const min = Number(input.min || 0);
      const max = Number(input.max || 200);
      const current = Number.parseInt(input.value, 10);
      let value;
      if (button.dataset.countSet) {
        value = Number(button.dataset.countSet);
      } else if (Number.isNaN(current)) {
        // An empty count: "one more" means one (three taps, three), "one fewer" the lowest.
        value = Number(button.dataset.countStep) > 0 ? Math.max(min, 1) : min;
      } else {
        value = current + Number(button.dataset.countStep);
      }
      input.value = String(Math.min(max, Math.max(min, value)));
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
});
