// Notifications on this device (notifications/, the Reminders page). Turning them on asks the browser's
// permission, subscribes through the service worker (pwa/sw.js shows what arrives) with the server's VAPID
// public key, and sends the subscription to the server; turning them off does the reverse. On every page,
// signing out turns them off on this device first, so that a shared phone does not show the next person
// someone else's medicines. Without this script, a service worker or the Push API, reminders come by e-mail.
"use strict";

(() => {
  const CSRF_COOKIE = "csrftoken";
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const panel = document.querySelector("[data-push]");
  // This browser's subscription as last seen, for signing out.
  let deviceSubscription = null;

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith(`${CSRF_COOKIE}=`));
    return cookie ? decodeURIComponent(cookie.slice(CSRF_COOKIE.length + 1)) : "";
  }

  // The VAPID public key (base64url text) as the bytes pushManager.subscribe() takes.
  function keyBytes(text) {
    const base64 = (text + "=".repeat((4 - (text.length % 4)) % 4)).replaceAll("-", "+").replaceAll("_", "/");
    return Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  }

  async function currentSubscription() {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration ? registration.pushManager.getSubscription() : null;
  }

  async function tell(url, subscription) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      // A redirect here is the log-in page: the session has ended.
      redirect: "error",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw new Error(answer.error || "The server did not answer.");
    }
  }

  function setUpPanel() {
    const status = panel.querySelector("[data-push-status]");
    const onButton = panel.querySelector("[data-push-on]");
    const offButton = panel.querySelector("[data-push-off]");

    const show = (text, subscribed) => {
      status.textContent = text;
      onButton.hidden = subscribed !== false;
      offButton.hidden = subscribed !== true;
    };

    const turnOn = async () => {
      onButton.disabled = true;
      try {
        if ((await Notification.requestPermission()) !== "granted") {
          show("Notifications were not allowed. You can allow them for this site in the browser's settings.", false);
          return;
        }
        await navigator.serviceWorker.register("/sw.js");
        const registration = await navigator.serviceWorker.ready;
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(panel.dataset.vapidPublicKey),
        });
        await tell(panel.dataset.saveUrl, subscription);
        deviceSubscription = subscription;
        show("Notifications are on for this device.", true);
      } catch (error) {
        show(`Notifications could not be turned on: ${error.message} Please try again.`, false);
      } finally {
        onButton.disabled = false;
      }
    };

    const turnOff = async () => {
      offButton.disabled = true;
      try {
        const subscription = await currentSubscription();
        if (subscription) {
          await tell(panel.dataset.deleteUrl, subscription);
          await subscription.unsubscribe();
        }
        deviceSubscription = null;
        show("Notifications are off for this device.", false);
      } catch (error) {
        show(`Notifications could not be turned off: ${error.message} Please try again.`, true);
      } finally {
        offButton.disabled = false;
      }
    };

    onButton.addEventListener("click", turnOn);
    offButton.addEventListener("click", turnOff);

    if (!supported) {
      show("This browser cannot show notifications from CrampApp. On a phone, add CrampApp to your home screen first.");
    } else if (Notification.permission === "denied") {
      show("Notifications are blocked for CrampApp in this browser's settings. Allow them there, then reload this page.");
    } else {
      currentSubscription()
        .then(async (subscription) => {
          if (subscription && Notification.permission === "granted") {
            // The browser may have renewed it since: the server keeps the latest.
            await tell(panel.dataset.saveUrl, subscription);
            show("Notifications are on for this device.", true);
          } else {
            show("Notifications are off for this device.", false);
          }
        })
        .catch(() => show("Notifications are off for this device.", false));
    }
  }

  // Signing out: unsubscribe this browser first. Its push service then answers the server's next reminder with
  // "gone", and the server forgets it.
  function setUpSignOut() {
    currentSubscription()
      .then((found) => {
        deviceSubscription = deviceSubscription || found;
      })
      .catch(() => undefined);
    document.querySelectorAll("form[data-sign-out]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!deviceSubscription) {
          return;
        }
        event.preventDefault();
        deviceSubscription
          .unsubscribe()
          .catch(() => undefined)
          .finally(() => form.submit());
      });
    });
  }

  if (panel) {
    setUpPanel();
  }
  if (supported) {
    setUpSignOut();
  }
})();
