// The start card tells the page that frames it how tall it is, so that the
// frame can fit the card at any width and text size. The message is the
// height alone, a number: nothing about the person or the page. Without this
// script the frame keeps the height written in the snippet.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var sent = 0;
  var send = function () {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== sent) {
      sent = height;
      window.parent.postMessage(height, "*");
    }
  };
  if (window.ResizeObserver) {
    new window.ResizeObserver(send).observe(document.documentElement);
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  send();
})();
