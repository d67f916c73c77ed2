// Small behaviours without inline scripts (the Content-Security-Policy allows only our files).
document.addEventListener("change", function (event) {
  // A filter or "as of" field marked data-autosubmit submits its form when changed.
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

// When an htmx request is refused (403, 404, 409...) or fails, htmx swaps nothing: say why at
// the top of the page instead of leaving the click without an answer. The reason is the one the
// server's error page gives; the fallback texts come translated from the page itself.
function showRequestError(text) {
  var box = document.getElementById("request-error");
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("request-error");
  var xhr = event.detail.xhr;
  var reason = "";
  if (xhr && xhr.responseText) {
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var found = page.querySelector(".error-page .reason") || page.querySelector(".error-page h1");
    reason = found ? found.textContent.trim() : "";
  }
  showRequestError(reason || (box && box.dataset.failed) || "");
});

document.addEventListener("htmx:sendError", function () {
  var box = document.getElementById("request-error");
  showRequestError((box && box.dataset.offline) || "");
});

document.addEventListener("htmx:beforeRequest", function () {
  var box = document.getElementById("request-error");
  if (box) box.hidden = true;
});
