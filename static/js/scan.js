// The inspector's scanner: camera frames → zxing-wasm → the offline verifier with the keys, the
// signed key-status document and the status lists cached on this device; when online, the server
// is asked too.
(function () {
  "use strict";
  var box = document.getElementById("scan");
  if (!box) return;
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var words = {};
  document.getElementById("words").content.querySelectorAll("span").forEach(function (s) {
    words[s.dataset.key] = s.textContent;
  });
  var CACHE = "rtc-trust";
  var lastText = null;

  ZXingWASM.prepareZXingModule({
    overrides: { locateFile: function (path, prefix) { return path.endsWith(".wasm") ? box.dataset.wasm : prefix + path; } },
    fireImmediately: true
  });

  function readCache() {
    try { return JSON.parse(localStorage.getItem(CACHE)); } catch (e) { return null; }
  }
  function refreshTrust() {
    var fetchedAt = Date.now();
    return Promise.all([fetch(box.dataset.jwks).then(function (r) { return r.json(); }),
                        fetch(box.dataset.issuers).then(function (r) { return r.json(); }),
                        fetch(box.dataset.keyStatus).then(function (r) { if (!r.ok) throw new Error("no key-status"); return r.text(); })])
      .then(function (docs) {
        var listed = docs[1].issuers.filter(function (i) { return i.status_list; });  // issuing authorities
        return Promise.all(listed.map(function (i) {
          return fetch(new URL(i.status_list).pathname).then(function (r) { return r.ok ? r.text() : null; });
        })).then(function (tokens) {
          var trust = { jwks: docs[0], issuers: docs[1], keyStatus: docs[2].trim(), tokens: tokens.filter(Boolean), fetchedAt: fetchedAt };
          localStorage.setItem(CACHE, JSON.stringify(trust));
          return trust;
        });
      })
      .catch(function () { return readCache(); });
  }
  function showAge(trust) {
    var label = document.getElementById("cache-age");
    if (!trust) { label.textContent = words["no-cache"]; return; }
    label.textContent = words.age.replace("{m}", Math.floor((Date.now() - trust.fetchedAt) / 60000));
  }

  function show(verdict, trust) {
    var panel = document.getElementById("verdict");
    var severity = verdict.valid ? "good" : (["stale_presentation", "clock_skew", "status_unavailable"].indexOf(verdict.reason) >= 0 ? "warn" : "bad");
    panel.className = "verdict verdict-" + severity;
    panel.hidden = false;
    document.getElementById("verdict-word").textContent = verdict.valid ? words.valid : (severity === "warn" ? words.warn : words.invalid);
    document.getElementById("verdict-reason").textContent = words["reason-" + (verdict.valid ? "valid" : verdict.reason)] || verdict.reason;
    document.getElementById("verdict-holder").textContent = verdict.valid ? verdict.holder.name + " · " + verdict.holder.id : "";
    document.getElementById("verdict-server").textContent = words.offline;
    var record = document.getElementById("verdict-record");  // only for a signed-in inspector
    if (record) record.hidden = true;
    if (navigator.onLine) {
      fetch(box.dataset.api, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ payload: lastText }) })
        .then(function (r) { return r.json(); })
        .then(function (server) {
          var same = server.valid === verdict.valid && (server.valid || server.reason === verdict.reason);
          document.getElementById("verdict-server").textContent = same ? words.online : words["server-differs"] + " " + server.message;
          // The full record (whose certificate, and why it is not valid) exists only online: the
          // verify page looks it up and logs the view. Offered for a genuine code, valid or not.
          if (record && record.dataset.verdicts.split(" ").indexOf(server.valid ? "valid" : server.reason) >= 0) {
            record.href = record.dataset.base + RtcVerifier.extract(lastText)[1];  // a genuine code: it parses
            record.hidden = false;
          }
        }).catch(function () {});
    }
  }

  function handle(text, trust) {
    if (text === lastText) return;
    lastText = text;
    RtcVerifier.verify(text, { jwks: trust ? trust.jwks : { keys: [] }, keyStatus: trust ? trust.keyStatus : undefined,
                               statusTokens: trust ? trust.tokens : [],
                               legacyLayoutUntil: trust && trust.issuers ? trust.issuers.legacy_layout_until : undefined })
      .then(function (verdict) { box.dataset.lastMs = String(performance.now()); show(verdict, trust); });
  }

  function scanLoop(trust) {
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    function tick() {
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        ZXingWASM.readBarcodes(ctx.getImageData(0, 0, canvas.width, canvas.height), { formats: ["QRCode"], tryHarder: true })
          .then(function (results) { if (results.length) handle(results[0].text, trust); })
          .finally(function () { setTimeout(tick, 150); });
      } else {
        setTimeout(tick, 150);
      }
    }
    tick();
  }

  // Without a camera: a photo of the code, decoded here like a camera frame.
  document.getElementById("photo").addEventListener("change", function (event) {
    var file = event.target.files[0];
    var hint = document.getElementById("photo-hint");
    hint.textContent = "";
    if (!file) return;
    ZXingWASM.readBarcodes(file, { formats: ["QRCode"], tryHarder: true })
      .then(function (results) {
        if (!results.length) { hint.textContent = words["no-code"]; return; }
        lastText = null;  // the same code again is checked again
        trustReady.then(function (trust) { handle(results[0].text, trust); });
      })
      .catch(function () { hint.textContent = words["no-code"]; });
  });
  function noCamera() {
    document.getElementById("scan-hint").textContent = words["no-camera"];
    video.hidden = true;
  }

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(function () {});
  var cached = readCache();
  showAge(cached);
  var trustReady = navigator.onLine ? refreshTrust() : Promise.resolve(cached);
  trustReady.then(function (trust) {
    showAge(trust);
    setInterval(function () { showAge(trust); }, 30000);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("no camera");
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) { video.srcObject = stream; return video.play(); })
      .then(function () { scanLoop(trust); });
  }).catch(noCamera);
})();
