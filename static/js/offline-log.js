// CrampApp without a connection. Installs the service worker (pwa/sw.js, which shows the offline
// page), and keeps quick logs made offline on this device (IndexedDB) until they can be sent to
// the sync endpoint, one JSON entry at a time. Each entry carries its own id, so sending it again
// never stores a second cramp, and the moment it was tapped with the phone's time zone, so it keeps the
// time of the cramp.
// Without this script, a service worker or IndexedDB, the quick log is an ordinary form.
"use strict";

(() => {
  const DATABASE = "crampapp-offline";
  const ENTRIES = "entries";
  const SETTINGS = "settings";
  // The patient last signed in on this device: the offline page, which belongs to nobody, logs for them.
  const LAST_PATIENT = "patient";
  const CSRF_COOKIE = "csrftoken";
  // Taps closer together than this are one tap (a double tap, or a cramping hand).
  const TAP_PAUSE_MS = 700;
  // A second tap this soon after a kept one asks whether it is another cramp before keeping it.
  const ANOTHER_CRAMP_MS = 5000;
  // A connection that has just come back often needs a moment before the site answers.
  const REOPEN_DELAY_MS = 1500;
  const RETRY_DELAYS_MS = [5000, 20000, 60000];

  const onOfflinePage = document.querySelector("[data-offline-shell]") !== null;
  let sending = false;

  function registerServiceWorker() {
    if ("serviceWorker" in navigator) {
      // Without a worker the site works as before; only the offline page is missing.
      navigator.serviceWorker.register("/sw.js").catch(() => undefined);
    }
  }

  // The caches hold nobody's data, but after signing out nothing of the last visit is kept.
  async function emptyCaches() {
    if (!window.caches) {
      return;
    }
    const names = await caches.keys();
    await Promise.all(names.map((name) => caches.delete(name)));
    const registration = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : null;
    if (registration && registration.active) {
      registration.active.postMessage("precache");
    }
  }

  function openDatabase() {
    return new Promise((resolve, reject) => {
      let request;
      try {
        request = window.indexedDB.open(DATABASE, 1);
      } catch (error) {
        reject(error);
        return;
      }
      request.onupgradeneeded = () => {
        request.result.createObjectStore(ENTRIES, { keyPath: "client_id" });
        request.result.createObjectStore(SETTINGS);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("The offline store is in use by an older page."));
    });
  }

  function inStore(db, name, mode, operate) {
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(name, mode);
      const request = operate(transaction.objectStore(name));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  const allEntries = (db) => inStore(db, ENTRIES, "readonly", (store) => store.getAll());
  const keepEntry = (db, entry) => inStore(db, ENTRIES, "readwrite", (store) => store.put(entry));
  const dropEntry = (db, id) => inStore(db, ENTRIES, "readwrite", (store) => store.delete(id));
  const readSetting = (db, key) => inStore(db, SETTINGS, "readonly", (store) => store.get(key));
  const writeSetting = (db, key, value) =>
    inStore(db, SETTINGS, "readwrite", (store) => (value === undefined ? store.delete(key) : store.put(value, key)));

  function signedInPatient() {
    const meta = document.querySelector('meta[name="crampapp-patient"]');
    return meta ? { id: Number(meta.content), syncUrl: meta.dataset.syncUrl } : null;
  }

  // Whose cramps this page keeps and sends: the signed-in patient's, or on the offline page those
  // of the patient last signed in here. Entries of anyone else stay hidden and unsent.
  async function patientFor(db) {
    const last = await readSetting(db, LAST_PATIENT);
    if (onOfflinePage) {
      return last;
    }
    const patient = signedInPatient();
    const current = patient ? patient.id : undefined;
    if (current !== last) {
      await writeSetting(db, LAST_PATIENT, current);
      if (last !== undefined) {
        await emptyCaches();
      }
    }
    return current;
  }

  function newId() {
    if (window.crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const field = document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (field) {
      return field.value;
    }
    const cookie = document.cookie.split("; ").find((part) => part.startsWith(`${CSRF_COOKIE}=`));
    return cookie ? decodeURIComponent(cookie.slice(CSRF_COOKIE.length + 1)) : "";
  }

  function say(text) {
    const status = document.querySelector("[data-offline-status]");
    if (status) {
      status.textContent = text;
    }
  }

  // A moment as the pages write it ("Tue 8 Dec 2026, 00:12", crampapp/dates.py), whatever the phone's language.
  const MOMENT_PARTS = new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });

  function whenText(isoTime) {
    const part = Object.fromEntries(
      MOMENT_PARTS.formatToParts(new Date(isoTime)).map(({ type, value }) => [type, value]),
    );
    return `${part.weekday} ${part.day} ${part.month} ${part.year}, ${part.hour}:${part.minute}`;
  }

  function phoneZone() {
    return (window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || null;
  }

  function reasonOf(entry) {
    const reasons = Object.values(entry.errors || {}).flat();
    return reasons.length ? reasons.join(" ") : entry.message;
  }

  function entryItem(db, patient, entry, fullFormUrl) {
    const item = document.createElement("li");
    item.className = "list-group-item";
    const summary = document.createElement("p");
    summary.className = "mb-1";
    summary.textContent = `Severity ${entry.severity} out of 10, ${whenText(entry.started_at)}`;
    if (entry.place) {
      summary.textContent += `, ${entry.place}`;
    }
    const state = document.createElement("p");
    item.append(summary, state);
    if (entry.state !== "refused") {
      state.className = "mb-0 text-body-secondary";
      state.textContent = "Waiting to send";
      return item;
    }
    state.className = "mb-2 text-danger-emphasis";
    state.textContent = `Not saved: ${reasonOf(entry)}`;
    const actions = document.createElement("div");
    actions.className = "d-flex flex-wrap gap-2";
    const fullForm = document.createElement("a");
    fullForm.className = "btn btn-outline-primary";
    fullForm.href = fullFormUrl;
    fullForm.textContent = "Log it with the full form";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-outline-secondary";
    discard.textContent = "Discard";
    discard.addEventListener("click", () => {
      dropEntry(db, entry.client_id)
        .then(() => showEntries(db, patient))
        .then(() => say("The entry was discarded."))
        .catch(() => undefined);
    });
    actions.append(fullForm, discard);
    item.append(actions);
    return item;
  }

  async function showEntries(db, patient) {
    const box = document.querySelector("[data-offline-queue]");
    if (!box) {
      return;
    }
    const entries = (await allEntries(db))
      .filter((entry) => entry.patient === patient)
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
    const items = entries.map((entry) => entryItem(db, patient, entry, box.dataset.fullFormUrl));
    box.querySelector("ul").replaceChildren(...items);
    box.hidden = entries.length === 0;
  }

  // Sends one entry. Returns "saved", "later" (no connection, signed out, server trouble), or the refusal.
  async function send(syncUrl, entry) {
    let response;
    try {
      response = await fetch(syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({
          client_id: entry.client_id,
          patient: entry.patient,
          started_at: entry.started_at,
          severity: entry.severity,
          location: entry.location,
          time_zone: entry.time_zone || null,
        }),
      });
    } catch {
      return "later";
    }
    const isJson = (response.headers.get("Content-Type") || "").startsWith("application/json");
    const answer = isJson ? await response.json().catch(() => null) : null;
    if (!answer || response.status === 401 || response.status >= 500) {
      return "later";
    }
    if (response.ok) {
      return "saved";
    }
    return { message: answer.message, errors: answer.errors || {} };
  }

  // The page's figures (the dashboard's check-in, day strip, counts and recent cramps: [data-live-region]),
  // drawn again by the server once cramps kept on the device are saved, without reloading the page.
  async function refreshFigures() {
    const regions = document.querySelectorAll("[data-live-region]");
    if (regions.length === 0) {
      return;
    }
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) {
      return;
    }
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const region of regions) {
      const drawn = fresh.querySelector(`[data-live-region="${region.dataset.liveRegion}"]`);
      if (drawn) {
        region.replaceWith(document.importNode(drawn, true));
      }
    }
  }

  // Sends the patient's waiting entries in order. Returns true when some could not be sent yet.
  async function sendWaiting(db, patient) {
    const signedIn = signedInPatient();
    if (sending || !signedIn || signedIn.id !== patient || !navigator.onLine) {
      return false;
    }
    sending = true;
    let sent = 0;
    let refused = 0;
    let stuck = false;
    try {
      const waiting = (await allEntries(db)).filter((entry) => entry.patient === patient && entry.state === "waiting");
      for (const entry of waiting) {
        const outcome = await send(signedIn.syncUrl, entry);
        if (outcome === "later") {
          stuck = true;
          break;
        }
        if (outcome === "saved") {
          await dropEntry(db, entry.client_id);
          sent += 1;
        } else {
          await keepEntry(db, { ...entry, state: "refused", message: outcome.message, errors: outcome.errors });
          refused += 1;
        }
      }
    } finally {
      sending = false;
    }
    if (sent || refused) {
      const parts = [];
      if (sent) {
        parts.push(`${sent} cramp${sent === 1 ? "" : "s"} kept on this device ${sent === 1 ? "was" : "were"} sent and saved.`);
      }
      if (refused) {
        parts.push(`${refused} could not be saved: see why below.`);
      }
      say(parts.join(" "));
      await showEntries(db, patient);
      if (sent && !onOfflinePage) {
        await refreshFigures().catch(() => undefined);
      }
    }
    return stuck;
  }

  function setUpQuickLog(db, patient) {
    const form = document.querySelector("form[data-offline-log]");
    if (!form) {
      return;
    }
    const section = document.querySelector("[data-offline-log-section]");
    if (section) {
      section.hidden = false;
    }
    const buttons = form.querySelector(".severity-options");
    const again = document.querySelector("[data-offline-again]");
    let paused = false;
    let lastKeptAt = 0;
    let pending = null;

    const keep = (entry) =>
      keepEntry(db, entry)
        .then(() => {
          lastKeptAt = Date.now();
          say(`Kept on this device: severity ${entry.severity}. It will be sent when you are back online.`);
          const place = form.elements.namedItem("location");
          if (place) {
            place.value = "";
          }
          return showEntries(db, patient);
        })
        .catch(() => say("This cramp could not be kept on this device. Try again when you are back online."));

    const closeAgain = () => {
      pending = null;
      again.hidden = true;
    };
    if (again) {
      again.querySelector("[data-offline-again-yes]").addEventListener("click", () => {
        const entry = pending;
        closeAgain();
        if (entry) {
          keep(entry);
        }
      });
      again.querySelector("[data-offline-again-no]").addEventListener("click", () => {
        closeAgain();
        say("Not logged again: that tap was the same cramp.");
      });
    }

    form.addEventListener("submit", (event) => {
      // Online, the ordinary form is sent; the offline page has no connection by definition.
      if (navigator.onLine && !onOfflinePage) {
        return;
      }
      event.preventDefault();
      const button = event.submitter;
      if (paused || !button || button.name !== "severity") {
        return;
      }
      paused = true;
      buttons.setAttribute("aria-disabled", "true");
      setTimeout(() => {
        paused = false;
        buttons.removeAttribute("aria-disabled");
      }, TAP_PAUSE_MS);
      const place = form.elements.namedItem("location");
      const entry = {
        client_id: newId(),
        patient,
        // The moment of the tap, with its offset (UTC): the time of the cramp, not of the upload; and the
        // phone's zone then, so that the cramp keeps the local time it happened at.
        started_at: new Date().toISOString(),
        time_zone: phoneZone(),
        severity: Number(button.value),
        location: place && place.value ? place.value : null,
        place: place && place.value ? place.selectedOptions[0].textContent : "",
        state: "waiting",
      };
      const since = Date.now() - lastKeptAt;
      if (again && since < ANOTHER_CRAMP_MS) {
        // Two taps a moment apart are more often one cramp than two: ask before keeping the second.
        pending = entry;
        again.querySelector("[data-offline-again-text]").textContent =
          `You logged a cramp ${Math.max(1, Math.round(since / 1000))} s ago. Log another one, severity ${entry.severity}?`;
        again.hidden = false;
        again.querySelector("[data-offline-again-yes]").focus();
        return;
      }
      keep(entry);
    });
    // From now on a tap without a connection is kept on the device.
    form.dataset.offline = "ready";
  }

  // On the offline page, once the connection is back: open the page that was asked for.
  function reopenWhenOnline() {
    say("You are back online. Opening the page…");
    setTimeout(() => {
      if (window.location.pathname === "/offline/") {
        window.location.assign("/");
      } else {
        window.location.reload();
      }
    }, REOPEN_DELAY_MS);
  }

  async function start() {
    registerServiceWorker();
    if (onOfflinePage) {
      window.addEventListener("online", reopenWhenOnline);
    }
    let db;
    try {
      db = await openDatabase();
    } catch {
      return; // No IndexedDB (or it is switched off): the quick log stays an ordinary form.
    }
    const patient = await patientFor(db);
    if (patient === undefined) {
      return;
    }
    setUpQuickLog(db, patient);
    await showEntries(db, patient);
    if (onOfflinePage) {
      return;
    }
    let retries = 0;
    const sendNow = () =>
      sendWaiting(db, patient)
        .then((stuck) => {
          // The site did not answer: try a few more times, further apart, while the page is open.
          retries = stuck ? retries + 1 : 0;
          if (stuck && retries <= RETRY_DELAYS_MS.length) {
            setTimeout(sendNow, RETRY_DELAYS_MS[retries - 1]);
          }
        })
        .catch(() => undefined);
    window.addEventListener("online", () => setTimeout(sendNow, REOPEN_DELAY_MS));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        sendNow();
      }
    });
    sendNow();
  }

  // A tap on the quick log is a new cramp. Back (or Forward) to a page shows it as it was, with the key
  // (client_id) of a tap the server has saved already: the next tap would be taken for that one and not
  // stored. Shown again from the browser's history, the form gets a new key.
  function renewQuickLogKey(event) {
    const [navigation] = performance.getEntriesByType("navigation");
    if (!event.persisted && !(navigation && navigation.type === "back_forward")) {
      return;
    }
    const key = document.querySelector('form[data-offline-log] input[name="client_id"]');
    if (key) {
      key.value = newId();
    }
  }

  window.addEventListener("pageshow", renewQuickLogKey);
  start().catch(() => undefined);
})();
