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

    // Only a Shift pressed and released on its own counts: not the Shift of
    // Shift+Tab or of a capital letter, as in GOV.UK's component.
    var presses = 0;
    var alone = false;
    var timer = null;
    var reset = function () {
      presses = 0;
      window.clearTimeout(timer);
      if (status) {
        status.textContent = "";
      }
    };
    document.addEventListener("keydown", function (event) {
      if (event.key === "Shift") {
        // Not with Ctrl, Alt or Meta held: Alt+Shift switches keyboard layouts.
        var combined = event.ctrlKey || event.altKey || event.metaKey;
        alone = !combined && (!event.repeat || alone);
      } else {
        alone = false;
        if (presses) {
          reset();
        }
      }
    });
    // Shift+click (selecting text, opening a window) is not a lone Shift either.
    document.addEventListener("pointerdown", function () {
      alone = false;
    });
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") {
        return;
      }
      if (!alone) {
        reset();
        return;
      }
      alone = false;
      presses += 1;
      window.clearTimeout(timer);
      timer = window.setTimeout(reset, 5000);
      if (presses >= 3) {
        leave();
      } else if (status) {
        status.textContent = status.getAttribute("data-" + (3 - presses) + "-more") || "";
      }
    });
    document.querySelectorAll("[data-exit-hint]").forEach(function (paragraph) {
      var hint = document.createElement("p");
      hint.textContent = paragraph.getAttribute("data-exit-hint");
      paragraph.insertAdjacentElement("afterend", hint);
    });
  }

  // Before answers left idle are cleared, say so, with a button that keeps
  // them (WCAG 2.2.1). The button asks the server to reset its clock, so
  // nothing on the page is lost; if the answers are gone already, the page
  // is opened again and says so. The alert region is made empty at load, so
  // that filling it later is announced. While the warning shows, the focus
  // is on it; once the answers are kept, it goes back where it was.
  var main = document.querySelector("[data-idle-left]");
  if (main && window.fetch) {
    var region = document.createElement("div");
    region.setAttribute("role", "alert");
    region.tabIndex = -1;
    region.className = "no-print";
    var back = main.querySelector(".back-link");
    main.insertBefore(region, back ? back.nextSibling : main.firstChild);
    var timers = [];
    var before = null;
    var say = function (words, withButton) {
      // Focus inside the region would be lost with the button: keep it there.
      var held = region.contains(document.activeElement);
      var paragraph = document.createElement("p");
      paragraph.textContent = main.getAttribute(words);
      region.textContent = "";
      region.className = "notice no-print";
      region.appendChild(paragraph);
      if (withButton) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button";
        button.textContent = main.getAttribute("data-idle-keep");
        button.addEventListener("click", keep);
        region.appendChild(button);
      }
      if (held) {
        region.focus();
      }
      return paragraph;
    };
    // Seen as well as heard: a person far down a long page is brought to it.
    var show = function (words, withButton) {
      say(words, withButton);
      region.scrollIntoView({ block: "nearest" });
    };
    var seconds = function (name) {
      return Number(main.getAttribute(name)) * 1000;
    };
    // The server keeps the answers for "left" seconds after this page was
    // made, and for "limit" seconds after "Keep my answers"; but never more
    // than "end" seconds after this page was made (counted from the first
    // answer, which nothing can extend: then the warning has no button).
    var loaded = Date.now();
    var wait = function (left) {
      var end = seconds("data-idle-end") - (Date.now() - loaded);
      var ending = end <= left;
      left = Math.min(left, end);
      timers.forEach(window.clearTimeout);
      timers = [
        window.setTimeout(function () {
          if (!region.contains(document.activeElement)) {
            before = document.activeElement;
          }
          show(ending ? "data-idle-ending" : "data-idle-warning", !ending);
          region.focus({ preventScroll: true });
        }, left - seconds("data-idle-ahead")),
        window.setTimeout(function () {
          show(ending ? "data-idle-ended" : "data-idle-cleared", false);
        }, left)
      ];
    };
    var keep = function () {
      window
        .fetch(main.getAttribute("data-idle-keep-url"), {
          credentials: "same-origin",
          cache: "no-store"
        })
        .then(function (response) {
          if (response.status === 410) {
            // Gone already: the page, opened again, says so.
            window.location.assign(window.location.pathname);
            return;
          }
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          // Back where it was before the warning, if that is still there,
          // else to the main content; then the words, said after it.
          var target = before && before !== document.body && before.isConnected ? before : main;
          target.focus();
          if (document.activeElement !== target) {
            main.focus();
          }
          say("data-idle-kept", false);
          wait(seconds("data-idle-limit"));
        })
        .catch(function () {
          say("data-idle-failed", true).nextSibling.focus();
        });
    };
    wait(seconds("data-idle-left"));
  }

  // Print: a button only where it can work, made here rather than hidden in the page.
  document.querySelectorAll("[data-print]").forEach(function (actions) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = actions.getAttribute("data-print");
    button.addEventListener("click", function () {
      window.print();
    });
    actions.insertBefore(button, actions.firstElementChild.nextSibling);
  });
})();
