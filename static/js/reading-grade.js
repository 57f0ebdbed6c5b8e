// Progressive enhancement on a resource's admin page: the reading grade of the
// plain-language summary follows the text as staff type it. Without JavaScript the
// grade of the saved text is shown, and it is worked out again on every save.
// The admin loads it in the page's head: it waits for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var output = document.querySelector("[data-reading-grade-url]");
  var field = document.getElementById("id_plain_summary");
  if (!output || !field || !field.form || !window.fetch) {
    return;
  }
  var token = field.form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer;
  var asked = 0;

  function update() {
    var number = ++asked;
    var body = new FormData();
    body.append("text", field.value);
    fetch(output.getAttribute("data-reading-grade-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (found) {
        if (number !== asked) {
          return; // a later keystroke's answer is on its way
        }
        output.textContent = found.verdict;
        output.classList.toggle(
          "reading-grade--over",
          found.grade !== null && !found.meets_target,
        );
      })
      .catch(function () {
        // The grade of the saved text stays; saving works it out again.
      });
  }

  field.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 400);
  });
});
