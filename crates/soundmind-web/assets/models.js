// Downloads with live progress (server-sent events), retry after a failure, and adding a local file.
"use strict";
(() => {
  const rows = new Map([...document.querySelectorAll("tr.model")].map((tr) => [tr.dataset.name, tr]));
  const events = new EventSource("/models/events");
  events.addEventListener("progress", (e) => {
    const p = JSON.parse(e.data);
    const row = rows.get(p.name);
    if (!row) return;
    const status = row.querySelector(".model-status");
    const bar = row.querySelector(".download-progress");
    const button = row.querySelector("button.download");
    if (bar) {
      bar.hidden = p.state === "done" || p.state === "failed";
      if (p.total) bar.value = p.done / p.total;
    }
    if (p.state === "downloading" && p.total) {
      status.textContent = `downloading ${Math.floor(p.done * 100 / p.total)}%`;
    } else if (p.state === "failed") {
      status.textContent = "failed: " + (p.message || "unknown error") + " (the part already downloaded is kept)";
      if (button) { button.textContent = "Retry"; button.disabled = false; }
    } else {
      status.textContent = p.state;
    }
    if (p.state === "done") setTimeout(() => location.reload(), 300);
  });
  // Starts the download of one row; a refusal is shown in its status cell.
  const startDownload = async (button) => {
    button.disabled = true;
    const unchecked = button.dataset.unverified ? "?allow_unverified=true" : "";
    const response = await window.soundmind.post(`/models/${encodeURIComponent(button.dataset.name)}/download${unchecked}`);
    if (!response.ok) {
      rows.get(button.dataset.name).querySelector(".model-status").textContent = await response.text();
      button.disabled = false;
    }
  };
  document.addEventListener("click", (e) => {
    const button = e.target.closest("button.download");
    if (button) startDownload(button);
  });
  const getNeeded = document.getElementById("get-needed");
  if (getNeeded) getNeeded.addEventListener("click", async () => {
    getNeeded.disabled = true;
    for (const button of document.querySelectorAll("tr.model.needed button.download")) {
      if (!button.disabled) await startDownload(button);
    }
  });
  const form = document.getElementById("add-form");
  if (form) form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = document.getElementById("add-file").files[0];
    if (!file) return;
    const name = document.getElementById("add-name").value.trim();
    const query = new URLSearchParams({ file_name: file.name });
    if (name) query.set("name", name);
    document.getElementById("action-status").textContent = "Adding…";
    const response = await window.soundmind.post(`/models/add?${query}`, file, "application/octet-stream");
    const body = await response.json().catch(() => ({}));
    document.getElementById("action-status").textContent = response.ok ? `Added ${body.added}.` : (body.error || "Refused.");
    if (response.ok) setTimeout(() => location.reload(), 300);
  });
})();
