
"use strict";
(function () {
  var bar = document.getElementById("filters");
  var list = document.getElementById("findings-list");
  var cards = list ? Array.prototype.slice.call(list.querySelectorAll("details.finding")) : [];
  var sections = list ? Array.prototype.slice.call(list.querySelectorAll("section.family")) : [];
  var empty = document.getElementById("no-match");

  function selectValue(name) {
    var select = bar.querySelector("select[name=" + name + "]");
    return select ? select.value : "";
  }

  function apply() {
    var severities = {};
    bar.querySelectorAll("input[name=severity]").forEach(function (box) {
      severities[box.value] = box.checked;
    });
    var wanted = {
      family: selectValue("family"),
      check: selectValue("check"),
      operation: selectValue("operation")
    };
    var shown = 0;
    cards.forEach(function (card) {
      var data = card.dataset;
      var visible = severities[data.severity] !== false &&
        (!wanted.family || data.family === wanted.family) &&
        (!wanted.check || data.check === wanted.check) &&
        (!wanted.operation || data.operation === wanted.operation);
      card.hidden = !visible;
      if (visible) { shown += 1; }
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("details.finding:not([hidden])");
    });
    bar.querySelector(".count").textContent =
      "Showing " + shown + " of " + cards.length + " finding" + (cards.length === 1 ? "" : "s");
    if (empty) { empty.hidden = shown !== 0; }
  }

  function reset() {
    bar.querySelectorAll("input[name=severity]").forEach(function (box) { box.checked = true; });
    bar.querySelectorAll("select").forEach(function (select) { select.value = ""; });
    apply();
  }

  function onlySeverity(severity) {
    reset();
    bar.querySelectorAll("input[name=severity]").forEach(function (box) {
      box.checked = box.value === severity;
    });
    apply();
  }

  function setOpen(open) {
    cards.forEach(function (card) { if (!card.hidden) { card.open = open; } });
  }

  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target || !target.matches("details.finding")) { return; }
    if (target.hidden) { reset(); }
    target.open = true;
    target.scrollIntoView();
  }

  if (bar) {
    bar.hidden = false;
    bar.addEventListener("change", apply);
    bar.querySelector("button.reset").addEventListener("click", reset);
    bar.querySelector("button.expand").addEventListener("click", function () { setOpen(true); });
    bar.querySelector("button.collapse").addEventListener("click", function () { setOpen(false); });
    document.querySelectorAll("a[data-only-severity]").forEach(function (link) {
      link.addEventListener("click", function () { onlySeverity(link.dataset.onlySeverity); });
    });
    apply();
  }

  window.addEventListener("hashchange", reveal);
  reveal();

  var reopen = [];
  window.addEventListener("beforeprint", function () {
    reopen = [];
    document.querySelectorAll("details:not([open])").forEach(function (item) {
      reopen.push(item);
      item.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    reopen.forEach(function (item) { item.open = false; });
  });

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.nextElementSibling.textContent;
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(function () { button.textContent = "Copied"; });
      }
    });
  });
})();
