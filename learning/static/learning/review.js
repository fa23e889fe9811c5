// Keyboard shortcuts of the review queue and the review item (press ? for the list).
(function () {
  "use strict";
  const help = document.getElementById("shortcut-help");
  const rows = Array.from(document.querySelectorAll("tr.review-row"));
  let current = rows.length ? 0 : -1;

  function typing(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function highlight() {
    rows.forEach((row, i) => row.classList.toggle("is-current", i === current));
    if (rows[current]) rows[current].scrollIntoView({block: "nearest"});
  }
  function focusForm(id) {
    const form = document.getElementById(id);
    if (!form) return;
    const field = form.querySelector("textarea, select, input:not([type=hidden])");
    if (field) { field.focus(); if (field.select) field.select(); }
  }
  function submitAction(formId) {
    const form = document.getElementById(formId);
    if (form) form.querySelector("button[name=action]").click();
  }
  document.querySelectorAll("[data-shortcut-help]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault(); help.hidden = !help.hidden;
  }));
  const selectAll = document.getElementById("review-select-all");
  if (selectAll) selectAll.addEventListener("change", () => {
    document.querySelectorAll("input[name=selected]").forEach((box) => { box.checked = selectAll.checked; });
  });
  const item = document.getElementById("review-item");
  document.querySelectorAll("[data-shortcut-next-item]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault(); skip();
  }));
  function skip() {
    if (item) window.location = item.dataset.next || item.dataset.queue;
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && typing(event)) {
      const form = event.target.form;
      if (form) { event.preventDefault(); form.querySelector("button[name=action]").click(); }
      return;
    }
    if (event.key === "Escape") { if (help) help.hidden = true; if (typing(event)) event.target.blur(); return; }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === "?") { if (help) help.hidden = !help.hidden; return; }
    if (rows.length) {
      if (key === "j") { current = Math.min(current + 1, rows.length - 1); highlight(); return; }
      if (key === "k") { current = Math.max(current - 1, 0); highlight(); return; }
      if ((key === "o" || key === "Enter") && rows[current]) { window.location = rows[current].dataset.href; return; }
      if (key === "x" && rows[current]) {
        const box = rows[current].querySelector("input[name=selected]");
        if (box) box.checked = !box.checked;
        return;
      }
      if (key === "A") {
        const button = document.querySelector("#review-bulk button[value=approve]");
        if (button) button.click();
        return;
      }
    }
    if (key === "]") { const a = document.querySelector("[data-shortcut-next]"); if (a) window.location = a.href; return; }
    if (key === "[") { const a = document.querySelector("[data-shortcut-prev]"); if (a) window.location = a.href; return; }
    if (item) {
      if (key === "a") { event.preventDefault(); submitAction("form-approve"); return; }
      if (key === "c") { event.preventDefault(); focusForm("form-correct"); return; }
      if (key === "l") { event.preventDefault(); focusForm("form-labels"); return; }
      if (key === "g") { event.preventDefault(); focusForm("form-gap"); return; }
      if (key === "n") { skip(); return; }
      if (key === "u") { window.location = item.dataset.queue; return; }
    }
  });
  highlight();
})();
