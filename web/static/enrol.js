// Enrol and cancel without leaving the page. Without this script the same forms post
// and come back to the page; with it they post asking for JSON and the answer (the API's,
// with the seat count read after it) is shown in place. A button is disabled while its
// request is out, and pressing twice is safe anyway: the second answer says "already".
(function () {
  "use strict";
  var answer = document.getElementById("enrolment-answer");
  var seats = document.getElementById("seats");
  var waiting = document.getElementById("waiting");
  var enrolForm = document.querySelector("form[data-enrol]");
  var cancelForm = document.querySelector("form[data-cancel]");
  if (!answer || !enrolForm || !cancelForm || !window.fetch) { return; }

  function show(outcome) {
    answer.textContent = outcome.message;
    answer.className = "answer " + (outcome.ok ? "ok" : "problem");
    if (seats && typeof outcome.seats_left === "number") {
      seats.textContent = seats.getAttribute("data-template")
        .replace("{left}", outcome.seats_left).replace("{capacity}", seats.getAttribute("data-capacity"));
    }
    if (waiting && typeof outcome.waitlisted === "number") {
      waiting.textContent = ", " + waiting.getAttribute("data-template").replace("{count}", outcome.waitlisted);
      waiting.hidden = outcome.waitlisted === 0;
    }
    enrolForm.hidden = outcome.enrolled_now;
    cancelForm.hidden = !outcome.enrolled_now;
    (outcome.enrolled_now ? cancelForm : enrolForm).querySelector("button").focus();
  }

  function send(form) {
    var button = form.querySelector("button");
    if (button.disabled) { return; }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if (result.status === 401 && result.body.sign_in) { window.location = result.body.sign_in; return; }
        show(result.body);
      })
      .catch(function () { form.submit(); })  // no JSON: let the page answer instead
      .then(function () { button.disabled = false; button.removeAttribute("aria-busy"); });
  }

  [enrolForm, cancelForm].forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); send(form); });
  });
})();
