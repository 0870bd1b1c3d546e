// The console works without JavaScript (plain forms); this only adds conveniences.
// Served from the project (CSP script-src 'self'): no inline scripts anywhere.
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-fills]");
  if (!select || !select.value) return;
  var target = document.getElementById(select.dataset.fills);
  target.value = select.value;
  target.focus();
  select.selectedIndex = 0;
});

// The transcript keeps the newest message in view, unless the attendant scrolled up to
// read older ones (the 3-second refresh must not pull the page from under them).
function atBottom(box) { return box.scrollHeight - box.scrollTop - box.clientHeight < 40; }
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("transcript");
  if (box) box.scrollTop = box.scrollHeight;
});
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.target.id === "transcript") event.target.dataset.follow = atBottom(event.target) ? "1" : "";
});
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.target.id === "transcript" && event.target.dataset.follow) {
    event.target.scrollTop = event.target.scrollHeight;
  }
});
