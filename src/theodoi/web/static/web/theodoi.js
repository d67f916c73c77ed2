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

// On a phone a table's rows become stacked cards (theodoi.css, table.stack): each cell then says
// its column, from the header above it, unless the template already gave it a data-label. A
// cell that spans the whole row (a detail or notice row) and a column without a heading say
// nothing. Run on the page and on every piece htmx puts in.
function labelTables(root) {
  var tables = root.querySelectorAll ? root.querySelectorAll("table") : [];
  var around = root.closest && root.closest("table"); // a row or body swapped in
  if (around) tables = [around];
  Array.prototype.forEach.call(tables, function (table) {
    var headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headRow) return;
    var names = [];
    Array.prototype.forEach.call(headRow.cells, function (th) {
      for (var k = 0; k < (th.colSpan || 1); k++) names.push(th.textContent.replace(/\s+/g, " ").trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var span = cell.colSpan || 1;
          if (!cell.hasAttribute("data-label") && span < names.length && names[column]) {
            cell.setAttribute("data-label", names[column]);
          }
          column += span;
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { labelTables(document); });
document.addEventListener("htmx:load", function (event) { labelTables(event.target); });

// The file picker in Vietnamese (web/_file_pick.html): the browser's own button and "No file
// chosen" are hidden; the chosen file names are shown beside the styled button.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches(".file-pick input[type=file]")) return;
  var shown = input.parentNode.querySelector(".file-names");
  if (!shown) return;
  var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
  shown.textContent = names.length ? shown.dataset.chosen + " " + names.join(", ") : shown.dataset.none;
});

// A day field (web/forms.py DayInput) typed in another shape: the browser's own message would
// be in the browser's language; say it in the field's own (Vietnamese) words instead.
document.addEventListener("invalid", function (event) {
  var field = event.target;
  if (field.matches && field.matches("input[data-day]") && field.validity.patternMismatch) {
    field.setCustomValidity(field.title);
  }
}, true);
document.addEventListener("input", function (event) {
  var field = event.target;
  if (field.matches && field.matches("input[data-day]")) field.setCustomValidity("");
});
