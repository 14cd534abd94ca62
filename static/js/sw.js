// Service worker for the scanner: the page and its scripts load with no network.
var CACHE = "rtc-scanner-v1";
var SHELL = ["/scan", "/static/css/app.css", "/static/js/scan.js", "/static/js/verifier.js",
             "/static/vendor/zxing-wasm/zxing-reader.js", "/static/vendor/zxing-wasm/zxing_reader.wasm"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || SHELL.indexOf(url.pathname) < 0) return;
  // Network first (fresh when online), the cached copy when offline.
  event.respondWith(fetch(event.request).then(function (response) {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(event.request, copy); });
    return response;
  }).catch(function () { return caches.match(event.request); }));
});
