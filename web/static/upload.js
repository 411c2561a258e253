// Shows an attachment's upload progress; without script the form posts as it is.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var bar = form.querySelector("progress");
    var request = new XMLHttpRequest();
    bar.hidden = false;
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) { bar.value = Math.round(100 * progress.loaded / progress.total); }
    });
    // The answer is kept for the page, which is opened when the upload is done: the one
    // the answer names (a path of this site), else this one again.
    request.addEventListener("load", function () {
      var next = window.location.pathname;
      try {
        var named = JSON.parse(request.responseText).next;
        if (typeof named === "string" && named.charAt(0) === "/" && named.charAt(1) !== "/") { next = named; }
      } catch (ignored) { /* not JSON: this page again */ }
      window.location.assign(next);
    });
    request.addEventListener("error", function () { form.submit(); });
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.send(new FormData(form));
  });
})();
