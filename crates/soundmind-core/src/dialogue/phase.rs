//! The phase of a session, derived from how long it has been running.
//!
//! A reflective conversation has a shape: it opens up, goes deeper, pulls things together and closes. The
//! phase only depends on elapsed time, which the caller measures (core reads no clock).

use std::fmt;
use std::time::Duration;

/// After this much session time the app offers a break (and the dialogue is in [`Phase::Close`]).
pub const BREAK_NUDGE_AFTER: Duration = Duration::from_secs(20 * 60);

const DEEPEN_FROM: Duration = Duration::from_secs(5 * 60);
const INTEGRATE_FROM: Duration = Duration::from_secs(15 * 60);

/// Where a session is in its arc, by elapsed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// 0–5 minutes: broad, inviting questions.
    OpenUp,
    /// 5–15 minutes: specific questions, one layer below what was said.
    Deepen,
    /// 15–20 minutes: connections, meaning and possible next steps.
    Integrate,
    /// 20 minutes and later: what to take away, and whether to stop.
    Close,
}

impl Phase {
    /// Every phase, in session order.
    pub const ALL: [Phase; 4] = [Phase::OpenUp, Phase::Deepen, Phase::Integrate, Phase::Close];

    /// The phase for a session that has been running for `elapsed`.
    ///
    /// Boundaries belong to the later phase: exactly 5 minutes is [`Phase::Deepen`].
    pub fn from_elapsed(elapsed: Duration) -> Phase {
        if elapsed < DEEPEN_FROM {
            Phase::OpenUp
        } else if elapsed < INTEGRATE_FROM {
            Phase::Deepen
        } else if elapsed < BREAK_NUDGE_AFTER {
            Phase::Integrate
        } else {
            Phase::Close
        }
    }

    /// A stable snake_case name (`open_up`, `deepen`, `integrate`, `close`), also the key of the phase's
    /// fallback questions in the question bank.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::OpenUp => "open_up",
            Phase::Deepen => "deepen",
            Phase::Integrate => "integrate",
            Phase::Close => "close",
        }
    }

    /// One line describing what questions suit this phase, for the question prompt.
    pub fn description(self) -> &'static str {
        match self {
            Phase::OpenUp => {
                "opening up: keep questions broad and inviting, and follow what the person brings"
            }
            Phase::Deepen => {
                "deepening: ask about one specific moment, feeling or belief, one layer below what was said"
            }
            Phase::Integrate => {
                "integrating: ask about connections, what it means to them, and what they might want to do"
            }
            Phase::Close => {
                "closing: ask what they want to take with them, how they feel now, or whether to stop here"
            }
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    #[test]
    fn phases_follow_elapsed_time() {
        assert_eq!(Phase::from_elapsed(Duration::ZERO), Phase::OpenUp);
        assert_eq!(
            Phase::from_elapsed(min(5) - Duration::from_millis(1)),
            Phase::OpenUp
        );
        assert_eq!(Phase::from_elapsed(min(5)), Phase::Deepen);
        assert_eq!(Phase::from_elapsed(min(14)), Phase::Deepen);
        assert_eq!(Phase::from_elapsed(min(15)), Phase::Integrate);
        assert_eq!(
            Phase::from_elapsed(min(20) - Duration::from_secs(1)),
            Phase::Integrate
        );
        assert_eq!(Phase::from_elapsed(min(20)), Phase::Close);
        assert_eq!(Phase::from_elapsed(min(90)), Phase::Close);
        assert_eq!(Phase::from_elapsed(BREAK_NUDGE_AFTER), Phase::Close);
    }

    #[test]
    fn names_and_descriptions() {
        let names: Vec<_> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["open_up", "deepen", "integrate", "close"]);
        for phase in Phase::ALL {
            assert_eq!(phase.to_string(), phase.as_str());
            let d = phase.description();
            assert!(!d.is_empty() && !d.contains('\n'), "{phase}: {d}");
        }
        assert!(Phase::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
