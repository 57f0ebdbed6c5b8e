// The embed views in another site's frame: tell the host page the height the content
// needs, as WordPress's embeds do (wp-embed.js on the host listens for it), and open links.
//
// The host names the frame with a secret in the address's fragment (#?secret=...); every
// message carries it, so the host knows which frame spoke. Only letters and digits are a
// secret: the host refuses anything else.
(function () {
  "use strict";
  if (window.parent === window) {
    return; // not in a frame: links open by themselves, and no one needs a height
  }

  var secret = "";

  function readSecret() {
    // WordPress appends its own secret to any already there: the last one is its.
    var found = window.location.hash.match(/secret=([A-Za-z0-9]+)(?!.*secret=)/);
    secret = found ? found[1] : "";
  }

  function send(message, value) {
    if (secret) {
      window.parent.postMessage({ message: message, value: value, secret: secret }, "*");
    }
  }

  function sendHeight() {
    send("height", Math.ceil(document.documentElement.getBoundingClientRect().height));
  }

  // A frame WordPress found by itself is sandboxed without popups: a new tab cannot open
  // from it, so the host is asked to follow the link in its own tab (it does so for links
  // to the site that the frame comes from, which every link here is).
  function openLink(event) {
    var link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var opened = null;
    try {
      opened = window.open(link.href, "_blank");
    } catch (error) {
      opened = null;
    }
    if (!opened) {
      send("link", link.href);
    }
  }

  readSecret();
  window.addEventListener("hashchange", function () {
    readSecret();
    sendHeight();
  });
  // The host says it is ready (and which secret it gave) once its script has run.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.message !== "ready") {
      return;
    }
    readSecret();
    if (data.secret === secret) {
      sendHeight();
    }
  });
  document.addEventListener("click", openLink);
  window.addEventListener("load", sendHeight);
  if (window.ResizeObserver) {
    new ResizeObserver(sendHeight).observe(document.documentElement);
  } else {
    window.addEventListener("resize", sendHeight);
  }
  sendHeight();
})();
