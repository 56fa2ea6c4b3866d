// Keyboard shortcuts for the desk. Inbox: j/k move, Enter or o opens, / searches,
// n/p next or previous page. A question: a focuses the answer, Ctrl+Enter sends, u goes back.
(function () {
  "use strict";
  function typing(event) {
    const tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
  }
  function rows() { return Array.from(document.querySelectorAll("tr.row")); }
  let current = -1;
  function select(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    all[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("click", function (event) {
    const row = event.target.closest && event.target.closest("tr.row");
    if (row && !event.target.closest("a")) window.location = row.dataset.href;
  });
  document.addEventListener("keydown", function (event) {
    const answer = document.getElementById("answer");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === answer) {
      event.preventDefault();
      answer.form.requestSubmit();
      return;
    }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const all = rows();
    if (event.key === "j") { select(current + 1); }
    else if (event.key === "k") { select(current - 1); }
    else if ((event.key === "Enter" || event.key === "o") && current >= 0 && all[current]) {
      window.location = all[current].dataset.href;
    } else if (event.key === "/") {
      const search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "n" || event.key === "p") {
      const link = document.getElementById(event.key === "n" ? "next" : "prev");
      if (link) window.location = link.href;
    } else if (event.key === "a" && answer) {
      event.preventDefault();
      answer.focus();
    } else if (event.key === "u") {
      const back = document.getElementById("back");
      if (back) window.location = back.href;
    }
  });
})();
