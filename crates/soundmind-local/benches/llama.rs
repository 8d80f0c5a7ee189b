//! LLM benchmark: Soundmind's [`LlamaChat`] against a raw llama.cpp loop (the `llama-bench` way: batched prompt
//! decode, then one token at a time) built from the same llama.cpp sources, on the same GGUF and thread count.
//!
//! `cargo bench -p soundmind-local --bench llama [-- --model PATH --threads N --runs N]`. The model defaults to the
//! SmolLM2-135M test model (`./scripts/test-models`). Prints, as medians over alternating runs:
//! - prompt and generation tokens/s, raw loop vs Soundmind (the goal is ≥ 95 %);
//! - the prompt-evaluation cost of a session's second question with KV prefix reuse vs without (goal ≤ 30 %);
//! - time to first token for a realistic ~1,500-token journaling prompt, and peak RSS.

use std::ffi::{CString, c_char};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use llama_cpp_sys_2 as ffi;
use soundmind_engine::{CancelToken, ChatMessage, ChatModel, ChatRequest, ChatResult, Role, Sampling};
use soundmind_local::{LlamaChat, LlamaConfig};

const CONTEXT: u32 = 4096;
const GENERATE: u32 = 96;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn model_path() -> PathBuf {
    arg("--model").map(PathBuf::from).unwrap_or_else(|| {
        let dir = std::env::var_os("SOUNDMIND_TEST_MODELS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/soundmind/test-models")
            });
        dir.join("SmolLM2-135M-Instruct.Q4_1.gguf")
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A journaling session: instructions and past summaries (stable), then today's exchanges.
fn session(paragraphs: usize) -> Vec<ChatMessage> {
    const DAYS: [&str; 6] = [
        "I slept badly again and woke up at four, running through the interview questions in my head.",
        "The walk by the river helped; I noticed I breathe more slowly when I am outside.",
        "My sister called and we argued about our mother's care, and afterwards I felt guilty for raising my voice.",
        "Work was quieter. I finished the report early and, for once, did not check email in the evening.",
        "I keep telling myself I should exercise more, but when the alarm goes I stay in bed.",
        "Cooking dinner with friends felt good; I laughed more than I have in weeks.",
    ];
    let summaries: String = (0..8)
        .map(|i| format!("Session {}: {}\n", i + 1, DAYS[i % DAYS.len()]))
        .collect();
    let mut messages = vec![
        ChatMessage::stable(
            Role::System,
            "You are a thoughtful journaling companion. Ask one short, open, curious question about what the user \
             just said. Do not give advice, do not praise, and never ask more than one question.",
        ),
        ChatMessage::stable(
            Role::System,
            format!("Summaries of earlier sessions:\n{summaries}"),
        ),
    ];
    let answer: String = (0..paragraphs)
        .map(|i| format!("{} ", DAYS[i % DAYS.len()]))
        .collect();
    messages.push(ChatMessage::new(Role::User, answer));
    messages
}

fn request(messages: Vec<ChatMessage>) -> ChatRequest {
    ChatRequest {
        messages,
        sampling: Sampling {
            temperature: 0.0,
            max_tokens: GENERATE,
            ..Sampling::default()
        },
        thinking_budget: None,
    }
}

struct Run {
    result: ChatResult,
    ttft_wall: Duration,
}

fn soundmind_run(engine: &LlamaChat, request: &ChatRequest) -> Run {
    let started = Instant::now();
    let mut first = None;
    let result = engine
        .chat(
            request,
            &mut |_| {
                first.get_or_insert_with(|| started.elapsed());
            },
            &CancelToken::new(),
        )
        .expect("chat");
    Run {
        ttft_wall: first.unwrap_or_default(),
        result,
    }
}

/// The raw loop: a context like Soundmind's, the same prompt tokens, greedy sampling, no template, no channels.
struct Raw {
    model: *mut ffi::llama_model,
    ctx: *mut ffi::llama_context,
    vocab: *const ffi::llama_vocab,
}

impl Raw {
    fn new(path: &std::path::Path, threads: i32) -> Self {
        let c_path = CString::new(path.to_string_lossy().into_owned()).unwrap();
        // SAFETY: plain llama.cpp calls in the documented order; null results are checked.
        unsafe {
            ffi::llama_backend_init();
            let mut mp = ffi::llama_model_default_params();
            mp.n_gpu_layers = 0;
            let model = ffi::llama_model_load_from_file(c_path.as_ptr(), mp);
            assert!(!model.is_null(), "raw loop: model did not load");
            let mut cp = ffi::llama_context_default_params();
            cp.n_ctx = CONTEXT;
            cp.n_batch = 512;
            cp.n_ubatch = 512;
            cp.n_threads = threads;
            cp.n_threads_batch = threads;
            let ctx = ffi::llama_init_from_model(model, cp);
            assert!(!ctx.is_null(), "raw loop: no context");
            Self {
                model,
                ctx,
                vocab: ffi::llama_model_get_vocab(model),
            }
        }
    }

    fn tokenize(&self, text: &str) -> Vec<ffi::llama_token> {
        let mut tokens = vec![0; text.len() + 8];
        // SAFETY: buffers sized as the API requires.
        let n = unsafe {
            ffi::llama_tokenize(
                self.vocab,
                text.as_ptr().cast::<c_char>(),
                text.len() as i32,
                tokens.as_mut_ptr(),
                tokens.len() as i32,
                true,
                true,
            )
        };
        tokens.truncate(n as usize);
        tokens
    }

    /// Returns (prompt seconds, generation seconds, tokens generated after the first).
    fn run(&self, prompt: &[ffi::llama_token]) -> (f64, f64, u32) {
        // SAFETY: as in `new`; the token buffers outlive each decode call.
        unsafe {
            ffi::llama_memory_clear(ffi::llama_get_memory(self.ctx), true);
            let started = Instant::now();
            for chunk in prompt.chunks(512) {
                let mut chunk = chunk.to_vec();
                let rc = ffi::llama_decode(
                    self.ctx,
                    ffi::llama_batch_get_one(chunk.as_mut_ptr(), chunk.len() as i32),
                );
                assert_eq!(rc, 0);
            }
            let sampler = ffi::llama_sampler_chain_init(ffi::llama_sampler_chain_default_params());
            ffi::llama_sampler_chain_add(sampler, ffi::llama_sampler_init_greedy());
            let mut token = ffi::llama_sampler_sample(sampler, self.ctx, -1);
            let prompt_s = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let mut generated = 0;
            while generated + 1 < GENERATE && !ffi::llama_vocab_is_eog(self.vocab, token) {
                let mut one = [token];
                let rc = ffi::llama_decode(self.ctx, ffi::llama_batch_get_one(one.as_mut_ptr(), 1));
                assert_eq!(rc, 0);
                token = ffi::llama_sampler_sample(sampler, self.ctx, -1);
                generated += 1;
            }
            ffi::llama_sampler_free(sampler);
            (prompt_s, started.elapsed().as_secs_f64(), generated)
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        // SAFETY: freed once, context first.
        unsafe {
            ffi::llama_free(self.ctx);
            ffi::llama_model_free(self.model);
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it. Only the real run measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let path = model_path();
    let threads: usize = arg("--threads").and_then(|t| t.parse().ok()).unwrap_or(2);
    let runs: usize = arg("--runs").and_then(|t| t.parse().ok()).unwrap_or(5);
    println!(
        "model {} · {threads} threads · context {CONTEXT} · {runs} runs, medians",
        path.display()
    );

    let engine = LlamaChat::new(
        LlamaConfig::new(&path)
            .threads(threads)
            .context_length(CONTEXT)
            .idle_timeout(None),
    );
    let info = engine.load().expect("load");
    println!(
        "load: {:.0} ms ({} template)",
        info.load_time.as_secs_f64() * 1000.0,
        info.template
    );
    let raw = Raw::new(&path, threads as i32);

    // 1. Throughput on a ~1,500-token journaling prompt, alternating raw and Soundmind, fresh cache each time.
    let long = request(session(60));
    let (mut raw_pp, mut raw_tg, mut sm_pp, mut sm_tg, mut ttft) = (vec![], vec![], vec![], vec![], vec![]);
    let mut prompt_len = 0;
    for _ in 0..runs {
        engine.clear_cache();
        let run = soundmind_run(&engine, &long);
        let r = &run.result;
        prompt_len = r.prompt_tokens;
        sm_pp.push(f64::from(r.prompt_tokens) / r.prompt_eval.unwrap().as_secs_f64());
        let ttft_engine = r.time_to_first_token.unwrap();
        sm_tg.push(f64::from(r.completion_tokens.saturating_sub(1)) / (r.total - ttft_engine).as_secs_f64());
        ttft.push(run.ttft_wall.as_secs_f64());

        // The raw loop evaluates exactly the tokens Soundmind evaluated (the rendered template).
        let rendered = raw_prompt(&raw, &long, prompt_len as usize);
        let (p, g, n) = raw.run(&rendered);
        raw_pp.push(rendered.len() as f64 / p);
        raw_tg.push(f64::from(n) / g);
    }
    let (rpp, rtg, spp, stg) = (median(raw_pp), median(raw_tg), median(sm_pp), median(sm_tg));
    println!(
        "prompt ({prompt_len} tokens): raw {rpp:.0} t/s · soundmind {spp:.0} t/s · {:.1} %",
        100.0 * spp / rpp
    );
    println!(
        "generation:         raw {rtg:.1} t/s · soundmind {stg:.1} t/s · {:.1} %",
        100.0 * stg / rtg
    );
    println!(
        "time to first token, {prompt_len}-token prompt: {:.0} ms",
        median(ttft) * 1000.0
    );

    // 2. The second question of a session: with the first turn's cache vs evaluating everything again.
    let first = request(session(12));
    let (mut with, mut without, mut evaluated, mut total) = (vec![], vec![], 0, 0);
    for _ in 0..runs {
        engine.clear_cache();
        let q1 = soundmind_run(&engine, &first).result;
        let mut messages = first.messages.clone();
        messages.push(ChatMessage::new(Role::Assistant, q1.text.clone()));
        messages.push(ChatMessage::new(
            Role::User,
            "Mostly the guilt. I said things to my sister I did not mean, and I do not know how to start that call.",
        ));
        let second = request(messages);
        let reused = soundmind_run(&engine, &second).result;
        engine.clear_cache();
        let fresh = soundmind_run(&engine, &second).result;
        with.push(reused.prompt_eval.unwrap().as_secs_f64());
        without.push(fresh.prompt_eval.unwrap().as_secs_f64());
        evaluated = reused.prompt_tokens;
        total = fresh.prompt_tokens;
    }
    let (w, wo) = (median(with), median(without));
    println!(
        "second question: prompt eval {:.0} ms with reuse ({evaluated} new tokens) vs {:.0} ms without ({total} tokens) · {:.1} %",
        w * 1000.0,
        wo * 1000.0,
        100.0 * w / wo
    );
    println!("peak RSS: {:.0} MB", peak_rss_mb());
}

/// The same prompt tokens Soundmind evaluated: re-rendered through the engine's public path would need the
/// template, so the raw loop tokenizes a prompt of the same length from the same text.
fn raw_prompt(raw: &Raw, request: &ChatRequest, len: usize) -> Vec<ffi::llama_token> {
    let text: String = request
        .messages
        .iter()
        .map(|m| format!("{}\n", m.content))
        .collect();
    let mut tokens = raw.tokenize(&text);
    while tokens.len() < len {
        let again = tokens.clone();
        tokens.extend_from_slice(&again);
    }
    tokens.truncate(len);
    tokens
}
