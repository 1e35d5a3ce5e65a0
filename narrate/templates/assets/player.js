/* narrate player: comfort on top of pages that already work without JavaScript.
 *
 * - Large labelled buttons: play/pause (its label says what it will do), back 10 s,
 *   forward 30 s, speeds 0.75x to 1.5x (current one pressed, announced politely, remembered).
 * - Chapter and transcript timestamps seek the player instead of opening the MP3.
 * - The sentence being heard is highlighted (and the word, when timings exist), with a
 *   "now reading" line that appears with the first sentence heard (before that it would be
 *   an empty box); scrolling along is a choice, off under prefers-reduced-motion.
 * - The position is saved per episode and offered as "Resume from m:ss", never jumped to.
 * - Lock-screen and headset controls through the Media Session API.
 * No autoplay, ever; no automatic next episode; no network requests.
 */
(function () {
  "use strict";

  var SPEED_KEY = "narrate:speed";

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function store(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); }
      else { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode: comfort only */ }
  }

  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function setupCopy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () { if (status) { status.textContent = "Copied."; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (status) { status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy."; }
        });
      } else {
        if (status) { status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy."; }
      }
    });
  }

  function setupEpisode(article) {
    var audio = article.querySelector("audio");
    var controls = article.querySelector(".controls");
    if (!audio || !controls) { return; }
    var slug = article.getAttribute("data-episode");
    var positionKey = "narrate:position:" + slug;
    var play = controls.querySelector(".play");
    var status = controls.querySelector(".status");
    var resume = controls.querySelector(".resume");
    var speeds = Array.prototype.slice.call(controls.querySelectorAll(".speed"));
    var paragraphs = ".transcript .paragraph ";
    var sentences = Array.prototype.slice.call(article.querySelectorAll(paragraphs + ".sentence"));
    var words = Array.prototype.slice.call(article.querySelectorAll(paragraphs + ".word"));
    var reading = article.querySelector(".reading");
    var nowReading = reading ? reading.querySelector(".now-reading-text") : null;
    var follow = reading ? reading.querySelector(".follow-toggle") : null;
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var current = null;
    var currentWord = null;

    controls.hidden = false;
    if (follow) { follow.checked = false; follow.disabled = false; }

    function label() {
      play.textContent = audio.paused ? "Play" : "Pause";
    }

    function setSpeed(value, announce) {
      var rate = parseFloat(value);
      if (!(rate >= 0.5 && rate <= 2)) { return; }
      audio.playbackRate = rate;
      audio.defaultPlaybackRate = rate;
      speeds.forEach(function (button) {
        button.setAttribute("aria-pressed", String(parseFloat(button.getAttribute("data-speed")) === rate));
      });
      store(SPEED_KEY, String(rate));
      if (announce) { status.textContent = "Speed " + rate + " times"; }
    }

    function seek(seconds) {
      var target = Math.max(0, seconds);
      if (isFinite(audio.duration)) { target = Math.min(target, audio.duration); }
      audio.currentTime = target;
      highlight();
    }

    function find(list, time) {
      var lo = 0, hi = list.length - 1, found = null;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        var start = parseFloat(list[mid].getAttribute("data-start"));
        if (start <= time) { found = list[mid]; lo = mid + 1; } else { hi = mid - 1; }
      }
      if (found && time > parseFloat(found.getAttribute("data-end")) + 1.5) { return null; }
      return found;
    }

    function highlight() {
      var time = audio.currentTime;
      var sentence = find(sentences, time);
      if (sentence !== current) {
        if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
        current = sentence;
        if (current) {
          current.classList.add("current");
          current.setAttribute("aria-current", "true");
          if (nowReading) { nowReading.textContent = current.textContent; }
          if (reading) { reading.hidden = false; }
          if (follow && follow.checked && !reduceMotion) {
            current.scrollIntoView({ block: "center", behavior: "smooth" });
          } else if (follow && follow.checked) {
            current.scrollIntoView({ block: "center" });
          }
        }
      }
      var word = words.length ? find(words, time) : null;
      if (word && current && !current.contains(word)) { word = null; }
      if (word !== currentWord) {
        if (currentWord) { currentWord.classList.remove("current"); }
        currentWord = word;
        if (currentWord) { currentWord.classList.add("current"); }
      }
    }

    play.addEventListener("click", function () {
      if (audio.paused) { audio.play(); } else { audio.pause(); }
    });
    controls.querySelector(".back").addEventListener("click", function () { seek(audio.currentTime - 10); });
    controls.querySelector(".forward").addEventListener("click", function () { seek(audio.currentTime + 30); });
    speeds.forEach(function (button) {
      button.addEventListener("click", function () { setSpeed(button.getAttribute("data-speed"), true); });
    });

    Array.prototype.forEach.call(article.querySelectorAll("a.seek"), function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        seek(parseFloat(link.getAttribute("data-start")));
        status.textContent = "Moved to " + clock(audio.currentTime) + (audio.paused ? ". Press Play to listen." : ".");
      });
    });

    audio.addEventListener("play", label);
    audio.addEventListener("pause", label);
    audio.addEventListener("ended", function () { label(); store(positionKey, null); });
    audio.addEventListener("timeupdate", function () {
      highlight();
      if (audio.currentTime > 5 && !audio.ended) { store(positionKey, String(audio.currentTime)); }
    });
    audio.addEventListener("seeked", highlight);
    audio.addEventListener("ratechange", function () {
      speeds.forEach(function (button) {
        button.setAttribute("aria-pressed", String(parseFloat(button.getAttribute("data-speed")) === audio.playbackRate));
      });
    });

    var saved = parseFloat(recall(positionKey));
    if (saved > 5) {
      resume.textContent = "Resume from " + clock(saved);
      resume.hidden = false;
      resume.addEventListener("click", function () {
        seek(saved);
        resume.hidden = true;
        status.textContent = "Resumed at " + clock(saved) + ". Press Play to listen.";
        play.focus();
      });
    }

    // A link to a moment of the episode ("#t=83.4", as narrate verify's report gives for each
    // miss) moves there, without playing: the listener presses Play.
    var moment = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    if (moment) {
      seek(parseFloat(moment[1]));
      status.textContent = "Moved to " + clock(parseFloat(moment[1])) + ". Press Play to listen.";
    }

    var speed = recall(SPEED_KEY);
    if (speed) { setSpeed(speed, false); }
    label();

    if ("mediaSession" in navigator) {
      var showTitle = article.getAttribute("data-show") || "";
      var cover = article.getAttribute("data-cover");
      try {
        navigator.mediaSession.metadata = new window.MediaMetadata({
          title: article.querySelector("h1").textContent,
          artist: showTitle,
          album: showTitle,
          artwork: cover ? [{ src: new URL(cover, document.baseURI).href, sizes: "3000x3000" }] : []
        });
        navigator.mediaSession.setActionHandler("play", function () { audio.play(); });
        navigator.mediaSession.setActionHandler("pause", function () { audio.pause(); });
        navigator.mediaSession.setActionHandler("seekbackward", function (d) { seek(audio.currentTime - ((d && d.seekOffset) || 10)); });
        navigator.mediaSession.setActionHandler("seekforward", function (d) { seek(audio.currentTime + ((d && d.seekOffset) || 30)); });
        navigator.mediaSession.setActionHandler("seekto", function (d) { if (d && d.seekTime !== undefined) { seek(d.seekTime); } });
      } catch (e) { /* an older browser: the native controls remain */ }
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".copy-button"), setupCopy);
    Array.prototype.forEach.call(document.querySelectorAll("article.episode"), setupEpisode);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
