//! LLM model spec strings, compatible with HSJ's `LLM_MODEL`: `provider:model[:version][:thinking]`.

use std::fmt;

/// Which kind of engine serves a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// llama.cpp in-process (`local:` or HSJ's `local_llama:`).
    Local,
    /// An Ollama server (`ollama:`).
    Ollama,
    /// Any OpenAI-compatible chat server: OpenAI, vLLM, llama-server, LM Studio (`openai:`).
    OpenAi,
    /// Anthropic's Messages API (`anthropic:`, or a spec without a provider, as in HSJ).
    Anthropic,
}

impl Provider {
    /// The spec prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::Ollama => "ollama",
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
        }
    }

    /// True when the engine runs on this machine (llama.cpp) or usually does (Ollama on loopback).
    pub fn is_local(self) -> bool {
        matches!(self, Provider::Local | Provider::Ollama)
    }
}

/// A parsed model spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    /// The engine kind.
    pub provider: Provider,
    /// The model id as the provider expects it (`claude-sonnet-4-20250514`, `qwen2.5:7b-instruct`, a GGUF name
    /// or path).
    pub model: String,
    /// Extended thinking (Anthropic only).
    pub thinking: bool,
}

/// A spec string that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid LLM model spec {spec:?}: {reason} (expected provider:model[:version][:thinking], e.g. anthropic:claude-sonnet-4:20250514:thinking, ollama:qwen2.5:7b-instruct or local:qwen2.5-1.5b-instruct)"
)]
pub struct SpecError {
    /// The spec given.
    pub spec: String,
    /// What is wrong.
    pub reason: String,
}

/// The version HSJ appends to bare Sonnet 4 aliases.
const SONNET_4_VERSION: &str = "20250514";

impl ModelSpec {
    /// Parses a spec the way HSJ does (§2.5), plus `openai:` for OpenAI-compatible servers and `local:<path>`.
    pub fn parse(spec: &str) -> Result<Self, SpecError> {
        let err = |reason: &str| SpecError {
            spec: spec.to_string(),
            reason: reason.into(),
        };
        let spec_trimmed = spec.trim();
        if spec_trimmed.is_empty() {
            return Err(err("it is empty"));
        }
        let Some((head, rest)) = spec_trimmed.split_once(':') else {
            // No provider: HSJ treats it as an Anthropic model.
            return Ok(Self {
                provider: Provider::Anthropic,
                model: anthropic_id(spec_trimmed, None),
                thinking: false,
            });
        };
        let provider = match head.to_ascii_lowercase().as_str() {
            "local" | "local_llama" | "llama" | "llamacpp" => Provider::Local,
            "ollama" => Provider::Ollama,
            "openai" | "openai-compatible" => Provider::OpenAi,
            "anthropic" | "claude" => Provider::Anthropic,
            _ => return Err(err(&format!("unknown provider {head:?}"))),
        };
        if provider == Provider::Local {
            // A path may itself contain ':' (Windows drives); keep everything after the provider.
            let model = rest.trim();
            if model.is_empty() {
                return Err(err("no model name or path after local:"));
            }
            return Ok(Self {
                provider,
                model: model.to_string(),
                thinking: false,
            });
        }
        let mut parts: Vec<&str> = rest.split(':').collect();
        let thinking = parts.last().is_some_and(|p| p.eq_ignore_ascii_case("thinking"));
        if thinking {
            parts.pop();
        }
        if thinking && provider != Provider::Anthropic {
            return Err(err("thinking is only available for anthropic models"));
        }
        let Some((&model, versions)) = parts.split_first() else {
            return Err(err("no model name"));
        };
        if model.is_empty() {
            return Err(err("no model name"));
        }
        let model = match provider {
            Provider::Anthropic => anthropic_id(model, versions.first().copied()),
            // Ollama tags use ':' themselves (`gemma3:27b-instruct-q4_K_M`).
            _ => parts.join(":"),
        };
        Ok(Self {
            provider,
            model,
            thinking,
        })
    }
}

/// HSJ's Anthropic id rules: `model` + `-` + `version`; an id that already carries an 8-digit date is kept; bare
/// Sonnet 4 aliases get HSJ's default date.
fn anthropic_id(model: &str, version: Option<&str>) -> String {
    let has_date = model
        .split('-')
        .any(|p| p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit()));
    match version {
        Some(v) if !v.is_empty() && !has_date => format!("{model}-{v}"),
        _ if has_date => model.to_string(),
        _ if matches!(model, "claude-sonnet-4" | "sonnet-4" | "claude-sonnet") => {
            let base = if model == "claude-sonnet-4" {
                model.to_string()
            } else {
                "claude-sonnet-4".to_string()
            };
            format!("{base}-{SONNET_4_VERSION}")
        }
        _ => model.to_string(),
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider.as_str(), self.model)?;
        if self.thinking {
            f.write_str(":thinking")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ModelSpec {
        ModelSpec::parse(s).unwrap()
    }

    #[test]
    fn hsj_specs_keep_working() {
        let sonnet = parse("anthropic:claude-sonnet-4:20250514:thinking");
        assert_eq!(
            (sonnet.provider, sonnet.model.as_str(), sonnet.thinking),
            (Provider::Anthropic, "claude-sonnet-4-20250514", true)
        );
        assert_eq!(parse("claude-sonnet-4").model, "claude-sonnet-4-20250514");
        assert_eq!(parse("anthropic:sonnet-4").model, "claude-sonnet-4-20250514");
        assert_eq!(
            parse("anthropic:claude-opus-4-1-20250805").model,
            "claude-opus-4-1-20250805"
        );
        let ollama = parse("ollama:qwen2.5:7b-instruct");
        assert_eq!(
            (ollama.provider, ollama.model.as_str()),
            (Provider::Ollama, "qwen2.5:7b-instruct")
        );
        assert_eq!(
            parse("ollama:gemma3:27b-instruct-q4_K_M").model,
            "gemma3:27b-instruct-q4_K_M"
        );
        assert_eq!(
            parse("local_llama:llama-3.1-8b-instruct-q4_k_m.gguf").provider,
            Provider::Local
        );
        assert_eq!(parse("local:C:\\models\\x.gguf").model, "C:\\models\\x.gguf");
        assert_eq!(parse("openai:gpt-4o-mini").provider, Provider::OpenAi);
        assert_eq!(
            parse("anthropic:claude-sonnet-4:20250514:thinking").to_string(),
            "anthropic:claude-sonnet-4-20250514:thinking"
        );
    }

    #[test]
    fn bad_specs_explain_themselves() {
        for bad in ["", "mystery:model", "ollama:llama3:thinking", "local:", "ollama:"] {
            let err = ModelSpec::parse(bad).unwrap_err();
            assert!(
                err.to_string().contains("expected provider:model"),
                "{bad}: {err}"
            );
        }
    }
}
