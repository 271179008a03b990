// Small enhancements; everything works without them.
(function () {
  "use strict";

  // Exit this page: leave at once and replace this page in the history, so
  // Back does not bring the answers up again. Pressing Shift three times in a
  // row does the same, as in the GOV.UK "Exit this page" component.
  var exitLink = document.querySelector("[data-exit]");
  var status = document.querySelector("[data-exit-status]");
  if (exitLink) {
    var leave = function (event) {
      if (event) {
        event.preventDefault();
      }
      document.body.hidden = true;
      window.location.replace(exitLink.href);
    };
    exitLink.addEventListener("click", leave);

    var presses = 0;
    var timer = null;
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") {
        presses = 0;
        return;
      }
      presses += 1;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        presses = 0;
        if (status) {
          status.textContent = "";
        }
      }, 5000);
      if (presses >= 3) {
        leave();
      } else if (status) {
        status.textContent = status.getAttribute("data-" + (3 - presses) + "-more") || "";
      }
    });
    document.querySelectorAll("[data-exit-hint]").forEach(function (hint) {
      hint.hidden = false;
    });
  }

  // "None of these" and "Not sure" stand alone: ticking one clears the other
  // boxes, and ticking a sign clears them. Without this the server asks.
  document.querySelectorAll(".checkboxes").forEach(function (group) {
    group.addEventListener("change", function (event) {
      var ticked = event.target;
      if (!ticked.checked) {
        return;
      }
      group.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (box !== ticked && (ticked.hasAttribute("data-alone") || box.hasAttribute("data-alone"))) {
          box.checked = false;
        }
      });
    });
  });

  // Print: a button only where it can work.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
