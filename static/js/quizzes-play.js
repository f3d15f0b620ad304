/* The quiz game at phone size: start an attempt, one question a screen, each answer sent to the
   server (which only then tells whether it was right and why), then the score, points and prize.
   Every string is set with textContent; the translated texts come from #quiz-strings. */
(function () {
  "use strict";

  var root = document.getElementById("quiz-play");
  if (!root || !window.FubiTasks) { return; }
  var T = JSON.parse(document.getElementById("quiz-strings").textContent);
  var api = window.FubiTasks.api;
  var quizId = root.dataset.quizId;
  var state = { attempt: null, index: 0, timer: null, finished: false, busy: false };

  function el(id) { return document.getElementById(id); }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function showError(response) {
    var box = el("quiz-error");
    var message = (response.data && response.data.message) || String(response.status);
    box.textContent = fill(T.error, { message: message });
    box.hidden = false;
  }

  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function tick() {
    var left = (new Date(state.attempt.expires_at).getTime() - Date.now()) / 1000;
    var timer = el("quiz-timer");
    if (left <= 0) {
      timer.textContent = T.time_up;
      finish();
      return;
    }
    timer.textContent = fill(T.time_left, { time: clock(left) });
    timer.classList.toggle("low", left < 30);
  }

  function chosenIds() {
    var ids = [];
    el("quiz-choices").querySelectorAll("input:checked").forEach(function (input) { ids.push(Number(input.value)); });
    return ids;
  }

  function choiceItem(question, choice) {
    var item = document.createElement("li");
    var label = document.createElement("label");
    var input = document.createElement("input");
    var text = document.createElement("span");
    input.type = question.multiple ? "checkbox" : "radio";
    input.name = "choice";
    input.value = String(choice.id);
    input.setAttribute("data-testid", "quiz-choice-" + choice.id);
    text.textContent = choice.text;
    label.dataset.choiceId = String(choice.id);
    label.appendChild(input);
    label.appendChild(text);
    item.appendChild(label);
    input.addEventListener("change", function () {
      el("quiz-choices").querySelectorAll("label").forEach(function (other) {
        other.classList.toggle("chosen", other.querySelector("input").checked);
      });
      el("quiz-answer").disabled = chosenIds().length === 0;
    });
    return item;
  }

  function render(index) {
    var questions = state.attempt.questions;
    var question = questions[index];
    state.index = index;
    el("quiz-progress").textContent = fill(T.progress, { n: index + 1, total: questions.length });
    el("quiz-text").textContent = question.text;
    el("quiz-hint").textContent = question.multiple ? T.pick_some : T.pick_one;
    var list = el("quiz-choices");
    list.replaceChildren();
    question.choices.forEach(function (choice) { list.appendChild(choiceItem(question, choice)); });
    el("quiz-feedback").hidden = true;
    el("quiz-answer").hidden = false;
    el("quiz-answer").disabled = true;
    el("quiz-next").hidden = true;
    el("quiz-question").scrollIntoView({ block: "start" });
  }

  function showFeedback(result) {
    var question = state.attempt.questions[state.index];
    var right = result.correct_choice_ids;
    var names = [];
    el("quiz-choices").querySelectorAll("label").forEach(function (label) {
      var id = Number(label.dataset.choiceId);
      label.querySelector("input").disabled = true;
      if (right.indexOf(id) >= 0) {
        label.classList.add("right");
        names.push(label.querySelector("span").textContent);
      } else if (result.choice_ids.indexOf(id) >= 0) {
        label.classList.add("wrong");
      }
    });
    var verdict = el("quiz-verdict");
    verdict.textContent = result.correct ? T.right : T.wrong;
    verdict.className = "quiz-verdict " + (result.correct ? "ok" : "bad");
    el("quiz-right-answer").textContent = result.correct ? "" : fill(T.right_answer, { answer: names.join(" / ") });
    el("quiz-explanation").textContent = result.explanation;
    el("quiz-feedback").hidden = false;
    el("quiz-answer").hidden = true;
    var last = state.index + 1 >= state.attempt.questions.length;
    el("quiz-next").textContent = last ? T.finish : T.next;
    el("quiz-next").hidden = false;
    el("quiz-next").focus();
    return question;
  }

  function answer() {
    var question = state.attempt.questions[state.index];
    if (state.busy) { return; }
    state.busy = true;
    el("quiz-answer").disabled = true;
    api("POST", "/attempts/" + state.attempt.id + "/responses", { question_id: question.id, choice_ids: chosenIds() })
      .then(function (response) {
        state.busy = false;
        if (response.ok) { showFeedback(response.data); return; }
        if (response.status === 409 && response.data.code === "attempt_expired") { finish(); return; }
        el("quiz-answer").disabled = false;
        showError(response);
      });
  }

  function showResult(result) {
    el("quiz-question").hidden = true;
    el("quiz-result").hidden = false;
    el("quiz-score").textContent = fill(T.score, { score: result.score, max: result.max_score });
    var passed = el("quiz-passed");
    passed.textContent = result.passed ? T.passed : T.failed;
    passed.className = "quiz-verdict " + (result.passed ? "ok" : "bad");
    el("quiz-points").textContent = result.points_awarded ? fill(T.points, { points: result.points_awarded })
      : (result.passed ? T.no_points : "");
    var prize = result.prize;
    if (prize) {
      var until = prize.expires_at ? new Date(prize.expires_at).toLocaleString(root.dataset.lang, { dateStyle: "medium", timeStyle: "short" }) : "";
      el("quiz-prize-name").textContent = fill(T.prize, { reward: prize.reward });
      el("quiz-prize-where").textContent = fill(T.prize_where, {
        point: prize.pickup_point, address: prize.pickup_address, until: until
      });
      el("quiz-prize-code").textContent = prize.code;
      el("quiz-prize").hidden = false;
    } else if (result.score === result.max_score) {
      el("quiz-prize-name").textContent = T.no_prize;
    }
    el("quiz-result").scrollIntoView({ block: "start" });
  }

  function finish() {
    if (state.finished) { return; }
    state.finished = true;
    window.clearInterval(state.timer);
    api("POST", "/attempts/" + state.attempt.id + "/answers", { answers: [] }).then(function (response) {
      if (response.ok) { showResult(response.data); } else { showError(response); }
    });
  }

  el("quiz-start").addEventListener("click", function () {
    el("quiz-start").disabled = true;
    api("POST", "/quizzes/" + quizId + "/attempts").then(function (response) {
      if (!response.ok) { showError(response); return; }
      state.attempt = response.data;
      el("quiz-intro").hidden = true;
      el("quiz-question").hidden = false;
      render(0);
      tick();
      state.timer = window.setInterval(tick, 1000);
    });
  });
  el("quiz-answer").addEventListener("click", answer);
  el("quiz-next").addEventListener("click", function () {
    if (state.index + 1 < state.attempt.questions.length) { render(state.index + 1); } else { finish(); }
  });
})();
