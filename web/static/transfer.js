// Follows an uploaded file's processing on its page; without script the page has a link
// to refresh it. When the file is done (or failed) the page is opened again, with its report.
(function () {
  "use strict";
  var box = document.querySelector("[data-follow]");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("upload-progress");
  var rows = document.getElementById("upload-rows");
  var state = document.getElementById("upload-state");
  function follow() {
    fetch(box.getAttribute("data-follow"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (upload) {
        if (!upload) { return; }
        if (upload.status !== "queued" && upload.status !== "processing") {
          window.location.reload();
          return;
        }
        bar.max = Math.max(upload.rows_total || 1, 1);
        bar.value = upload.rows_done || 0;
        rows.textContent = (upload.rows_done || 0) + " / " + (upload.rows_total || 0);
        state.textContent = upload.said;
        window.setTimeout(follow, 3000);
      })
      .catch(function () { window.setTimeout(follow, 10000); });
  }
  window.setTimeout(follow, 3000);
})();
