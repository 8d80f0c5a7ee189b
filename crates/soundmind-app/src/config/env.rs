//! Environment-variable helpers: empty-as-unset lookup, truthy parsing and the locale region.

use std::collections::HashMap;

/// Looks `name` up in `env`, trimming whitespace; an empty (or all-blank) value counts as unset.
pub(crate) fn lookup<'a>(env: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The first of `names` (in priority order) that is set to a non-empty value, with that value.
pub(crate) fn first_set<'a>(
    env: &'a HashMap<String, String>,
    names: &[&'static str],
) -> Option<(&'static str, &'a str)> {
    names
        .iter()
        .find_map(|&name| lookup(env, name).map(|value| (name, value)))
}

/// Parses a boolean the way HSJ's environment flags are written: `1/true/yes/on` and
/// `0/false/no/off`, case-insensitive. Anything else is an error message.
pub(crate) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected one of 1/true/yes/on or 0/false/no/off".to_owned()),
    }
}

/// The country region of the user's locale, from `LC_ALL` (which wins, as in POSIX) or `LANG`:
/// `de_AT.UTF-8` → `("LANG", "AT")`. `C`, `POSIX` and locales without a region give `None`.
pub(crate) fn locale_region(env: &HashMap<String, String>) -> Option<(&'static str, String)> {
    // Only the first variable that is set counts: LC_ALL=C means "no region", even if LANG has one.
    let (name, locale) = first_set(env, &["LC_ALL", "LANG"])?;
    region_of(locale).map(|region| (name, region))
}

/// Extracts the region from a locale name like `en_GB.UTF-8@euro` or `pt-BR`.
fn region_of(locale: &str) -> Option<String> {
    let base = locale.split(['.', '@']).next()?;
    let (_, region) = base.split_once(['_', '-'])?;
    (region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| region.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn truthy_and_falsy_values() {
        for v in ["1", "true", "TRUE", "Yes", "on", " on "] {
            assert_eq!(parse_bool(v), Ok(true), "{v}");
        }
        for v in ["0", "false", "No", "OFF"] {
            assert_eq!(parse_bool(v), Ok(false), "{v}");
        }
        for v in ["2", "maybe", "y", ""] {
            assert!(parse_bool(v).is_err(), "{v}");
        }
    }

    #[test]
    fn empty_values_are_unset() {
        let e = env(&[("A", ""), ("B", "  "), ("C", "x")]);
        assert_eq!(lookup(&e, "A"), None);
        assert_eq!(first_set(&e, &["A", "B", "C"]), Some(("C", "x")));
    }

    #[test]
    fn locale_regions() {
        assert_eq!(region_of("de_AT.UTF-8"), Some("AT".to_owned()));
        assert_eq!(region_of("en_gb@euro"), Some("GB".to_owned()));
        assert_eq!(region_of("pt-BR"), Some("BR".to_owned()));
        assert_eq!(region_of("C.UTF-8"), None);
        assert_eq!(region_of("POSIX"), None);
        assert_eq!(region_of("en"), None);
        let e = env(&[("LC_ALL", "fr_CA.UTF-8"), ("LANG", "en_US.UTF-8")]);
        assert_eq!(locale_region(&e), Some(("LC_ALL", "CA".to_owned())));
        assert_eq!(locale_region(&env(&[("LC_ALL", "C"), ("LANG", "en_US")])), None);
    }
}
