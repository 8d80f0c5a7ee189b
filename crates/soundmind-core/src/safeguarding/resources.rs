//! The crisis help-line directory: types, validation, lookup by country and plain-text rendering.
//!
//! The directory shipped with Soundmind is [`CrisisDirectory::builtin`], parsed from
//! `data/crisis-resources.toml` (embedded with `include_str!`, so no file is read at run time).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Deserialize;

/// The embedded data file. A unit test guarantees it parses and validates.
const BUILTIN_TOML: &str = include_str!("../../../../data/crisis-resources.toml");

/// The one-line header printed above the help lines.
const HEADER: &str = "If you are in danger or thinking about ending your life, please reach out now.";

/// A versioned, dated directory of crisis help lines.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisDirectory {
    /// Version of the data, e.g. `2026.11.1`; bumped on every update.
    pub version: String,
    /// Day the entries were last verified, `YYYY-MM-DD`.
    pub verified_on: String,
    /// Day the entries are next due for review, `YYYY-MM-DD`.
    pub next_review: String,
    /// One sentence on how entries are verified.
    pub sources_note: String,
    /// Services shown whatever the country.
    pub international: Vec<Service>,
    /// Per-country services.
    pub country: Vec<Country>,
}

/// The help lines of one country.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, uppercase (e.g. `GB`).
    pub code: String,
    /// Human name of the country (e.g. `United Kingdom`).
    pub name: String,
    /// The emergency number(s), e.g. `911` or `112 or 999`.
    pub emergency: String,
    /// The country's help lines, in the order they should be shown.
    pub service: Vec<Service>,
}

/// One help line. At least one of `phone`, `text` and `url` is present.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Name of the service (e.g. `Samaritans`).
    pub name: String,
    /// Number(s) to call, e.g. `116 123`.
    #[serde(default)]
    pub phone: Option<String>,
    /// SMS instruction, e.g. `Text HOME to 741741`.
    #[serde(default)]
    pub text: Option<String>,
    /// Web address of the service.
    #[serde(default)]
    pub url: Option<String>,
    /// Opening hours, e.g. `24/7`.
    #[serde(default)]
    pub hours: Option<String>,
    /// Short extra guidance, e.g. which menu option to choose.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Why a crisis-resources document was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ResourcesError {
    /// The text is not valid TOML or does not match the schema.
    #[error("crisis resources are not valid TOML for the expected schema: {0}")]
    Toml(#[from] toml::de::Error),
    /// A required top-level text field is empty.
    #[error("crisis resources field `{field}` is empty")]
    EmptyField {
        /// Name of the field.
        field: &'static str,
    },
    /// A date field is not a valid `YYYY-MM-DD` date.
    #[error("crisis resources field `{field}` is not a YYYY-MM-DD date: {value:?}")]
    InvalidDate {
        /// Name of the field.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// `next_review` is not after `verified_on`.
    #[error("next_review ({next_review}) must be after verified_on ({verified_on})")]
    ReviewBeforeVerification {
        /// The `verified_on` date.
        verified_on: String,
        /// The `next_review` date.
        next_review: String,
    },
    /// There are no international services, which are always shown.
    #[error("crisis resources list no international services")]
    NoInternational,
    /// A country code is not two uppercase ASCII letters.
    #[error("country code {code:?} is not two uppercase letters (ISO 3166-1 alpha-2)")]
    InvalidCountryCode {
        /// The code found.
        code: String,
    },
    /// A country code appears more than once.
    #[error("country code {code:?} appears more than once")]
    DuplicateCountryCode {
        /// The repeated code.
        code: String,
    },
    /// A country lists no services.
    #[error("country {code} lists no services")]
    CountryWithoutServices {
        /// The country's code.
        code: String,
    },
    /// A service has an empty name.
    #[error("a service in {section} has an empty name")]
    UnnamedService {
        /// `international` or the country code.
        section: String,
    },
    /// A service has no phone, text or url, so nobody could reach it.
    #[error("service {service:?} in {section} has no phone, text or url")]
    ServiceWithoutContact {
        /// `international` or the country code.
        section: String,
        /// The service's name.
        service: String,
    },
}

/// A country code that is not in the directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown country code {code:?}; known codes: {}", .known.join(", "))]
pub struct UnknownCountry {
    /// The code that was asked for, as given.
    pub code: String,
    /// The codes the directory knows, sorted.
    pub known: Vec<String>,
}

impl CrisisDirectory {
    /// The directory shipped with Soundmind, parsed once from the embedded `data/crisis-resources.toml`.
    ///
    /// # Panics
    ///
    /// Only if the embedded file is invalid, which a unit test rules out.
    pub fn builtin() -> &'static CrisisDirectory {
        static BUILTIN: OnceLock<CrisisDirectory> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            CrisisDirectory::parse(BUILTIN_TOML).unwrap_or_else(|e| {
                panic!("the embedded data/crisis-resources.toml is invalid (this is a build bug): {e}")
            })
        })
    }

    /// Parses and validates a crisis-resources TOML document.
    pub fn parse(text: &str) -> Result<CrisisDirectory, ResourcesError> {
        let directory: CrisisDirectory = toml::from_str(text)?;
        directory.validate()?;
        Ok(directory)
    }

    /// Checks the rules the schema cannot express: dates, non-empty lists, unique uppercase codes, and that
    /// every service can actually be reached.
    pub fn validate(&self) -> Result<(), ResourcesError> {
        for (field, value) in [("version", &self.version), ("sources_note", &self.sources_note)] {
            if value.trim().is_empty() {
                return Err(ResourcesError::EmptyField { field });
            }
        }
        let verified_on = parse_date("verified_on", &self.verified_on)?;
        let next_review = parse_date("next_review", &self.next_review)?;
        if next_review <= verified_on {
            return Err(ResourcesError::ReviewBeforeVerification {
                verified_on: self.verified_on.clone(),
                next_review: self.next_review.clone(),
            });
        }

        if self.international.is_empty() {
            return Err(ResourcesError::NoInternational);
        }
        for service in &self.international {
            validate_service("international", service)?;
        }

        let mut seen = HashSet::new();
        for country in &self.country {
            let code = &country.code;
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ResourcesError::InvalidCountryCode { code: code.clone() });
            }
            if !seen.insert(code.as_str()) {
                return Err(ResourcesError::DuplicateCountryCode { code: code.clone() });
            }
            if country.name.trim().is_empty() {
                return Err(ResourcesError::EmptyField {
                    field: "country.name",
                });
            }
            if country.emergency.trim().is_empty() {
                return Err(ResourcesError::EmptyField {
                    field: "country.emergency",
                });
            }
            if country.service.is_empty() {
                return Err(ResourcesError::CountryWithoutServices { code: code.clone() });
            }
            for service in &country.service {
                validate_service(code, service)?;
            }
        }
        Ok(())
    }

    /// Finds a country by ISO 3166-1 alpha-2 code, ignoring case and surrounding spaces; `UK` is accepted
    /// for `GB`.
    pub fn lookup(&self, code: &str) -> Result<&Country, UnknownCountry> {
        let mut wanted = code.trim().to_ascii_uppercase();
        if wanted == "UK" {
            wanted = "GB".to_owned();
        }
        self.country
            .iter()
            .find(|country| country.code == wanted)
            .ok_or_else(|| UnknownCountry {
                code: code.to_owned(),
                known: self.country_codes().into_iter().map(str::to_owned).collect(),
            })
    }

    /// The country codes in the directory, sorted.
    pub fn country_codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self.country.iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        codes
    }

    /// Renders the help lines as plain terminal text (no colour, no emoji): a calm header, the country's
    /// emergency number and services if a country is given, the international services (always), and a
    /// footer with the data version and verification date.
    pub fn render_plain(&self, country: Option<&Country>) -> String {
        let mut out = String::new();
        out.push_str(HEADER);
        out.push_str("\n\n");

        match country {
            Some(country) => {
                let _ = writeln!(out, "{}", country.name);
                let _ = writeln!(out, "  Emergency services: {}", country.emergency);
                for service in &country.service {
                    render_service(&mut out, service);
                }
            }
            None => {
                out.push_str("In an emergency, call your local emergency number.\n");
            }
        }
        out.push('\n');

        out.push_str("International\n");
        for service in &self.international {
            render_service(&mut out, service);
        }
        out.push('\n');

        let _ = writeln!(
            out,
            "Crisis resources v{}, verified {}.",
            self.version, self.verified_on
        );
        out
    }
}

/// Parses a strict `YYYY-MM-DD` date.
fn parse_date(field: &'static str, value: &str) -> Result<NaiveDate, ResourcesError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        // chrono accepts unpadded fields; insist on the canonical form.
        .filter(|date| date.format("%Y-%m-%d").to_string() == value)
        .ok_or_else(|| ResourcesError::InvalidDate {
            field,
            value: value.to_owned(),
        })
}

/// Checks one service: a name, and at least one non-empty way to reach it.
fn validate_service(section: &str, service: &Service) -> Result<(), ResourcesError> {
    if service.name.trim().is_empty() {
        return Err(ResourcesError::UnnamedService {
            section: section.to_owned(),
        });
    }
    let present = |field: &Option<String>| field.as_deref().is_some_and(|v| !v.trim().is_empty());
    if !(present(&service.phone) || present(&service.text) || present(&service.url)) {
        return Err(ResourcesError::ServiceWithoutContact {
            section: section.to_owned(),
            service: service.name.clone(),
        });
    }
    Ok(())
}

/// Writes one service as an indented line (`  Samaritans: call 116 123 (24/7)`), then its web address (unless
/// that is the only way to reach it, in which case it is on the main line) and notes, each on its own line.
fn render_service(out: &mut String, service: &Service) {
    let mut ways: Vec<String> = Vec::new();
    if let Some(phone) = service.phone.as_deref() {
        ways.push(format!("call {phone}"));
    }
    if let Some(text) = service.text.as_deref() {
        // "Text HOME to 741741" reads better mid-sentence as "text HOME to 741741".
        match text.strip_prefix("Text ") {
            Some(rest) => ways.push(format!("text {rest}")),
            None => ways.push(text.to_owned()),
        }
    }
    // The web address goes on the main line only when it is the sole way in; otherwise on its own line.
    let mut url_line = service.url.as_deref();
    if ways.is_empty() {
        ways.extend(url_line.take().map(str::to_owned));
    }
    let _ = write!(out, "  {}: {}", service.name, ways.join(", "));
    if let Some(hours) = service.hours.as_deref() {
        let _ = write!(out, " ({hours})");
    }
    out.push('\n');
    if let Some(url) = url_line {
        let _ = writeln!(out, "    {url}");
    }
    if let Some(notes) = service.notes.as_deref() {
        let _ = writeln!(out, "    {notes}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_services(dir: &CrisisDirectory) -> impl Iterator<Item = &Service> {
        dir.international
            .iter()
            .chain(dir.country.iter().flat_map(|c| c.service.iter()))
    }

    fn service_text(service: &Service) -> String {
        [
            Some(service.name.as_str()),
            service.phone.as_deref(),
            service.text.as_deref(),
            service.url.as_deref(),
            service.notes.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }

    #[test]
    fn builtin_file_parses_and_validates() {
        let dir = CrisisDirectory::parse(BUILTIN_TOML).expect("embedded file is valid");
        dir.validate().expect("validates");
        assert_eq!(dir.country.len(), 15);
        assert_eq!(dir.international.len(), 2);
        assert_eq!(CrisisDirectory::builtin(), &dir);
        assert_eq!(
            dir.country_codes(),
            [
                "AU", "BR", "CA", "DE", "ES", "FR", "GB", "IE", "IN", "JP", "NL", "NZ", "SG", "US", "ZA"
            ]
        );
    }

    #[test]
    fn us_has_988_and_retired_numbers_are_absent() {
        let dir = CrisisDirectory::builtin();
        let us = dir.lookup("US").unwrap();
        assert_eq!(us.emergency, "911");
        assert!(us.service.iter().any(|s| s.phone.as_deref() == Some("988")));
        for retired in ["273-8255", "1-833-456-4566"] {
            assert!(!BUILTIN_TOML.contains(retired), "file contains {retired}");
        }
        for service in all_services(dir) {
            let text = service_text(service);
            for retired in ["800-273", "833-456", "45645", "Talk Suicide"] {
                assert!(!text.contains(retired), "retired {retired:?} in {text}");
            }
        }
    }

    #[test]
    fn canada_uses_988() {
        let ca = CrisisDirectory::builtin().lookup("CA").unwrap();
        assert!(ca.service.iter().any(|s| s.phone.as_deref() == Some("988")));
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let dir = CrisisDirectory::builtin();
        for code in ["de", "De", "DE", " de "] {
            assert_eq!(dir.lookup(code).unwrap().name, "Germany");
        }
    }

    #[test]
    fn uk_alias_finds_gb() {
        let dir = CrisisDirectory::builtin();
        assert_eq!(dir.lookup("UK").unwrap().code, "GB");
        assert_eq!(dir.lookup("uk").unwrap().name, "United Kingdom");
        assert_eq!(dir.lookup("gb").unwrap().code, "GB");
    }

    #[test]
    fn unknown_code_lists_known_codes() {
        let dir = CrisisDirectory::builtin();
        let err = dir.lookup("XX").unwrap_err();
        assert_eq!(err.code, "XX");
        assert_eq!(err.known, dir.country_codes());
        let message = err.to_string();
        assert!(
            message.starts_with("unknown country code \"XX\"; known codes: AU, BR, CA, "),
            "{message}"
        );
        assert!(message.ends_with("US, ZA"), "{message}");
    }

    #[test]
    fn render_always_contains_international_lines() {
        let dir = CrisisDirectory::builtin();
        let renders = [
            dir.render_plain(None),
            dir.render_plain(Some(dir.lookup("US").unwrap())),
            dir.render_plain(Some(dir.lookup("JP").unwrap())),
        ];
        for text in &renders {
            assert!(text.starts_with(HEADER), "{text}");
            assert!(text.contains("\nInternational\n"), "{text}");
            assert!(
                text.contains("  Find A Helpline: https://findahelpline.com\n"),
                "{text}"
            );
            assert!(
                text.contains("  Befrienders Worldwide: https://befrienders.org\n"),
                "{text}"
            );
            assert!(
                text.ends_with("Crisis resources v2026.11.1, verified 2026-11-24.\n"),
                "{text}"
            );
            // Plain text: letters such as "é" are fine, symbols and emoji are not.
            assert!(text.chars().all(|c| c.is_ascii() || c.is_alphabetic()), "{text}");
            assert!(!text.contains('\u{1b}'), "no terminal escapes");
        }
    }

    #[test]
    fn render_for_germany_and_uk() {
        let dir = CrisisDirectory::builtin();
        let de = dir.render_plain(Some(dir.lookup("DE").unwrap()));
        assert!(de.contains("0800 111 0 111"), "{de}");
        assert!(de.contains("Germany\n  Emergency services: 112\n"), "{de}");

        let gb = dir.render_plain(Some(dir.lookup("UK").unwrap()));
        assert!(
            gb.contains("  Samaritans: call 116 123 (24/7)\n    https://www.samaritans.org\n"),
            "{gb}"
        );
        assert!(gb.contains("  Shout: text SHOUT to 85258 (24/7)\n"), "{gb}");
        assert!(gb.contains("    Choose the mental health option.\n"), "{gb}");
    }

    const MINIMAL: &str = r#"
version = "1"
verified_on = "2026-01-01"
next_review = "2026-04-01"
sources_note = "Checked twice."

[[international]]
name = "Directory"
url = "https://example.org"

[[country]]
code = "XA"
name = "Exampleland"
emergency = "112"

[[country.service]]
name = "Line"
phone = "123"
"#;

    #[test]
    fn minimal_document_parses() {
        let dir = CrisisDirectory::parse(MINIMAL).unwrap();
        assert_eq!(dir.lookup("xa").unwrap().service[0].phone.as_deref(), Some("123"));
    }

    #[test]
    fn validation_rejects_bad_documents() {
        let bad = |from: &str, to: &str| {
            let text = MINIMAL.replacen(from, to, 1);
            assert_ne!(text, MINIMAL, "replacement {from:?} did not apply");
            CrisisDirectory::parse(&text).unwrap_err()
        };
        assert!(matches!(
            bad("code = \"XA\"", "code = \"xa\""),
            ResourcesError::InvalidCountryCode { .. }
        ));
        assert!(matches!(
            bad("code = \"XA\"", "code = \"XAB\""),
            ResourcesError::InvalidCountryCode { .. }
        ));
        assert!(matches!(
            bad("phone = \"123\"", "hours = \"24/7\""),
            ResourcesError::ServiceWithoutContact { .. }
        ));
        assert!(matches!(
            bad("2026-01-01", "2026-1-1"),
            ResourcesError::InvalidDate {
                field: "verified_on",
                ..
            }
        ));
        assert!(matches!(
            bad("2026-04-01", "2025-12-31"),
            ResourcesError::ReviewBeforeVerification { .. }
        ));
        assert!(matches!(
            bad("phone = \"123\"", "phone = \"123\"\nfax = \"1\""),
            ResourcesError::Toml(_)
        ));
        assert!(matches!(
            bad(
                "[[international]]\nname = \"Directory\"\nurl = \"https://example.org\"\n",
                "international = []\n"
            ),
            ResourcesError::NoInternational
        ));

        let no_services = MINIMAL.replacen("[[country.service]]\nname = \"Line\"\nphone = \"123\"\n", "", 1);
        let no_services = no_services.replacen("emergency = \"112\"", "emergency = \"112\"\nservice = []", 1);
        assert!(matches!(
            CrisisDirectory::parse(&no_services).unwrap_err(),
            ResourcesError::CountryWithoutServices { .. }
        ));

        let duplicate = format!(
            "{MINIMAL}\n[[country]]\ncode = \"XA\"\nname = \"Again\"\nemergency = \"1\"\n\n[[country.service]]\nname = \"L\"\nurl = \"https://x\"\n"
        );
        assert!(matches!(
            CrisisDirectory::parse(&duplicate).unwrap_err(),
            ResourcesError::DuplicateCountryCode { .. }
        ));
    }
}
