// Suggestions while typing in a search box (input[data-suggest] with a
// datalist): titles from /sok/forslag. Without JavaScript the search works
// the same, from the results page.
(function () {
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) return;
        last = q;
        fetch("/sok/forslag?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren.apply(list, items.map(function (s) {
              var o = document.createElement("option");
              o.value = s.title;
              return o;
            }));
          })
          .catch(function () {});
      }, 150);
    });
  });
})();
