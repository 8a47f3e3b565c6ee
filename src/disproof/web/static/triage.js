// Keys for the triage queue: j / k move to the next / previous sighting, a adds the focused
// one as an appearance, d dismisses it, n opens a new case from it. Keys typed in a form field
// are left alone. Without JavaScript the buttons do the same.
(function () {
  "use strict";

  var cards = Array.prototype.slice.call(document.querySelectorAll("article.sighting"));
  if (!cards.length) {
    return;
  }
  function current() {
    var index = cards.indexOf(document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("article.sighting") : null);
    return index;
  }
  function focus(index) {
    var card = cards[Math.max(0, Math.min(cards.length - 1, index))];
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      return;
    }
    var index = current();
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      focus(index < 0 ? 0 : index + (event.key === "j" ? 1 : -1));
      return;
    }
    if (index < 0 || "adn".indexOf(event.key) < 0) {
      return;
    }
    var target = cards[index].querySelector('[data-key="' + event.key + '"]');
    if (target) {
      event.preventDefault();
      target.click();
    }
  });
})();
