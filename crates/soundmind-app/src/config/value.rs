//! How each setting's value type is parsed from the environment, checked and displayed.

use std::path::PathBuf;

use super::env::parse_bool;

/// A setting's value type: how it is parsed from an environment string, checked, and shown.
pub(crate) trait Value: Sized {
    /// Parses an environment-variable value.
    fn parse(s: &str) -> Result<Self, String>;
    /// Checks a value from any layer; the default accepts everything.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    /// Formats the value for `config show` and error messages.
    fn show(&self) -> String;
}

impl Value for String {
    fn parse(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

impl Value for PathBuf {
    fn parse(s: &str) -> Result<Self, String> {
        Ok(PathBuf::from(s))
    }
    fn show(&self) -> String {
        self.display().to_string()
    }
}

impl Value for bool {
    fn parse(s: &str) -> Result<Self, String> {
        parse_bool(s)
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Value for f64 {
    fn parse(s: &str) -> Result<Self, String> {
        s.parse().map_err(|_| "expected a number".to_owned())
    }
    fn check(&self) -> Result<(), String> {
        if self.is_finite() && *self >= 0.0 {
            Ok(())
        } else {
            Err("expected a number ≥ 0".to_owned())
        }
    }
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

macro_rules! integer_value {
    ($($t:ty => $what:literal),*) => {$(
        impl Value for $t {
            fn parse(s: &str) -> Result<Self, String> {
                s.parse().map_err(|e| format!("expected {} ({e})", $what))
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
integer_value!(u32 => "a whole number ≥ 0", u64 => "a whole number ≥ 0", i32 => "a whole number");

impl Value for Option<String> {
    fn parse(s: &str) -> Result<Self, String> {
        Ok(Some(s.to_owned()))
    }
    fn show(&self) -> String {
        self.clone().unwrap_or_else(|| "(none)".to_owned())
    }
}
