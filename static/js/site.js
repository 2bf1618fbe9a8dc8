/* Every page: the language switch submits its form when a language is chosen (no inline handlers,
 * the Content-Security-Policy allows none). */
(function () {
  "use strict";
  var select = document.getElementById("lang-select");
  if (select && select.form) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
})();
