// Small behaviours without inline scripts (the Content-Security-Policy allows only our files).
document.addEventListener("change", function (event) {
  // A filter or "as of" field marked data-autosubmit submits its form when changed.
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});
