// The service worker's life cycle, seen from the page: register it, tell the
// app when a new version is waiting, and activate it when the user says so.

export function registerServiceWorker(onUpdateReady) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("/sw.js")
    .then((registration) => {
      // A version already waiting when the page opens.
      if (registration.waiting && navigator.serviceWorker.controller) onUpdateReady();
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        if (!worker) return;
        // The worker's own state, not `registration.waiting`: the browser may
        // tell the page "installed" before it updates the registration, and
        // a prompt missed here would never come (the next check finds the
        // same script and installs nothing).
        const installed = () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) onUpdateReady();
        };
        worker.addEventListener("statechange", installed);
        installed();
      });
      // A page can miss the worker's claim: on a first visit the welcome
      // part loads the page again while the worker installs, and if the
      // worker activates between the old page and the new one, it claims
      // neither. Such a page asks to be claimed, or it would go without the
      // worker (no offline) until the next load.
      navigator.serviceWorker.ready.then((ready) => {
        if (!navigator.serviceWorker.controller && ready.active) ready.active.postMessage({ type: "CLAIM" });
      });
      // Long-lived home-screen sessions still learn of new versions.
      setInterval(() => registration.update().catch(() => {}), 30 * 60 * 1000);
    })
    .catch((error) => console.warn("Qinglian: service worker not registered:", error));
}

export function activateUpdate() {
  navigator.serviceWorker.getRegistration().then((registration) => {
    if (registration && registration.waiting) {
      navigator.serviceWorker.addEventListener("controllerchange", () => window.location.reload(), { once: true });
      registration.waiting.postMessage({ type: "SKIP_WAITING" });
    } else {
      window.location.reload();
    }
  });
}
