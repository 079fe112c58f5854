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
