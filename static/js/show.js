// The show screen: fetch a freshly signed presentation, draw its QR (byte-mode URL prefix +
// numeric payload, level M), refresh before it expires, keep the screen awake, and say so
// instead of showing a dead code when the phone is offline.
(function () {
  "use strict";
  var box = document.getElementById("show");
  if (!box) return;
  var canvas = document.getElementById("qr");
  var meta = document.getElementById("qr-meta");
  var offline = document.getElementById("qr-offline");
  var problemBox = document.getElementById("qr-problem");
  var timeLabel = document.getElementById("qr-time");
  var countdown = document.getElementById("qr-countdown");
  var refresh = parseInt(box.dataset.refresh, 10) * 1000;
  var current = null; // {expiresAt (local ms), refreshAt (local ms)}
  var timer = null;

  function draw(url) {
    var cut = url.lastIndexOf("/v/") + 3;
    var qr = qrcode(0, "M");
    qr.addData(url.slice(0, cut), "Byte");
    qr.addData(url.slice(cut), "Numeric");
    qr.make();
    var count = qr.getModuleCount();
    var quiet = 4;
    var cell = Math.floor(canvas.width / (count + 2 * quiet));
    var offset = Math.floor((canvas.width - cell * count) / 2);
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#000";
    for (var r = 0; r < count; r++) {
      for (var c = 0; c < count; c++) {
        if (qr.isDark(r, c)) ctx.fillRect(offset + c * cell, offset + r * cell, cell, cell);
      }
    }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function showState() {
    var now = Date.now();
    if (!problemBox.hidden) { // the service said why it cannot make a code: say only that
      canvas.hidden = true;
      meta.hidden = true;
      offline.hidden = true;
    } else if (current && now < current.expiresAt) {
      canvas.hidden = false;
      meta.hidden = false;
      offline.hidden = true;
      countdown.textContent = Math.max(0, Math.ceil((current.refreshAt - now) / 1000));
    } else if (current) {
      canvas.hidden = true;
      meta.hidden = true;
      offline.hidden = false;
    }
  }

  function load() {
    var asked = Date.now();
    fetch(box.dataset.presentationUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.ok) return r.json();
        // The service says why it cannot make a code (e.g. no key to sign it): show its words.
        return r.json().then(function (body) { throw body; }, function () { throw new Error(r.status); });
      })
      .then(function (p) {
        // The phone's clock may be off: count on the server's, read half way through the request.
        var now = Date.now();
        var skew = (asked + now) / 2 - p.now * 1000;
        var issued = new Date(p.issued_at * 1000);
        // Shown until a few seconds before it expires (show_until), then "offline" until a new one:
        // a code on screen verifies even on an inspector's phone a whole clock allowance fast.
        current = { expiresAt: (p.show_until || p.expires_at) * 1000 + skew, refreshAt: now + refresh };
        problemBox.hidden = true;
        draw(p.url);
        timeLabel.textContent = pad(issued.getHours()) + ":" + pad(issued.getMinutes()) + ":" + pad(issued.getSeconds());
        showState();
      })
      .catch(function (problem) {
        // A body with an error code is the service's answer; anything else is the network.
        problemBox.textContent = problem && problem.error && problem.message ? problem.message : "";
        problemBox.hidden = !problemBox.textContent;
        if (current) current.refreshAt = Date.now() + 5000;
        else current = { expiresAt: 0, refreshAt: Date.now() + 15000 };
        showState();
      });
  }

  function tick() {
    if (current && Date.now() >= current.refreshAt) load();
    showState();
  }

  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { keepAwake(); load(); }
  });
  window.addEventListener("online", load);
  keepAwake();
  load();
  timer = setInterval(tick, 1000);
})();
