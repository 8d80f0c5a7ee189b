//! `soundmind sessions list | show | summaries | search | merge`, and the journal overview shown with no command.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use soundmind_app::config::Config;
use soundmind_app::merge::{self, MergePlan};
use soundmind_app::{Sessions, SummaryRow, SummaryState};
use soundmind_core::{Answer, SessionDoc, SessionId};

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions with their summaries, newest first
    List(ListArgs),
    /// Show one session's questions and answers
    Show(ShowArgs),
    /// Show which sessions have a summary
    Summaries(SummariesArgs),
    /// Search transcripts and summaries
    Search(SearchArgs),
    /// Merge two sessions into the earlier one (its audio, answers and summary)
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// One session id, e.g. 251108_1036 (a .md suffix is fine)
    a: String,
    /// The other session id; the later of the two is merged into the earlier and removed
    b: String,
    /// Show what would happen and change nothing
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Cut each summary to at most N characters
    #[arg(long, value_name = "N")]
    nchars: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Session id, e.g. 251103_0714 (a .md suffix is fine)
    id: String,
    /// Print the Markdown file exactly as stored
    #[arg(long)]
    raw: bool,
}

#[derive(Debug, Args)]
pub struct SummariesArgs {
    /// Only list sessions without a summary
    #[arg(long)]
    missing_only: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to look for (all must match; accents are ignored)
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// At most this many results
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

pub fn run(cmd: SessionsCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let sessions = Sessions::from_config(config);
    match cmd {
        SessionsCommand::List(args) => list(&sessions, args.nchars),
        SessionsCommand::Show(args) => show(&sessions, &args),
        SessionsCommand::Summaries(args) => summaries(&sessions, args.missing_only),
        SessionsCommand::Search(args) => search(&sessions, &args.query.join(" "), args.limit),
        SessionsCommand::Merge(args) => merge_sessions(&sessions, &args),
    }
}

fn merge_sessions(sessions: &Sessions, args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let parse = |id: &str| SessionId::parse(id).with_context(|| format!("{id} is not a session id"));
    let (a, b) = (parse(&args.a)?, parse(&args.b)?);
    let journal = sessions.journal();
    let plan = if args.dry_run {
        merge::plan(journal, &a, &b)
    } else {
        merge::merge(journal, &a, &b)
    }
    .with_context(|| format!("could not merge {a} and {b}"))?;
    let MergePlan {
        kept,
        merged,
        moves,
        exchanges_appended,
        audio_added,
        summaries_joined,
    } = &plan;
    let mut out = std::io::stdout().lock();
    let verb = if args.dry_run { "Would merge" } else { "Merged" };
    writeln!(out, "{verb} {merged} into {kept} (the earlier session is kept).")?;
    writeln!(
        out,
        "  {exchanges_appended} exchange(s) appended, {audio_added} recording(s) added, {} file(s) moved",
        moves.len()
    )?;
    for (old, new) in moves.iter().filter(|(old, new)| old != new) {
        writeln!(out, "  {merged}/{old} -> {kept}/{new}")?;
    }
    if *summaries_joined {
        writeln!(
            out,
            "  The two summaries were joined; `soundmind fix summaries regenerate {kept}` writes a fresh one."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `soundmind` with no command: where the journal is, and its sessions.
pub fn overview(config: &Config) -> anyhow::Result<ExitCode> {
    let sessions = Sessions::from_config(config);
    println!("Journal: {}", sessions.journal().root().display());
    let code = list(&sessions, Some(160))?;
    println!("\nRun `soundmind --help` for every command.");
    Ok(code)
}

fn list(sessions: &Sessions, nchars: Option<usize>) -> anyhow::Result<ExitCode> {
    let entries = sessions.list()?;
    let mut out = std::io::stdout().lock();
    if entries.is_empty() {
        writeln!(out, "No sessions yet in {}.", sessions.journal().root().display())?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut problems = 0;
    for (i, entry) in entries.into_iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        match entry.doc {
            Ok(doc) => {
                writeln!(out, "{}  {}", entry.id, describe(&doc))?;
                let summary = doc.frontmatter.summary();
                let summary = if summary.is_empty() {
                    "(no summary)".to_string()
                } else {
                    truncate(summary, nchars)
                };
                writeln!(out, "    {summary}")?;
            }
            Err(err) => {
                problems += 1;
                writeln!(out, "{}  (unreadable)", entry.id)?;
                eprintln!("soundmind: warning: {err}");
            }
        }
    }
    if problems > 0 {
        eprintln!("soundmind: {problems} session file(s) could not be read; the others are listed above.");
    }
    Ok(ExitCode::SUCCESS)
}

/// "2025-11-03 07:14 · 3 answers · 4.2 s recorded · 1 pending"
fn describe(doc: &SessionDoc) -> String {
    let mut parts = Vec::new();
    if let Some(created) = doc.frontmatter.created_at() {
        parts.push(created.get(..16).unwrap_or(created).replace('T', " "));
    }
    let exchanges = doc.exchanges();
    let answered = exchanges
        .iter()
        .filter(|e| matches!(e.answer, Answer::Text(_)))
        .count();
    parts.push(format!(
        "{answered} answer{}",
        if answered == 1 { "" } else { "s" }
    ));
    let seconds = doc.frontmatter.duration_seconds();
    if seconds > 0.0 {
        parts.push(format_duration(seconds));
    }
    let pending = doc.frontmatter.pending_audio().len();
    if pending > 0 {
        parts.push(format!(
            "{pending} pending transcription{}",
            if pending == 1 { "" } else { "s" }
        ));
    }
    parts.join(" · ")
}

fn format_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    match total {
        0..60 => format!("{seconds:.1} s recorded"),
        _ => format!("{}:{:02} recorded", total / 60, total % 60),
    }
}

fn truncate(text: &str, nchars: Option<usize>) -> String {
    match nchars {
        Some(n) if text.chars().count() > n => {
            format!("{}…", text.chars().take(n.saturating_sub(1)).collect::<String>())
        }
        _ => text.to_string(),
    }
}

fn show(sessions: &Sessions, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let (id, doc) = sessions.show(&args.id)?;
    let mut out = std::io::stdout().lock();
    if args.raw {
        out.write_all(doc.render().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "Session {id}  {}", describe(&doc))?;
    let summary = doc.frontmatter.summary();
    if !summary.is_empty() {
        writeln!(out, "\nSummary: {summary}")?;
    }
    for exchange in doc.exchanges() {
        writeln!(out, "\nQ: {}", exchange.question)?;
        match exchange.answer {
            Answer::Text(text) => {
                for line in text.lines() {
                    writeln!(out, "   {line}")?;
                }
            }
            Answer::Pending { segment } => {
                writeln!(out, "   (not transcribed yet: {segment})")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn summaries(sessions: &Sessions, missing_only: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let mut missing = 0;
    for SummaryRow { id, state } in sessions.summaries()? {
        match state {
            Ok(SummaryState::Missing) => {
                missing += 1;
                writeln!(out, "{}: missing", id.file_name())?;
            }
            Ok(SummaryState::Present(n)) if !missing_only => {
                writeln!(out, "{}: present ({n} chars)", id.file_name())?
            }
            Ok(SummaryState::Present(_)) => {}
            Err(err) => eprintln!("soundmind: warning: {err}"),
        }
    }
    if missing_only && missing == 0 {
        writeln!(out, "Every session has a summary.")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn search(sessions: &Sessions, query: &str, limit: usize) -> anyhow::Result<ExitCode> {
    let hits = sessions.search(query, limit)?;
    let mut out = std::io::stdout().lock();
    if hits.is_empty() {
        writeln!(out, "No sessions match {query:?}.")?;
        return Ok(ExitCode::from(1));
    }
    for hit in hits {
        writeln!(out, "{}  {}", hit.id, hit.snippet.replace('\n', " "))?;
    }
    Ok(ExitCode::SUCCESS)
}
