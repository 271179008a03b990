// Shows the summary's Print button where JavaScript runs; without it, the page
// tells people to use their browser's Print menu instead.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
