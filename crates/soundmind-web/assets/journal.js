// The journal page: one WebSocket carries the microphone (16 kHz PCM) up and the session's events down. In the
// desktop app the server records from the native microphone instead, and the page only sends the keys.
// Text from the server is always set with textContent, never as HTML.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const root = $("journal");
  const buttons = ["record", "stop", "pause", "cancel", "last"].reduce((all, id) => ({ ...all, [id]: $(id) }), {});
  let socket = null;
  let control = false;
  let state = root.dataset.state;
  let recording = null; // { stream, context, node } | { recorder, chunks } | { native: true }
  let nativeMic = false;
  let paused = false;
  let streamed = "";

  const labels = {
    idle: "", ready: "Ready when you are.", recording: "Listening…", transcribing: "Transcribing…",
    thinking: "Thinking of a question…", crisis: "", ended: "Session saved.", error: "",
  };

  function show(id, text) {
    const el = $(id);
    if (text === null || text === undefined || text === "") { el.hidden = true; el.textContent = ""; return; }
    el.textContent = text;
    el.hidden = false;
  }

  function message(text, kind) {
    const li = document.createElement("li");
    li.textContent = text;
    if (kind) li.className = kind;
    $("messages").appendChild(li);
  }

  function setState(next, notice) {
    state = next;
    root.dataset.state = next;
    if (next !== "recording") $("meter-bar").style.width = "0%";
    $("status").textContent = labels[next] ?? next;
    if (notice !== undefined) show("notice", notice);
    const canAnswer = control && (next === "ready");
    buttons.record.disabled = !canAnswer || recording !== null;
    for (const id of ["stop", "pause", "cancel", "last"]) buttons[id].disabled = recording === null;
    $("send").disabled = !canAnswer;
    $("end").disabled = !control || next === "ended" || next === "idle";
    $("new-session").hidden = !(control && next === "ended");
  }

  function appendExchange(question, answer) {
    const li = document.createElement("li");
    li.className = "exchange";
    const q = document.createElement("p");
    q.className = "question";
    q.textContent = question;
    const a = document.createElement("p");
    a.className = "answer";
    a.textContent = answer;
    li.append(q, a);
    $("history").appendChild(li);
  }

  function speak(text) {
    if (!$("voice").checked || !("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = root.dataset.language || "en";
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }

  function onEvent(event) {
    switch (event.type) {
      case "hello":
        control = event.control;
        nativeMic = Boolean(event.native_mic);
        if (!control) show("busy", "This session is open in another tab or window; this one only watches.");
        if (event.snapshot.question) $("question").textContent = event.snapshot.question;
        setState(event.snapshot.state, event.snapshot.notice);
        break;
      case "busy": show("busy", event.text); break;
      case "state":
        // The native microphone's take ends on the server (a finished test file, a closed device).
        if (recording && recording.native && event.state !== "recording") recording = null;
        setState(event.state, event.notice);
        break;
      case "first_run": show("first-run", event.text); break;
      case "started":
        root.dataset.session = event.session;
        $("question").textContent = event.question;
        $("history").replaceChildren();
        show("footer", "");
        show("summary", "");
        speak(event.question);
        break;
      case "level": {
        const percent = Math.max(0, Math.min(100, (event.dbfs + 60) / 60 * 100));
        $("meter-bar").style.width = percent + "%";
        $("meter").setAttribute("aria-valuenow", Math.round(event.dbfs));
        const s = Math.floor(event.seconds);
        $("timer").textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
        break;
      }
      case "heard": {
        // Provisional words while the person is still speaking; the saved transcript replaces them.
        const heard = $("heard");
        heard.textContent = (heard.textContent + " " + event.text).trim();
        heard.hidden = false;
        break;
      }
      case "transcript": {
        show("heard", "");
        // The answer is saved. After a reload mid-answer the page already shows it as kept and waiting: fill that
        // in; otherwise it joins the history under the question it answers.
        const pending = $("history").querySelector(".answer.pending");
        if (pending) {
          pending.textContent = event.text;
          pending.classList.remove("pending");
        } else {
          appendExchange($("question").textContent, event.text);
        }
        break;
      }
      case "attempt": streamed = ""; $("question").textContent = ""; break;
      case "token":
        streamed += event.text;
        $("question").textContent = streamed;
        break;
      case "question":
        streamed = "";
        $("question").textContent = event.text;
        speak(event.text);
        break;
      case "crisis":
        $("crisis-message").textContent = event.message;
        $("crisis-resources").textContent = event.resources;
        $("crisis").hidden = false;
        $("question").textContent = "";
        break;
      case "note": message(event.text, "note"); break;
      case "nudge": show("nudge", event.text); break;
      case "summary": show("summary", event.text); break;
      case "ended": show("footer", event.footer); break;
      case "discarded": case "pending": message(event.text, event.type); break;
      case "error":
        if (recording && recording.native && state === "recording") { recording = null; setState("ready"); }
        message(event.text, "error");
        break;
      case "checkin": {
        $("checkin-question").textContent = event.question;
        const answers = $("checkin-answers");
        answers.replaceChildren();
        for (const answer of event.answers) {
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = answer.label;
          b.dataset.answer = answer.value;
          b.addEventListener("click", () => { send({ type: "checkin", answer: answer.value }); answers.replaceChildren(); });
          answers.appendChild(b);
        }
        $("checkin").hidden = false;
        break;
      }
      case "checkin_done": show("checkin-reply", event.text || "Thank you."); break;
    }
  }

  function send(command) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(command));
  }

  function connect() {
    socket = new WebSocket(`ws://${location.host}/journal/ws`);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (e) => onEvent(JSON.parse(e.data)));
    socket.addEventListener("close", () => {
      control = false;
      stopCapture();
      setState("error", "Lost the connection to Soundmind. What was recorded is kept. Reload to continue.");
    });
  }

  async function startRecording() {
    if (recording || !control) return;
    paused = false;
    if (nativeMic) {
      recording = { native: true };
      send({ type: "start" });
      show("heard", "");
      setState("recording");
      return;
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    }).catch((e) => { message("The microphone is not available: " + e.message, "error"); return null; });
    if (!stream) return;
    if (window.AudioWorkletNode) {
      let context;
      try { context = new AudioContext({ sampleRate: 16000 }); } catch { context = new AudioContext(); }
      await context.audioWorklet.addModule("/assets/recorder-worklet.js");
      const node = new AudioWorkletNode(context, "pcm-recorder");
      node.port.onmessage = (e) => { if (socket.readyState === WebSocket.OPEN) socket.send(e.data); };
      send({ type: "start" });
      show("heard", "");
      context.createMediaStreamSource(stream).connect(node);
      recording = { stream, context, node };
    } else {
      // No AudioWorklet: record the whole answer and upload it when it ends.
      const recorder = new MediaRecorder(stream);
      const chunks = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.start();
      recording = { stream, recorder, chunks };
    }
    setState("recording");
  }

  function stopCapture() {
    if (!recording) return null;
    const current = recording;
    recording = null;
    if (current.native) return current;
    current.stream.getTracks().forEach((t) => t.stop());
    if (current.context) current.context.close();
    return current;
  }

  function finish(command) {
    const current = stopCapture();
    if (!current) return;
    if (current.recorder) {
      if (command === "cancel") { current.recorder.stop(); setState(state); return; }
      current.recorder.onstop = () => upload(new Blob(current.chunks, { type: current.recorder.mimeType }));
      current.recorder.stop();
    } else {
      send({ type: command });
    }
    setState(command === "cancel" ? "ready" : "transcribing");
  }

  async function upload(blob) {
    if (blob.size > Number(root.dataset.uploadLimit)) {
      message("That recording is larger than the upload limit.", "error");
      return;
    }
    setState("transcribing");
    const response = await window.soundmind.post("/journal/upload", blob, blob.type || "application/octet-stream");
    if (!response.ok) {
      const body = await response.json().catch(() => ({ error: response.statusText }));
      message(body.error || "The upload was refused.", "error");
      setState("ready");
    }
  }

  buttons.record.addEventListener("click", startRecording);
  buttons.stop.addEventListener("click", () => finish("stop"));
  buttons.cancel.addEventListener("click", () => finish("cancel"));
  buttons.last.addEventListener("click", () => finish("last"));
  buttons.pause.addEventListener("click", () => {
    paused = !paused;
    buttons.pause.firstChild.textContent = paused ? "Resume " : "Pause ";
    send({ type: "pause" });
  });
  $("end").addEventListener("click", () => send({ type: "end" }));
  $("crisis-end").addEventListener("click", () => send({ type: "end" }));
  $("new-session").addEventListener("click", () => { $("checkin").hidden = true; send({ type: "new" }); });
  $("typed-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("typed").value.trim();
    if (!text) return;
    send({ type: "text", text });
    $("typed").value = "";
  });
  $("upload-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("upload").files[0];
    if (file) upload(file);
  });
  $("voice").addEventListener("change", () => localStorage.setItem("soundmind.voice", $("voice").checked ? "1" : "0"));
  if (localStorage.getItem("soundmind.voice") !== null) $("voice").checked = localStorage.getItem("soundmind.voice") === "1";

  // The CLI's keys: Enter stops, Space pauses, Esc redoes, Q keeps the answer and ends; R records.
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("textarea, input, select")) return;
    if (recording) {
      if (e.key === " ") { e.preventDefault(); buttons.pause.click(); }
      else if (e.key === "Escape") finish("cancel");
      else if (e.key === "q" || e.key === "Q") finish("last");
      else if (e.key === "Enter") finish("stop");
    } else if ((e.key === "r" || e.key === "R") && !buttons.record.disabled) {
      startRecording();
    }
  });

  setState(state);
  connect();
})();
