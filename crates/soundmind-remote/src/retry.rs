//! The one retry layer: exponential backoff with jitter for transient engine errors.
//!
//! reqwest does not retry, and no engine nests retries inside this one, so `attempts` is exactly the number of
//! requests a failing call makes.

use std::time::{Duration, Instant};

use soundmind_engine::{CancelToken, EngineError};

/// How often and how patiently to retry. The default is HSJ's: 3 attempts, 1.5 s × 2^(n−1) plus up to 30 % jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 is treated as 1).
    pub attempts: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub base: Duration,
    /// Each wait is lengthened by a random fraction of itself, up to this (0.3 = up to 30 %).
    pub max_jitter_fraction: f64,
    /// The longest `Retry-After` worth waiting for: a rate limit asking for longer ends the call at once with
    /// [`EngineError::RateLimited`], so the user hears about it instead of staring at a frozen screen.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base: Duration::from_millis(1500),
            max_jitter_fraction: 0.3,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }

    /// The wait after failed attempt `attempt` (1-based) before jitter: `base × 2^(attempt−1)`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        self.base.saturating_mul(1 << doublings)
    }

    /// The wait after failed attempt `attempt`, jitter included.
    fn delay(&self, attempt: u32) -> Duration {
        let backoff = self.backoff(attempt);
        let fraction = self.max_jitter_fraction.clamp(0.0, 1.0) * fastrand::f64();
        backoff + backoff.mul_f64(fraction)
    }
}

/// Runs `call` (given the 1-based attempt number) until it succeeds, fails with an error that is not
/// [transient](EngineError::is_transient), or has used `policy.attempts`. Between attempts it waits the backoff, or
/// the server's `Retry-After` when that is longer. Returns [`EngineError::Cancelled`] as soon as `cancel` is set
/// before an attempt or during a wait; an attempt already under way is not interrupted.
pub fn with_retry<T>(
    policy: &RetryPolicy,
    cancel: &CancelToken,
    mut call: impl FnMut(u32) -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let attempts = policy.attempts.max(1);
    let mut attempt = 1;
    loop {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let err = match call(attempt) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if !err.is_transient() || attempt >= attempts {
            return Err(err);
        }
        let mut wait = policy.delay(attempt);
        if let EngineError::RateLimited {
            retry_after: Some(asked),
            ..
        } = &err
        {
            if *asked > policy.max_retry_after {
                return Err(err);
            }
            wait = wait.max(*asked);
        }
        sleep_unless_cancelled(wait, cancel)?;
        attempt += 1;
    }
}

/// Sleeps for `wait`, waking every 50 ms to check `cancel`.
fn sleep_unless_cancelled(wait: Duration, cancel: &CancelToken) -> Result<(), EngineError> {
    let until = Instant::now() + wait;
    loop {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            base: Duration::from_millis(1),
            max_jitter_fraction: 0.3,
            max_retry_after: Duration::from_secs(1),
        }
    }

    fn server_error() -> EngineError {
        EngineError::Server {
            service: "test".into(),
            status: 503,
            body: String::new(),
        }
    }

    #[test]
    fn backoff_doubles_from_the_base() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), Duration::from_millis(1500));
        assert_eq!(policy.backoff(2), Duration::from_millis(3000));
        assert_eq!(policy.backoff(3), Duration::from_millis(6000));
        for _ in 0..100 {
            let d = policy.delay(2);
            assert!(
                d >= Duration::from_millis(3000) && d <= Duration::from_millis(3900),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retries_transient_errors_up_to_the_limit() {
        let mut calls = Vec::new();
        let result: Result<(), _> = with_retry(&fast(3), &CancelToken::new(), |n| {
            calls.push(n);
            Err(server_error())
        });
        assert!(matches!(result, Err(EngineError::Server { status: 503, .. })));
        assert_eq!(calls, [1, 2, 3]);
    }

    #[test]
    fn stops_at_the_first_permanent_error_or_success() {
        let mut calls = 0;
        let result: Result<(), _> = with_retry(&fast(3), &CancelToken::new(), |_| {
            calls += 1;
            Err(EngineError::Auth {
                service: "test".into(),
                reason: "no".into(),
                env_var: "KEY".into(),
            })
        });
        assert!(matches!(result, Err(EngineError::Auth { .. })));
        assert_eq!(calls, 1);

        let ok = with_retry(&fast(3), &CancelToken::new(), |n| {
            if n < 2 { Err(server_error()) } else { Ok(n) }
        });
        assert_eq!(ok.unwrap(), 2);
    }

    #[test]
    fn honours_retry_after_and_gives_up_on_long_ones() {
        let started = Instant::now();
        let ok = with_retry(&fast(2), &CancelToken::new(), |n| {
            if n == 1 {
                Err(EngineError::RateLimited {
                    service: "test".into(),
                    retry_after: Some(Duration::from_millis(120)),
                })
            } else {
                Ok(())
            }
        });
        assert!(ok.is_ok());
        assert!(started.elapsed() >= Duration::from_millis(120));

        let mut calls = 0;
        let long: Result<(), _> = with_retry(&fast(3), &CancelToken::new(), |_| {
            calls += 1;
            Err(EngineError::RateLimited {
                service: "test".into(),
                retry_after: Some(Duration::from_secs(3600)),
            })
        });
        assert!(matches!(long, Err(EngineError::RateLimited { .. })));
        assert_eq!(calls, 1);
    }

    #[test]
    fn cancel_stops_between_attempts_and_during_waits() {
        let cancel = CancelToken::new();
        cancel.cancel();
        let mut calls = 0;
        let result: Result<(), _> = with_retry(&fast(3), &cancel, |_| {
            calls += 1;
            Ok(())
        });
        assert!(matches!(result, Err(EngineError::Cancelled)));
        assert_eq!(calls, 0);

        let cancel = CancelToken::new();
        let slow = RetryPolicy {
            base: Duration::from_secs(30),
            ..fast(3)
        };
        let started = Instant::now();
        let result: Result<(), _> = with_retry(&slow, &cancel, |_| {
            cancel.cancel();
            Err(server_error())
        });
        assert!(matches!(result, Err(EngineError::Cancelled)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
