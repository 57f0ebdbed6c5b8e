// Progressive enhancement of the suggestion form: how many characters the note has left.
// Without JavaScript the form works the same, and a note too long is refused with its text
// kept; the page never depends on this script.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-max-length]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-max-length"), 10);
    var shown = document.createElement("p");
    var spoken = document.createElement("p");
    var timer;

    shown.className = "field__count";
    shown.id = field.id + "_count";
    shown.setAttribute("aria-hidden", "true");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);

    function say() {
      var left = limit - field.value.length;
      var words = left >= 0
        ? left.toLocaleString("en-US") + " character" + (left === 1 ? "" : "s") + " left"
        : (-left).toLocaleString("en-US") + " character" + (left === -1 ? "" : "s") + " too many";
      shown.textContent = words;
      shown.classList.toggle("field__count--over", left < 0);
      return words;
    }

    say();
    field.addEventListener("input", function () {
      var words = say();
      // Read out once typing pauses, not at every key.
      clearTimeout(timer);
      timer = setTimeout(function () { spoken.textContent = words; }, 800);
    });
  });
})();
