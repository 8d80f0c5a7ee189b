// Shared by every page: the CSRF token for scripts, and forms that post with it.
"use strict";
window.soundmind = {
  csrf: document.querySelector('meta[name="csrf-token"]').content,
  post(url, body, contentType) {
    const headers = { "X-CSRF-Token": this.csrf };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, { method: "POST", headers, body, credentials: "same-origin" });
  },
};
// The desktop app's native folder dialog fills in the field the button names.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-pick-folder]");
  if (!button) return;
  event.preventDefault();
  button.disabled = true;
  const response = await window.soundmind.post("/settings/pick-folder");
  const picked = response.ok ? await response.json() : null;
  if (picked && picked.path) document.getElementById(button.dataset.pickFolder).value = picked.path;
  button.disabled = false;
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-post]");
  if (!button) return;
  event.preventDefault();
  button.disabled = true;
  const response = await window.soundmind.post(button.dataset.post);
  const status = document.getElementById("action-status");
  if (status) status.textContent = response.ok ? (button.dataset.done || "Done.") : await response.text();
  button.disabled = false;
  if (response.ok && button.dataset.reload) location.reload();
});
