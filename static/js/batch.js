// Polls a running batch's progress and reloads the page when it has finished; reloads the page
// while activation notices are being made, until they are ready.
(function () {
  "use strict";
  if (document.querySelector(".generation[data-state='running']")) {
    setTimeout(function () { window.location.reload(); }, 2000);
  }
  var box = document.getElementById("batch");
  if (!box || box.dataset.state !== "running") return;
  var bar = document.getElementById("batch-progress");
  var done = document.getElementById("batch-done");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (p.state !== "running") { window.location.reload(); return; }
        bar.value = p.done;
        done.textContent = p.done;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
