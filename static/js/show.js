// The show screen: fetch a freshly signed presentation, draw its QR (byte-mode URL prefix +
// numeric payload, level M) as large as the rest of the screen allows, refresh it before it
// expires, keep the screen awake, say so instead of showing a dead code when the phone is
// offline, and move a watermark with the time (on the server's clock) every second, so a
// recording or a screenshot is told from the live screen.
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
  var frame = document.getElementById("show-qr");
  var mark = document.getElementById("show-watermark");
  var refresh = parseInt(box.dataset.refresh, 10) * 1000;
  var current = null; // {expiresAt (local ms), refreshAt (local ms)}
  var shownUrl = null;
  // How far the phone's clock is ahead of the server's, in ms: first from the time the page was
  // made, then from each presentation (read half way through its request).
  var skew = Date.now() - parseFloat(box.dataset.now) * 1000 || 0;
  var QUIET = 2; // modules of white drawn around the code; the white card around it adds more
  var SMALLEST = 200; // CSS px: a smaller code is hard to scan from a phone screen
  var BELOW = 30; // CSS px kept under the code for the line saying when it was made

  // The side of the code in CSS px: the frame's width, or the screen's height left under the
  // frame's top when that is less (never below SMALLEST unless the frame is narrower).
  function room() {
    var style = window.getComputedStyle(frame);
    var width = frame.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    var top = frame.getBoundingClientRect().top + (window.pageYOffset || 0);
    var left = window.innerHeight - top - BELOW;
    return Math.max(Math.min(width, left), Math.min(width, SMALLEST));
  }

  function draw(url) {
    shownUrl = url;
    var cut = url.lastIndexOf("/v/") + 3;
    var qr = qrcode(0, "M");
    qr.addData(url.slice(0, cut), "Byte");
    qr.addData(url.slice(cut), "Numeric");
    qr.make();
    var count = qr.getModuleCount();
    // Whole device pixels a module, so every module is as sharp as the screen can draw it.
    var ratio = window.devicePixelRatio || 1;
    var cell = Math.max(1, Math.floor((room() * ratio) / (count + 2 * QUIET)));
    var side = cell * (count + 2 * QUIET);
    canvas.width = side;
    canvas.height = side;
    canvas.style.width = side / ratio + "px";
    canvas.style.height = side / ratio + "px";
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, side, side);
    ctx.fillStyle = "#000";
    for (var r = 0; r < count; r++) {
      for (var c = 0; c < count; c++) {
        if (qr.isDark(r, c)) ctx.fillRect((QUIET + c) * cell, (QUIET + r) * cell, cell, cell);
      }
    }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // 0 → 1 → 0 as x goes from one whole number to the next: a path that bounces between edges.
  function bounce(x) {
    var f = x - Math.floor(x);
    return f < 0.5 ? 2 * f : 2 - 2 * f;
  }

  // The watermark: the server's date and time, moved a step each second (the CSS transition makes
  // the steps a drift) along a path bouncing across the certificate's details.
  function stamp() {
    var now = new Date(Date.now() - skew);
    mark.textContent = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
      " " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    var area = mark.parentNode;
    var seconds = now.getTime() / 1000;
    var x = bounce(seconds / 17) * Math.max(0, area.clientWidth - mark.offsetWidth);
    var y = bounce(seconds / 9) * Math.max(0, area.clientHeight - mark.offsetHeight);
    mark.style.transform = "translate(" + Math.round(x) + "px," + Math.round(y) + "px)";
  }

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
        skew = (asked + now) / 2 - p.now * 1000;
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
    stamp();
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
  window.addEventListener("resize", function () { if (shownUrl) draw(shownUrl); });
  stamp();
  keepAwake();
  load();
  setInterval(tick, 1000);
})();
