// The edition page's 词频分析: a ranked bar chart and a word cloud for the scope picked (all tips,
// a category, a community), drawn from the frozen snapshot in the page. Text goes in by
// textContent only: the words come from citizens' reports.
(function () {
  "use strict";
  var source = document.getElementById("ins-words-data");
  var picker = document.getElementById("ins-word-scope");
  if (!source || !picker) return;
  var scopes = JSON.parse(source.textContent);
  var bars = document.getElementById("ins-word-bars");
  var cloud = document.getElementById("ins-word-cloud");
  var empty = document.getElementById("ins-word-empty");

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawBars(terms) {
    bars.replaceChildren();
    var top = Math.max.apply(null, terms.map(function (t) { return Math.max(t.tips, t.previous || 0); }).concat([1]));
    terms.slice(0, 20).forEach(function (t) {
      var row = element("div", "ins-bar-row");
      row.dataset.term = t.term;
      row.dataset.tips = String(t.tips);
      row.setAttribute("data-testid", "word-bar");
      row.appendChild(element("span", "ins-bar-label", t.term));
      var track = element("span", "ins-bar-track");
      var bar = element("span", "ins-bar");
      bar.style.width = Math.round(100 * t.tips / top) + "%";
      track.appendChild(bar);
      if (t.previous !== null) {
        var before = element("span", "ins-bar-prev");
        before.style.width = Math.round(100 * t.previous / top) + "%";
        track.appendChild(before);
      }
      row.appendChild(track);
      row.appendChild(element("span", "ins-bar-value", t.tips + (t.previous !== null ? " (" + t.previous + ")" : "")));
      bars.appendChild(row);
    });
  }

  function drawCloud(terms) {
    cloud.replaceChildren();
    var top = Math.max.apply(null, terms.map(function (t) { return t.tips; }).concat([1]));
    // largest in the middle: alternate sides so the cloud grows outwards from its centre
    var ordered = [];
    terms.slice(0, 40).forEach(function (t, i) { if (i % 2) ordered.push(t); else ordered.unshift(t); });
    ordered.forEach(function (t) {
      var word = element("span", "ins-cloud-word", t.term);
      word.setAttribute("data-testid", "cloud-word");
      word.style.fontSize = (0.8 + 1.8 * t.tips / top).toFixed(2) + "rem";
      word.style.opacity = (0.55 + 0.45 * t.tips / top).toFixed(2);
      word.title = t.term + ": " + t.tips;
      cloud.appendChild(word);
    });
  }

  function draw() {
    var scope = scopes.find(function (s) { return s.key === picker.value; }) || scopes[0];
    var terms = scope ? scope.terms : [];
    empty.hidden = terms.length > 0;
    drawBars(terms);
    drawCloud(terms);
  }

  picker.addEventListener("change", draw);
  draw();
})();
