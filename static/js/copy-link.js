// Progressive enhancement: a "Copy" button beside every element with data-copy.
// Without JavaScript (or without the Clipboard API) the text stays visible to copy by hand.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }

  document.querySelectorAll("[data-copy]").forEach(function (element) {
    var label = element.getAttribute("data-copy-label") || "link";
    var button = document.createElement("button");
    var hidden = document.createElement("span");
    var status = document.createElement("span");
    var timer;

    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    hidden.className = "visually-hidden";
    hidden.textContent = " " + label;
    button.appendChild(hidden);
    status.className = "copy-status";
    status.setAttribute("role", "status");

    button.addEventListener("click", function () {
      navigator.clipboard.writeText(element.getAttribute("data-copy")).then(
        function () {
          status.textContent = "Copied";
          button.classList.add("is-done");
        },
        function () {
          status.textContent = "Could not copy: select the text and copy it";
        }
      );
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        status.textContent = "";
        button.classList.remove("is-done");
      }, 4000);
    });
    element.appendChild(button);
    element.appendChild(status);
  });
})();
