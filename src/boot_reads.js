// What the app reads first, started while the wasm is still compiling. This
// module is evaluated with the app's JavaScript, before the wasm starts, so
// on an installed app these reads run in parallel with the compile instead
// of one after another once the app has mounted:
// - the build's content edition the learner's stored settings name, and its
//   outline (what Today is drawn from first), from the service worker's cache;
// - the edition the bureau's server published in that language and its
//   outline, if kept in Cache Storage (src/storage.rs keeps them there).
// Nothing is started on a first visit (no settings yet). The app takes each
// result once, if it asks for the same thing, and reads for itself
// otherwise; the language rules stay in Rust: this only reads what Rust saved.

// As src/storage.rs names them: the cache of published content, and the
// note of whether it holds any ("0" none, "1" some, absent: not known).
const PUBLISHED_CACHE = "qinglian.published-content";
const PUBLISHED_NOTE = "qinglian.published.kept";

const started = new Map();

/** Keeps `promise` under `key`, handled so an unused or failed read is not
 *  reported as an unhandled rejection (the app still sees the failure). */
function start(key, promise) {
  promise.catch(() => {});
  started.set(key, promise);
}

// Started in the task after this one: the module graph is evaluated and the
// app's start asks for its wasm in this task, and the service worker then
// answers that request first (the wasm is what the start waits on; the
// content is needed only once the app has mounted).
setTimeout(startReads, 0);

function startReads() {
  try {
    const stored = JSON.parse(localStorage.getItem("qinglian.settings") || "null");
    const lang = stored && typeof stored.lang === "string" ? stored.lang : null;
    if (lang && /^[A-Za-z-]{1,16}$/.test(lang)) {
      // Only what the app will ask for: the build's editions when nothing is
      // published, the published ones when something is, both when not known.
      const published = localStorage.getItem(PUBLISHED_NOTE);
      // The edition's outline (what Today shows first) and the whole edition.
      // Read to the end here too, as bytes: the app parses them as they are,
      // where text would be decoded into a JavaScript string and encoded back
      // (a quarter of a second for a large pack on a slow phone).
      if (published !== "1") {
        for (const url of [`/content/outline.${lang}.json`, `/content/pack.${lang}.json`]) {
          start(url, fetch(url).then((response) => (response.ok ? response.arrayBuffer() : Promise.reject({ status: response.status }))));
        }
      }
      if (published !== "0" && typeof caches !== "undefined") {
        for (const path of [`/published/outline.${lang}.json`, `/published/pack.${lang}.json`]) {
          start(
            path,
            caches
              .open(PUBLISHED_CACHE)
              .then((cache) => cache.match(path))
              .then((response) => (response ? response.arrayBuffer() : null))
          );
        }
      }
    }
  } catch (_) {
    // No storage, unreadable settings: the app reads for itself.
  }
}

/** The read started at boot for `key`, once: a Promise (of the bytes, an
 *  ArrayBuffer, for a content URL, rejected with `{status}` when the server
 *  answered with an error; of the kept bytes or null for a published path);
 *  else undefined. */
export function takeStarted(key) {
  const promise = started.get(key);
  started.delete(key);
  return promise;
}
