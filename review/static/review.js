// Keyboard-only review: Enter saves (the form's own submit), Ctrl+Enter accepts the value as
// read, PageUp/PageDown (or Alt+↑/↓) step through the queue, Esc goes back to it.
document.addEventListener("keydown", (event) => {
  const follow = (id) => {
    const link = document.getElementById(id);
    if (link) { event.preventDefault(); window.location.assign(link.href); }
  };
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const accept = document.getElementById("accept");
    if (accept) { event.preventDefault(); accept.requestSubmit(); }
  } else if (event.key === "PageDown" || (event.altKey && event.key === "ArrowDown")) {
    follow("next");
  } else if (event.key === "PageUp" || (event.altKey && event.key === "ArrowUp")) {
    follow("previous");
  } else if (event.key === "Escape" && document.getElementById("correct")) {
    event.preventDefault();
    window.location.assign("/queue" + window.location.search.replace(/([?&])after=\d+&?/, "$1").replace(/[?&]$/, ""));
  }
});

// The read value is selected: typing replaces it, Enter keeps it as it is.
document.addEventListener("DOMContentLoaded", () => {
  const value = document.querySelector("input[data-select]");
  if (value) { value.focus(); value.select(); }
  const svg = document.getElementById("page-svg");
  if (svg) { pageViewer(svg); }
});

// Zoom (wheel, buttons) and pan (drag) by changing the page's viewBox; in draw mode a drag draws the
// value's box, kept in page pixels in the form's hidden `box` input.
function pageViewer(svg) {
  const width = Number(svg.dataset.width), height = Number(svg.dataset.height);
  let view = [0, 0, width, height];
  const show = () => svg.setAttribute("viewBox", view.join(" "));
  const toPage = (event) => {
    const point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  };
  const zoom = (factor, centre) => {
    const w = Math.min(width, Math.max(width / 20, view[2] * factor));
    const h = w * height / width;
    const cx = centre ? centre.x : view[0] + view[2] / 2, cy = centre ? centre.y : view[1] + view[3] / 2;
    view = [cx - (cx - view[0]) * w / view[2], cy - (cy - view[1]) * h / view[3], w, h];
    show();
  };
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoom(event.deltaY < 0 ? 0.8 : 1.25, toPage(event));
  }, { passive: false });
  document.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    if (button.dataset.zoom === "reset") { view = [0, 0, width, height]; show(); }
    else { zoom(button.dataset.zoom === "in" ? 0.8 : 1.25); }
  }));
  const drawToggle = document.getElementById("draw-mode");
  if (drawToggle) {
    drawToggle.addEventListener("click", () => {
      const drawing = svg.dataset.mode !== "draw";
      if (drawing) { svg.dataset.mode = "draw"; } else { delete svg.dataset.mode; }
      drawToggle.setAttribute("aria-pressed", drawing ? "true" : "false");
    });
  }
  const drawn = document.getElementById("drawn"), boxInput = document.getElementById("box");
  let start = null, panFrom = null;
  svg.addEventListener("mousedown", (event) => {
    event.preventDefault();
    if (svg.dataset.mode === "draw" && boxInput) { start = toPage(event); }
    else { panFrom = { x: event.clientX, y: event.clientY, view: view.slice() }; }
  });
  window.addEventListener("mousemove", (event) => {
    if (start) {
      const at = toPage(event);
      drawn.setAttribute("x", Math.min(start.x, at.x)); drawn.setAttribute("y", Math.min(start.y, at.y));
      drawn.setAttribute("width", Math.abs(at.x - start.x)); drawn.setAttribute("height", Math.abs(at.y - start.y));
    } else if (panFrom) {
      const scale = panFrom.view[2] / svg.getBoundingClientRect().width;
      view = [panFrom.view[0] - (event.clientX - panFrom.x) * scale, panFrom.view[1] - (event.clientY - panFrom.y) * scale,
              panFrom.view[2], panFrom.view[3]];
      show();
    }
  });
  window.addEventListener("mouseup", (event) => {
    if (start) {
      const at = toPage(event);
      const box = [Math.min(start.x, at.x), Math.min(start.y, at.y), Math.max(start.x, at.x), Math.max(start.y, at.y)]
        .map((v) => Math.round(Math.max(0, v)));
      boxInput.value = box.join(",");
      const state = document.getElementById("box-state");
      if (state) { state.textContent = "已框选"; }
      svg.classList.add("has-drawn");
      const value = document.getElementById("value");
      if (value) { value.focus(); }
    }
    start = null; panFrom = null;
  });
}
