// The company page's small script (progressive enhancement: without it the matched programs are a link).
(function () {
  "use strict";
  // Put the matched programs' table in place of the link to their page.
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.querySelector(".matched[data-part]");
    if (!holder || !window.fetch) { return; }
    fetch(holder.getAttribute("data-part"), { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html !== null) { holder.innerHTML = html; holder.setAttribute("aria-live", "polite"); }
      })
      .catch(function () { /* the link stays */ });
  });
})();
