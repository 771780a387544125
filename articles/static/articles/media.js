/* Embedded players load only when the reader asks; pictures that cannot load
   (the archive's live on the web archive) leave a placeholder with a link to
   the archived copy instead of a broken image. No inline script is needed. */
(function () {
  "use strict";

  function play(figure) {
    var src = figure.getAttribute("data-player");
    var box = figure.querySelector(".embed-box");
    if (!src || !box) return;
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = figure.getAttribute("data-title") || "";
    frame.setAttribute("allow", "autoplay; encrypted-media; fullscreen; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups");
    var wrapper = document.createElement("div");
    wrapper.className = "embed-frame";
    wrapper.appendChild(frame);
    box.insertBefore(wrapper, box.firstChild);
    figure.classList.add("embed-playing");
    frame.focus();
  }

  function missing(img) {
    if (img.dataset.missing) return;
    img.dataset.missing = "1";
    var figure = img.closest(".body figure");
    if (!figure) {  /* a list's thumbnail: a neutral box, no icon */
      var box = document.createElement("span");
      box.className = "thumb-missing";
      box.setAttribute("aria-hidden", "true");
      img.replaceWith(box);
      return;
    }
    var link = document.createElement("a");
    link.className = "img-missing";
    link.href = img.currentSrc || img.getAttribute("src");
    link.rel = "noopener noreferrer nofollow";
    link.textContent = "圖片未能載入 · 查看網頁存檔的圖片";
    var w = parseInt(img.getAttribute("width"), 10), h = parseInt(img.getAttribute("height"), 10);
    if (w > 0 && h > 0) link.style.aspectRatio = w + " / " + h;
    img.replaceWith(link);
  }

  document.addEventListener("error", function (event) {
    if (event.target && event.target.tagName === "IMG") missing(event.target);
  }, true);

  function ready() {
    document.querySelectorAll("figure.embed[data-player] .embed-play").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { play(button.closest("figure")); });
    });
    document.querySelectorAll("img").forEach(function (img) {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) missing(img);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
