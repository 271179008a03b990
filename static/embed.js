// The embed page only: its preview of the start card takes the card's height,
// as the snippet's own script makes the frame do on a clinic's site. Only a
// number, from a frame of this page and of this site, is taken. (Not in
// app.js, which every page of the check loads.)
(function () {
  "use strict";

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || typeof event.data !== "number") {
      return;
    }
    document.querySelectorAll("iframe").forEach(function (frame) {
      if (frame.contentWindow === event.source && event.data > 0 && event.data < 10000) {
        frame.height = String(Math.ceil(event.data));
      }
    });
  });
})();
