//! The prompt templates: built in (the `prompts/` folder of the repository, compiled into the binary) and
//! overridable by files of the same name in the user's config folder (`<config dir>/prompts/`).
//!
//! Every template is parsed when [`Prompts`] is built. An override with a syntax error is reported (file and line)
//! and the built-in template is used instead, so a typo never stops a session.

use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior, Value};

/// The templates, by file name.
const BUILTIN: [(&str, &str); 6] = [
    (
        QUESTION_SYSTEM,
        include_str!("../../../prompts/question.system.md.jinja"),
    ),
    (
        QUESTION_HISTORY,
        include_str!("../../../prompts/question.history.md.jinja"),
    ),
    (
        QUESTION_TURN,
        include_str!("../../../prompts/question.turn.md.jinja"),
    ),
    (SUMMARY, include_str!("../../../prompts/summary.md.jinja")),
    (
        INSIGHTS_SYSTEM,
        include_str!("../../../prompts/insights.system.md.jinja"),
    ),
    (
        INSIGHTS_SOURCES,
        include_str!("../../../prompts/insights.sources.md.jinja"),
    ),
];

/// The question instructions (the stable start of every question prompt).
pub const QUESTION_SYSTEM: &str = "question.system.md.jinja";
/// Summaries of recent sessions (stable within a session).
pub const QUESTION_HISTORY: &str = "question.history.md.jinja";
/// This session so far, and the request for the next question.
pub const QUESTION_TURN: &str = "question.turn.md.jinja";
/// A session's summary.
pub const SUMMARY: &str = "summary.md.jinja";
/// The insights instructions (stable, so a prompt cache can keep them).
pub const INSIGHTS_SYSTEM: &str = "insights.system.md.jinja";
/// The material for insights: earlier insights, summaries and transcripts.
pub const INSIGHTS_SOURCES: &str = "insights.sources.md.jinja";

/// An override that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateWarning {
    /// The override file.
    pub path: PathBuf,
    /// What is wrong, with the line when the parser knows it.
    pub reason: String,
}

impl fmt::Display for TemplateWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; using the built-in template instead",
            self.path.display(),
            self.reason
        )
    }
}

/// A template that failed while rendering (a built-in template never does; an override may use a missing variable).
#[derive(Debug, thiserror::Error)]
#[error("prompt template {name}: {reason}")]
pub struct RenderError {
    /// The template's file name.
    pub name: String,
    /// What went wrong.
    pub reason: String,
}

/// The parsed templates.
#[derive(Debug)]
pub struct Prompts {
    env: Environment<'static>,
    /// The built-in templates, for an override that fails while rendering.
    builtin: Environment<'static>,
    overridden: Vec<&'static str>,
    warnings: Vec<TemplateWarning>,
}

impl Prompts {
    /// The built-in templates only.
    pub fn builtin() -> Self {
        Self::load(None)
    }

    /// The built-in templates, each replaced by `<dir>/<name>` when that file exists and parses.
    pub fn load(override_dir: Option<&Path>) -> Self {
        let new_env = || {
            let mut env = Environment::new();
            // A misspelt variable in an override is an error (and the built-in is used), not silence in the prompt.
            env.set_undefined_behavior(UndefinedBehavior::Strict);
            env.set_keep_trailing_newline(true);
            env
        };
        let (mut env, mut builtin_env) = (new_env(), new_env());
        let mut overridden = Vec::new();
        let mut warnings = Vec::new();
        for (name, builtin) in BUILTIN {
            let custom = override_dir.map(|dir| dir.join(name)).filter(|p| p.is_file());
            let source = custom.and_then(|path| match read_override(&path) {
                Ok(text) => Some(text),
                Err(reason) => {
                    warnings.push(TemplateWarning { path, reason });
                    None
                }
            });
            if source.is_some() {
                overridden.push(name);
            }
            let text = source.unwrap_or_else(|| builtin.to_string());
            env.add_template_owned(name, text)
                .expect("built-in templates and checked overrides parse");
            builtin_env
                .add_template(name, builtin)
                .expect("built-in templates parse");
        }
        Self {
            env,
            builtin: builtin_env,
            overridden,
            warnings,
        }
    }

    /// Overrides that were refused, for the front end to show once.
    pub fn warnings(&self) -> &[TemplateWarning] {
        &self.warnings
    }

    /// Renders template `name` with `context` (a `minijinja::context!` or any serialisable value). An override
    /// that fails while rendering (an unknown variable) gives way to the built-in template.
    pub fn render(&self, name: &str, context: Value) -> Result<String, RenderError> {
        let render = |env: &Environment<'static>| -> Result<String, minijinja::Error> {
            Ok(env.get_template(name)?.render(&context)?.trim().to_string())
        };
        let mut result = render(&self.env);
        if result.is_err() && self.overridden.contains(&name) {
            result = render(&self.builtin);
        }
        result.map_err(|e| RenderError {
            name: name.to_string(),
            reason: describe(&e),
        })
    }
}

/// An override's text, if it can be read and parses.
fn read_override(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
    Environment::new()
        .template_from_str(&text)
        .map_err(|e| describe(&e))?;
    Ok(text)
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("line {line}: {}", e.detail().unwrap_or(&e.to_string())),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn builtin_templates_render() {
        let prompts = Prompts::builtin();
        assert!(prompts.warnings().is_empty());
        let text = prompts
            .render(
                SUMMARY,
                context! { language_name => "English", short => true, exchanges => Vec::<Value>::new() },
            )
            .unwrap();
        assert!(
            text.contains("in English") && text.contains("one or two sentences"),
            "{text}"
        );
    }

    #[test]
    fn overrides_replace_builtins_and_broken_ones_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SUMMARY), "Custom summary in {{ language_name }}.").unwrap();
        std::fs::write(dir.path().join(INSIGHTS_SOURCES), "line one\n{% for x in %}\n").unwrap();
        std::fs::write(dir.path().join(QUESTION_HISTORY), "{{ no_such_variable }}").unwrap();
        let prompts = Prompts::load(Some(dir.path()));
        let summary = prompts
            .render(SUMMARY, context! { language_name => "German" })
            .unwrap();
        assert_eq!(summary, "Custom summary in German.");
        assert_eq!(prompts.warnings().len(), 1);
        let warning = prompts.warnings()[0].to_string();
        assert!(
            warning.contains("insights.sources.md.jinja")
                && warning.contains("line 2")
                && warning.contains("built-in"),
            "{warning}"
        );
        // An override that fails at render time gives way to the built-in.
        let history = prompts
            .render(
                QUESTION_HISTORY,
                context! { recent_summaries => Vec::<Value>::new() },
            )
            .unwrap();
        assert!(history.contains("first session"), "{history}");
        // The built-in insights template is in use.
        let err = prompts.render(INSIGHTS_SOURCES, context! {}).unwrap_err();
        assert!(err.to_string().contains("insights.sources.md.jinja"), "{err}");
    }
}
