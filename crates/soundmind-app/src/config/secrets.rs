//! API keys: from the environment first, then the OS keychain. Never part of [`super::Config`],
//! never printed.
//!
//! A keychain that cannot be reached (a headless Linux box with no Secret Service) is not an error
//! when *reading*: the key is simply not set, and [`keychain_status`] says why. *Writing* a key
//! without a keychain is an error whose message says to set the environment variable instead.

use std::fmt;
use std::sync::Mutex;

use super::ConfigRow;

/// The keychain service name all Soundmind secrets are stored under.
const KEYCHAIN_SERVICE: &str = "soundmind";

/// A cloud provider whose API key Soundmind may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyProvider {
    /// Anthropic (Claude).
    Anthropic,
    /// OpenAI (chat, transcription, speech).
    OpenAi,
}

impl ApiKeyProvider {
    /// Every provider, in display order.
    pub const ALL: [ApiKeyProvider; 2] = [ApiKeyProvider::Anthropic, ApiKeyProvider::OpenAi];

    /// The environment variable holding the key: `ANTHROPIC_API_KEY` or `OPENAI_API_KEY`.
    pub fn env_var(self) -> &'static str {
        match self {
            ApiKeyProvider::Anthropic => "ANTHROPIC_API_KEY",
            ApiKeyProvider::OpenAi => "OPENAI_API_KEY",
        }
    }

    /// The keychain entry's user name (service `soundmind`): `anthropic-api-key` or `openai-api-key`.
    pub fn keychain_user(self) -> &'static str {
        match self {
            ApiKeyProvider::Anthropic => "anthropic-api-key",
            ApiKeyProvider::OpenAi => "openai-api-key",
        }
    }

    /// The key shown by `config show`: `secrets.anthropic_api_key` or `secrets.openai_api_key`.
    pub fn config_key(self) -> &'static str {
        match self {
            ApiKeyProvider::Anthropic => "secrets.anthropic_api_key",
            ApiKeyProvider::OpenAi => "secrets.openai_api_key",
        }
    }
}

/// A secret string. Its `Debug` prints `Secret(****)`; it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for handing to the one API client that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// Whether the OS keychain can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeychainStatus {
    /// The keychain answered.
    Available,
    /// The keychain could not be reached; the reason, for `config show` and `doctor`.
    Unavailable(String),
}

/// Why a secret could not be read or stored.
#[non_exhaustive]
#[derive(thiserror::Error, Debug)]
pub enum SecretsError {
    /// There is no usable OS keychain to store the key in.
    #[error("no OS keychain is available ({reason}); set the {env_var} environment variable instead")]
    NoKeychain {
        /// The environment variable to use instead.
        env_var: &'static str,
        /// Why the keychain is unavailable.
        reason: String,
    },
    /// The keychain is there but the operation failed.
    #[error("OS keychain error for {entry}: {source}")]
    Keychain {
        /// The keychain entry's user name.
        entry: &'static str,
        /// The keychain error.
        source: keyring::Error,
    },
    /// An empty API key was given to store.
    #[error("the API key is empty")]
    EmptyKey,
}

/// The keychain operations secrets need; faked in tests so they never touch the real one.
trait Keychain {
    fn get(&self, user: &str) -> keyring::Result<String>;
    fn set(&self, user: &str, secret: &str) -> keyring::Result<()>;
}

/// The real OS keychain.
struct OsKeychain;

impl Keychain for OsKeychain {
    fn get(&self, user: &str) -> keyring::Result<String> {
        keyring::Entry::new(KEYCHAIN_SERVICE, user)?.get_password()
    }
    fn set(&self, user: &str, secret: &str) -> keyring::Result<()> {
        keyring::Entry::new(KEYCHAIN_SERVICE, user)?.set_password(secret)
    }
}

/// The reason, when `err` means "there is no usable keychain" rather than a real failure.
fn unavailable_reason(err: &keyring::Error) -> Option<String> {
    match err {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => Some(err.to_string()),
        _ => None,
    }
}

/// The outcome of looking up one key.
#[derive(Debug)]
enum Lookup {
    Env(Secret),
    Keychain(Secret),
    NotSet,
    NoKeychain(String),
}

/// Looks a key up: `env_value` (the provider's environment variable) first, then the keychain.
fn lookup(
    provider: ApiKeyProvider,
    env_value: Option<String>,
    keychain: &dyn Keychain,
) -> Result<Lookup, SecretsError> {
    if let Some(value) = env_value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        return Ok(Lookup::Env(Secret(value)));
    }
    let entry = provider.keychain_user();
    match keychain.get(entry) {
        Ok(value) if value.trim().is_empty() => Ok(Lookup::NotSet),
        Ok(value) => Ok(Lookup::Keychain(Secret(value.trim().to_owned()))),
        Err(keyring::Error::NoEntry) => Ok(Lookup::NotSet),
        Err(err) => match unavailable_reason(&err) {
            Some(reason) => Ok(Lookup::NoKeychain(reason)),
            None => Err(SecretsError::Keychain { entry, source: err }),
        },
    }
}

/// The last known keychain status; `None` until the keychain was first used.
static STATUS: Mutex<Option<KeychainStatus>> = Mutex::new(None);

fn record(status: KeychainStatus) {
    *STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(status);
}

fn record_lookup(result: &Result<Lookup, SecretsError>) {
    match result {
        Ok(Lookup::Keychain(_) | Lookup::NotSet) | Err(_) => record(KeychainStatus::Available),
        Ok(Lookup::NoKeychain(reason)) => record(KeychainStatus::Unavailable(reason.clone())),
        Ok(Lookup::Env(_)) => {}
    }
}

fn process_lookup(provider: ApiKeyProvider) -> Result<Lookup, SecretsError> {
    let result = lookup(provider, std::env::var(provider.env_var()).ok(), &OsKeychain);
    record_lookup(&result);
    result
}

/// The API key for `provider`: its environment variable if set (non-empty), else the OS
/// keychain. No key, or no usable keychain, is `Ok(None)`; see [`keychain_status`] for the latter.
pub fn api_key(provider: ApiKeyProvider) -> Result<Option<Secret>, SecretsError> {
    Ok(match process_lookup(provider)? {
        Lookup::Env(secret) | Lookup::Keychain(secret) => Some(secret),
        Lookup::NotSet | Lookup::NoKeychain(_) => None,
    })
}

/// Whether the OS keychain is usable, as seen by the last keychain access in this process
/// (probing it once, read-only, if none happened yet).
pub fn keychain_status() -> KeychainStatus {
    if let Some(status) = STATUS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
    {
        return status;
    }
    let result = lookup(ApiKeyProvider::Anthropic, None, &OsKeychain);
    record_lookup(&result);
    match result {
        Ok(Lookup::NoKeychain(reason)) => KeychainStatus::Unavailable(reason),
        _ => KeychainStatus::Available,
    }
}

fn store_in(keychain: &dyn Keychain, provider: ApiKeyProvider, key: &str) -> Result<(), SecretsError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(SecretsError::EmptyKey);
    }
    let entry = provider.keychain_user();
    keychain
        .set(entry, key)
        .map_err(|err| match unavailable_reason(&err) {
            Some(reason) => SecretsError::NoKeychain {
                env_var: provider.env_var(),
                reason,
            },
            None => SecretsError::Keychain { entry, source: err },
        })
}

/// Stores `key` for `provider` in the OS keychain (service `soundmind`). Without a usable
/// keychain this fails with [`SecretsError::NoKeychain`], whose message says to set the
/// environment variable instead.
pub fn store_api_key(provider: ApiKeyProvider, key: &str) -> Result<(), SecretsError> {
    let result = store_in(&OsKeychain, provider, key);
    match &result {
        Ok(()) | Err(SecretsError::Keychain { .. }) => record(KeychainStatus::Available),
        Err(SecretsError::NoKeychain { reason, .. }) => record(KeychainStatus::Unavailable(reason.clone())),
        Err(_) => {}
    }
    result
}

fn secret_row(provider: ApiKeyProvider, result: Result<Lookup, SecretsError>) -> ConfigRow {
    let (value, source) = match result {
        Ok(Lookup::Env(_)) => ("set", format!("env {}", provider.env_var())),
        Ok(Lookup::Keychain(_)) => ("set", "keychain".to_owned()),
        Ok(Lookup::NotSet) => ("not set", "none".to_owned()),
        Ok(Lookup::NoKeychain(reason)) => ("not set", format!("keychain unavailable: {reason}")),
        Err(err) => ("unreadable", err.to_string()),
    };
    ConfigRow {
        key: provider.config_key().to_owned(),
        value: value.to_owned(),
        source,
    }
}

/// `config show` rows for the API keys: `secrets.anthropic_api_key` and `secrets.openai_api_key`,
/// valued `set` / `not set` (never the key itself), sourced `env ANTHROPIC_API_KEY` or
/// `keychain`. Reads the process environment and, where needed, the OS keychain.
pub fn secret_rows() -> Vec<ConfigRow> {
    ApiKeyProvider::ALL
        .into_iter()
        .map(|p| secret_row(p, process_lookup(p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake keychain: `Some(map)` holds entries, `None` has no secret service at all.
    struct Fake(Option<std::collections::HashMap<&'static str, &'static str>>);

    impl Keychain for Fake {
        fn get(&self, user: &str) -> keyring::Result<String> {
            let map = self
                .0
                .as_ref()
                .ok_or_else(|| keyring::Error::PlatformFailure("no dbus".into()))?;
            map.get(user)
                .map(|v| (*v).to_owned())
                .ok_or(keyring::Error::NoEntry)
        }
        fn set(&self, _: &str, _: &str) -> keyring::Result<()> {
            match self.0 {
                Some(_) => Ok(()),
                None => Err(keyring::Error::NoStorageAccess("no secret service".into())),
            }
        }
    }

    #[test]
    fn secret_debug_does_not_leak() {
        let s = Secret::new("sk-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(****)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(Secret(****))");
        assert_eq!(s.expose(), "sk-very-secret");
    }

    #[test]
    fn env_wins_over_keychain() {
        let kc = Fake(Some([("anthropic-api-key", "from-kc")].into()));
        let found = lookup(ApiKeyProvider::Anthropic, Some("from-env".into()), &kc).unwrap();
        assert!(matches!(found, Lookup::Env(ref s) if s.expose() == "from-env"));
        let row = secret_row(ApiKeyProvider::Anthropic, Ok(found));
        assert_eq!(
            (row.value.as_str(), row.source.as_str()),
            ("set", "env ANTHROPIC_API_KEY")
        );
        assert!(!format!("{row:?}").contains("from-env"));
    }

    #[test]
    fn keychain_then_not_set() {
        let kc = Fake(Some([("openai-api-key", "from-kc")].into()));
        let found = lookup(ApiKeyProvider::OpenAi, Some("  ".into()), &kc).unwrap();
        let row = secret_row(ApiKeyProvider::OpenAi, Ok(found));
        assert_eq!(
            (row.key.as_str(), row.value.as_str()),
            ("secrets.openai_api_key", "set")
        );
        assert_eq!(row.source, "keychain");
        let missing = lookup(ApiKeyProvider::Anthropic, None, &kc).unwrap();
        assert!(matches!(missing, Lookup::NotSet));
    }

    #[test]
    fn no_keychain_reads_as_not_set_and_storing_points_at_env() {
        let kc = Fake(None);
        let found = lookup(ApiKeyProvider::Anthropic, None, &kc).unwrap();
        assert!(matches!(found, Lookup::NoKeychain(ref r) if r.contains("no dbus")));
        assert_eq!(secret_row(ApiKeyProvider::Anthropic, Ok(found)).value, "not set");
        let err = store_in(&kc, ApiKeyProvider::OpenAi, "sk-x").unwrap_err();
        assert!(
            err.to_string()
                .contains("set the OPENAI_API_KEY environment variable"),
            "{err}"
        );
        assert!(matches!(
            store_in(&kc, ApiKeyProvider::OpenAi, " "),
            Err(SecretsError::EmptyKey)
        ));
        assert!(store_in(&Fake(Some(Default::default())), ApiKeyProvider::OpenAi, "sk-x").is_ok());
    }
}
