//! `soundmind diagnose llm | compare | privacy | cloud`: the chat model's speed and output, two models side by side,
//! what privacy mode lets out, and whether cloud keys work. None of them sends journal content: the prompts are
//! built-in examples, and the cloud check only lists models.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use soundmind_app::config::{ApiKeyProvider, Config, secret_rows};
use soundmind_core::dialogue::guard;
use soundmind_engine::{
    CancelToken, ChatMessage, ChatModel, ChatRequest, ChatResult, ModelSpec, Provider, Role, Sampling,
};
use soundmind_remote::Http;

use crate::engines;

#[derive(Debug, Args)]
pub struct LlmArgs {
    /// Model spec (default: the configured llm.model), e.g. local:qwen2.5-1.5b-instruct, ollama:qwen2.5:7b-instruct
    #[arg(long, value_name = "SPEC")]
    model: Option<String>,
    /// The most tokens to generate
    #[arg(long, default_value_t = 64)]
    max_tokens: u32,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// First model spec
    a: String,
    /// Second model spec
    b: String,
    /// The most tokens each model may generate
    #[arg(long, default_value_t = 96)]
    max_tokens: u32,
}

/// A made-up journaling moment (never the user's journal): instructions, two past summaries, today's answer.
fn example_prompt(max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::stable(
                Role::System,
                "You are a thoughtful journaling companion. Reply with one short, open question (under 25 words) \
                 about what the person just said. No advice, no praise, no exclamation marks.",
            ),
            ChatMessage::stable(
                Role::System,
                "Earlier sessions:\n- Worried about a job interview; sleeping badly.\n- Felt calmer after walks by \
                 the river; wants to protect that time.",
            ),
            ChatMessage::new(
                Role::User,
                "I put off the application again today. Every time I open the form I find something else to do, \
                 and then in the evening I feel guilty and tell myself tomorrow will be different.",
            ),
        ],
        sampling: Sampling {
            temperature: 0.5,
            max_tokens,
            ..Sampling::default()
        },
        thinking_budget: None,
    }
}

struct Timed {
    ready: Duration,
    result: ChatResult,
}

/// Loads or contacts the model, then runs the example prompt, streaming its text to `out`.
fn run_example(engine: &dyn ChatModel, max_tokens: u32, out: &mut dyn Write) -> anyhow::Result<Timed> {
    let started = Instant::now();
    let ready_line = engine.probe()?;
    let ready = started.elapsed();
    writeln!(out, "ready:       {ready_line} ({} ms)", ready.as_millis())?;
    write!(out, "answer:      ")?;
    out.flush()?;
    let mut write_error = None;
    let result = engine.chat(
        &example_prompt(max_tokens),
        &mut |delta| {
            if let Err(e) = write!(out, "{delta}").and_then(|()| out.flush()) {
                write_error.get_or_insert(e);
            }
        },
        &CancelToken::new(),
    );
    writeln!(out)?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    Ok(Timed {
        ready,
        result: result?,
    })
}

fn tokens_per_second(result: &ChatResult) -> Option<f64> {
    let ttft = result.time_to_first_token?;
    let generating = result.total.checked_sub(ttft)?.as_secs_f64();
    (result.completion_tokens > 1 && generating > 0.0)
        .then(|| f64::from(result.completion_tokens - 1) / generating)
}

fn print_timings(out: &mut dyn Write, result: &ChatResult) -> std::io::Result<()> {
    writeln!(
        out,
        "prompt:      {} tokens evaluated, {} from cache",
        result.prompt_tokens, result.cached_prompt_tokens
    )?;
    let ttft = result
        .time_to_first_token
        .map_or("-".into(), |d| format!("{} ms", d.as_millis()));
    let speed = tokens_per_second(result).map_or("-".into(), |t| format!("{t:.1} tokens/s"));
    writeln!(
        out,
        "speed:       first token {ttft} · {speed} · {} tokens · finished: {}",
        result.completion_tokens,
        result.finish_reason.as_deref().unwrap_or("?")
    )
}

pub fn llm(args: &LlmArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let engine = engines::chat_model(config, args.model.as_deref())?;
    writeln!(out, "model:       {} ({})", engine.model(), engine.name())?;
    let timed = run_example(engine.as_ref(), args.max_tokens, &mut out)?;
    print_timings(&mut out, &timed.result)?;
    Ok(ExitCode::SUCCESS)
}

pub fn compare(args: &CompareArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let mut scored = Vec::new();
    for spec in [&args.a, &args.b] {
        writeln!(out, "== {spec}")?;
        let engine = engines::chat_model(config, Some(spec))?;
        let timed = run_example(engine.as_ref(), args.max_tokens, &mut out)?;
        print_timings(&mut out, &timed.result)?;
        let question = guard::clean(&timed.result.text);
        let score = guard::score(&question);
        for (check, passed) in score.checks {
            writeln!(out, "  {} {check}", if passed { "✓" } else { "✗" })?;
        }
        writeln!(out, "score:       {}/5", score.points())?;
        scored.push((spec, score.points(), timed.ready + timed.result.total));
    }
    // Higher score wins; equal scores go to the faster model.
    let best = scored
        .iter()
        .max_by(|x, y| x.1.cmp(&y.1).then(y.2.cmp(&x.2)))
        .expect("two models");
    writeln!(
        out,
        "recommended: {} ({}/5, {:.1} s)",
        best.0,
        best.1,
        best.2.as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What each configured engine would contact, and whether privacy mode lets it. Sends nothing.
pub fn privacy(config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let http = engines::http(config)?;
    let on = config.privacy.value;
    let on_off = |on: bool| if on { "on" } else { "off" };
    writeln!(
        out,
        "privacy mode: {} ({}){}",
        on_off(on),
        config.privacy.source,
        if on {
            ": no journal content (audio, transcripts, prompts, summaries) leaves this machine"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "offline mode: {} ({})",
        on_off(config.offline.value),
        config.offline.source
    )?;
    let downloads = if config.offline.value {
        "refused (offline mode); add model files with `soundmind models add FILE`"
    } else {
        "allowed: catalogue model files carry none of your words and are checked against a pinned hash"
    };
    writeln!(out, "{:<13} {downloads}", "downloads:")?;
    let mut blocked = false;
    let llm = ModelSpec::parse(&config.llm_model.value)?;
    let llm_url = match llm.provider {
        Provider::Local => None,
        Provider::Ollama => Some(config.ollama_base_url.value.clone()),
        Provider::OpenAi => Some(config.openai_base_url.value.clone()),
        Provider::Anthropic => Some(config.anthropic_base_url.value.clone()),
    };
    blocked |= report(&mut out, &http, "llm:", &llm.to_string(), llm_url.as_deref())?;
    let stt_url = match config.stt_backend.value.as_str() {
        "cloud-openai" | "openai" | "cloud" => Some(config.openai_base_url.value.clone()),
        _ => None,
    };
    blocked |= report(
        &mut out,
        &http,
        "stt:",
        &config.stt_backend.value,
        stt_url.as_deref(),
    )?;
    // The guard itself, on a cloud address: refused before any connection when privacy mode is on.
    match http.check(&config.anthropic_base_url.value) {
        Err(e) => writeln!(out, "guard:        {e}")?,
        Ok(_) => writeln!(
            out,
            "guard:        off: cloud addresses such as {} are allowed",
            config.anthropic_base_url.value
        )?,
    }
    if blocked {
        writeln!(
            out,
            "The configured engines above cannot work in privacy or offline mode: choose local ones, or turn the mode off."
        )?;
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints where one engine goes; true when privacy mode would refuse it.
fn report(
    out: &mut dyn Write,
    http: &Http,
    label: &str,
    engine: &str,
    url: Option<&str>,
) -> anyhow::Result<bool> {
    let Some(url) = url else {
        writeln!(out, "{label:<13} {engine}: in this process, on this machine")?;
        return Ok(false);
    };
    Ok(match http.check(url) {
        Ok(parsed) if soundmind_remote::is_loopback_url(&parsed) => {
            writeln!(out, "{label:<13} {engine}: {url} (this machine)")?;
            false
        }
        Ok(_) => {
            writeln!(
                out,
                "{label:<13} {engine}: {url} (leaves this machine: privacy and offline modes are off)"
            )?;
            false
        }
        Err(e) => {
            writeln!(out, "{label:<13} {engine}: refused: {e}")?;
            true
        }
    })
}

/// Which API keys are set, and whether each service accepts its key (by listing models; no journal text).
pub fn cloud(config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for row in secret_rows() {
        writeln!(out, "{:<26} {} ({})", row.key, row.value, row.source)?;
    }
    let configured = ModelSpec::parse(&config.llm_model.value).ok();
    let mut failed = false;
    for provider in ApiKeyProvider::ALL {
        let (label, spec) = match provider {
            ApiKeyProvider::Anthropic => (
                "anthropic",
                configured
                    .as_ref()
                    .filter(|s| s.provider == Provider::Anthropic)
                    .map_or_else(|| "anthropic:claude-sonnet-4".to_string(), ToString::to_string),
            ),
            ApiKeyProvider::OpenAi => (
                "openai",
                configured
                    .as_ref()
                    .filter(|s| s.provider == Provider::OpenAi)
                    .map_or_else(|| "openai:gpt-4o-mini".to_string(), ToString::to_string),
            ),
        };
        let result = engines::chat_model(config, Some(&spec)).and_then(|engine| Ok(engine.probe()?));
        match result {
            Ok(line) => writeln!(out, "{label:<10} ok: {line}")?,
            Err(e) => {
                failed = true;
                writeln!(out, "{label:<10} failed: {e:#}")?;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
