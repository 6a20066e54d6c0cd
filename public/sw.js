// Qinglian's service worker. `cargo xtask post-build` puts BUILD (the build's
// hash), PRECACHE (every file of the build, the study and bureau parts of the
// app; not the first visit's welcome part, which it never needs), STUDY_FIRST
// (those the study part opens with), BUREAU_PATHS and BUREAU_SHELL (the bureau
// part's pages and its HTML) above this line.
//
// - install: cache every file of the build under a cache named by BUILD,
//   STUDY_FIRST before the rest: on a first visit this runs while the learner
//   answers the welcome, and the study part is what opens next (the browser
//   keeps what is downloaded here in its HTTP cache too, so the page load
//   after the welcome finds it even before the worker takes over);
// - activate: delete the caches of older builds, take control of open pages
//   (and of a page that asks, having missed that);
// - navigations: answered with the cached HTML of the part of the app that
//   shows that page (index.html, or bureau.html for the bureau part's pages;
//   each part routes itself), so the app opens with no network at all;
// - /api/: never cached, always the network;
// - a new version waits until the page asks it to take over (SKIP_WAITING).

const CACHE = `qinglian-${BUILD}`;
const SHELL = "/index.html";

/** The HTML that starts the part of the app showing the page at `path`. */
function shellFor(path) {
  const bureau = BUREAU_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return bureau ? BUREAU_SHELL : SHELL;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      const add = (urls) => cache.addAll(urls.map((url) => new Request(url, { cache: "reload" })));
      await add(PRECACHE.filter((url) => STUDY_FIRST.includes(url)));
      await add(PRECACHE.filter((url) => !STUDY_FIRST.includes(url)));
    })
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("qinglian-") && name !== CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
  // A page that missed the claim on activation (see src/pwa.js).
  if (event.data && event.data.type === "CLAIM") event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return;

  if (request.mode === "navigate") {
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(shellFor(url.pathname)))
        .then((cached) => cached || fetch(request))
    );
    return;
  }

  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(request))
      .then((cached) => cached || fetch(request))
  );
});
