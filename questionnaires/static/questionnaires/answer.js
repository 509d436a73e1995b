// Questionnaires: a question asked only after a certain answer (FHIR enableWhen) stays hidden, and out of
// the submitted form, until that answer is chosen. Without this script every question shows, and the
// server drops answers to questions that were not asked.
"use strict";

const TESTS = {
  "=": (answer, value) => answer === value,
  "!=": (answer, value) => answer !== value,
  ">": (answer, value) => answer > value,
  ">=": (answer, value) => answer >= value,
  "<": (answer, value) => answer < value,
  "<=": (answer, value) => answer <= value,
};

function setUpConditionalQuestions() {
  document.querySelectorAll("fieldset[data-enable-when]").forEach((fieldset) => {
    const name = fieldset.dataset.enableWhen;
    const test = TESTS[fieldset.dataset.operator];
    const value = Number(fieldset.dataset.value);
    const radios = document.querySelectorAll(`input[type="radio"][name="${name}"]`);
    if (!test || radios.length === 0) {
      return;
    }
    const update = () => {
      const chosen = document.querySelector(`input[type="radio"][name="${name}"]:checked`);
      const asked = chosen !== null && test(Number(chosen.value), value);
      fieldset.hidden = !asked;
      fieldset.disabled = !asked;
    };
    radios.forEach((radio) => radio.addEventListener("change", update));
    update();
  });
}

document.addEventListener("DOMContentLoaded", setUpConditionalQuestions);
