// Follow the device's light or dark setting with Bootstrap's colour modes (data-bs-theme).
// Loaded without defer at the top of <head>, so that the first paint already has the right colours.
"use strict";
(function followColorScheme() {
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => document.documentElement.setAttribute("data-bs-theme", dark.matches ? "dark" : "light");
  apply();
  dark.addEventListener("change", apply);
  // Paper is white: print dark text whatever the screen shows.
  window.addEventListener("beforeprint", () => document.documentElement.setAttribute("data-bs-theme", "light"));
  window.addEventListener("afterprint", apply);
})();
