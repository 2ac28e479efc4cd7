// exportplan's own small script: progressive enhancement only (every page works without it).
(function () {
  "use strict";

  // The CSRF token of this page, for scripts that post (fetch): send it as the X-CSRF-Token header.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  window.exportplan = window.exportplan || {};
  window.exportplan.csrfToken = csrfToken;

  // fetch() with the session cookie and the CSRF header.
  window.exportplan.post = function (url, body) {
    var headers = { "X-CSRF-Token": csrfToken() };
    var options = { method: "POST", credentials: "same-origin", headers: headers };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options);
  };

  // A form with data-confirm="question" asks before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Stop double submissions: the button is disabled once the form is on its way.
    var buttons = form.querySelectorAll('button[type="submit"], input[type="submit"]');
    window.setTimeout(function () {
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    }, 0);
  });

  // A page that is still working out a figure reloads once when its data-refresh-after seconds pass.
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.querySelector("[data-refresh-after]");
    if (holder && !sessionStorage.getItem("exportplan-refreshed:" + location.pathname)) {
      var seconds = parseFloat(holder.getAttribute("data-refresh-after")) || 5;
      sessionStorage.setItem("exportplan-refreshed:" + location.pathname, "1");
      window.setTimeout(function () { location.reload(); }, seconds * 1000);
    } else if (!holder) {
      sessionStorage.removeItem("exportplan-refreshed:" + location.pathname);
    }
  });
})();
