// Keyboard shortcuts of live handoff (press ? for the list): move through the waiting conversations, open one,
// write and send a reply.
(function () {
  "use strict";
  const help = document.getElementById("shortcut-help");
  const rows = Array.from(document.querySelectorAll("tr.handoff-row"));
  let current = rows.length ? 0 : -1;

  function typing(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function highlight() {
    rows.forEach((row, i) => row.classList.toggle("is-current", i === current));
    if (rows[current]) rows[current].scrollIntoView({block: "nearest"});
  }
  document.querySelectorAll("[data-shortcut-help]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault(); help.hidden = !help.hidden;
  }));

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
    }
    const reply = document.getElementById("id_reply_text");
    if (reply && key === "r") { event.preventDefault(); reply.focus(); }
  });
  highlight();
})();
