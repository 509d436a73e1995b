// CrampApp's service worker, served from the site root (WHITENOISE_ROOT) so that it covers every page.
//
// Pages are never cached: they carry a patient's data, and a phone may be shared. They always come
// from the network; when there is none, the offline page answers instead. The cache holds only that
// page (fetched without cookies, so it belongs to nobody) and the static files it links to, which
// are the ones the dashboard's quick log needs (static/js/offline-log.js keeps cramps on the device).
//
// It also shows the reminders the server sends as notifications (notifications/sender.py, turned on by
// static/js/push.js): each push is JSON {title, body, url, tag}, and a tap opens its url, on this site only.
"use strict";

// Change the version when this file or the offline page changes: activation drops older caches.
const CACHE = "crampapp-v2";
const OFFLINE_URL = "/offline/";
// The files the offline page links to: static files, the manifest and the icons at the root.
const LINKED_FILE = /(?:href|src)="(\/(?:static\/|icons\/|manifest\.webmanifest)[^"]*)"/g;
const NOTIFICATION_ICON = "/icons/icon-192.png";

function isKeptFile(url) {
  return url.pathname.startsWith("/static/") || url.pathname.startsWith("/icons/") || url.pathname === "/manifest.webmanifest";
}

async function precache() {
  const response = await fetch(OFFLINE_URL, { credentials: "omit", cache: "no-store" });
  if (!response.ok) {
    throw new Error(`${OFFLINE_URL} answered ${response.status}`);
  }
  const html = await response.text();
  const files = [...new Set([...html.matchAll(LINKED_FILE)].map((match) => match[1].replaceAll("&amp;", "&")))];
  const cache = await caches.open(CACHE);
  await cache.addAll(files);
  // A fresh response with the page's own headers, its Content Security Policy included.
  await cache.put(OFFLINE_URL, new Response(html, { status: 200, headers: response.headers }));
}

async function offlinePage() {
  const cached = await caches.match(OFFLINE_URL, { ignoreVary: true });
  return cached || Response.error();
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// The page asks for a fresh copy after it has emptied the caches (someone signed out).
self.addEventListener("message", (event) => {
  if (event.data === "precache") {
    event.waitUntil(precache().catch(() => undefined));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
  } else if (isKeptFile(url)) {
    // The network (and the browser's own HTTP cache) first, so that a new release is never hidden.
    event.respondWith(
      fetch(request).catch(() => caches.match(request).then((cached) => cached || Response.error())),
    );
  }
});

// A page of this site for a notification to open: its own url when that is one, the home page otherwise.
function pageOnThisSite(value) {
  const home = new URL("/", self.location.origin).href;
  if (typeof value !== "string") {
    return home;
  }
  try {
    const url = new URL(value, self.location.origin);
    return url.origin === self.location.origin ? url.href : home;
  } catch {
    return home;
  }
}

function textOf(value, fallback) {
  return typeof value === "string" && value ? value : fallback;
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const options = {
    body: textOf(message.body, ""),
    icon: NOTIFICATION_ICON,
    data: { url: pageOnThisSite(message.url) },
  };
  if (textOf(message.tag, "")) {
    options.tag = message.tag;
  }
  event.waitUntil(self.registration.showNotification(textOf(message.title, "CrampApp"), options));
});

// One tap: the page the notification names, in a window already showing it, or a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = pageOnThisSite(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const showing = windows.find((client) => client.url === url);
      return showing ? showing.focus() : self.clients.openWindow(url);
    }),
  );
});
