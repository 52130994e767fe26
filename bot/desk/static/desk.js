// sharebot desk: small progressive enhancements (every form works without them).
"use strict";

// Count what the platform counts: graphemes on Bluesky, characters on Reddit.
function measure(text, unit) {
  if (unit === "graphemes" && typeof Intl !== "undefined" && Intl.Segmenter) {
    let n = 0;
    for (const _ of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)) n++;
    return n;
  }
  return text.length;
}

function bindCounter(area) {
  const counter = document.getElementById(area.getAttribute("aria-describedby"));
  const limit = Number(area.dataset.limit);
  const update = () => {
    const n = measure(area.value, area.dataset.unit);
    counter.textContent = n + " / " + limit + " " + area.dataset.unit + (n > limit ? " (over the limit)" : "");
    counter.classList.toggle("over", n > limit);
  };
  area.addEventListener("input", update);
  update();
}

function bindCopy(button) {
  button.addEventListener("click", async () => {
    const status = document.querySelector(".copied");
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      if (status) status.textContent = "Copied: " + button.dataset.copy;
    } catch (err) {
      if (status) status.textContent = "Copy failed: select the link and copy it by hand.";
    }
  });
}

// Calendar: drag a thread onto another day = its Move form with that day, same time.
function bindDrag() {
  document.querySelectorAll(".slot").forEach((slot) => {
    if (!slot.querySelector("form.move")) return;
    slot.draggable = true;
    slot.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/plain", slot.id));
  });
  document.querySelectorAll(".calday").forEach((day) => {
    day.addEventListener("dragover", (e) => e.preventDefault());
    day.addEventListener("drop", (e) => {
      e.preventDefault();
      const slot = document.getElementById(e.dataTransfer.getData("text/plain"));
      const form = slot && slot.querySelector("form.move");
      if (!form) return;
      const input = form.querySelector("input[name=at]");
      input.value = day.dataset.day + input.value.slice(10);
      form.requestSubmit();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  bindDrag();
  document.querySelectorAll("textarea[data-limit]").forEach(bindCounter);
  document.querySelectorAll("button.copy").forEach(bindCopy);
});
