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
