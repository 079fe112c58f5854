// Upload page: files dropped on the zone become the form's files (the browser's own file input
// stays usable for choosing them), and their names are listed before they are sent.
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.getElementById("drop");
  const input = document.getElementById("files");
  const chosen = document.getElementById("chosen");
  if (!zone || !input) { return; }
  const list = () => {
    chosen.replaceChildren(...Array.from(input.files, (file) => {
      const item = document.createElement("li");
      item.textContent = `${file.name}（${Math.ceil(file.size / 1024)} KB）`;
      return item;
    }));
  };
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    input.files = event.dataTransfer.files;
    list();
  });
  input.addEventListener("change", list);
});
