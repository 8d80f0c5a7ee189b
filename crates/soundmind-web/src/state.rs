//! What every handler shares: the configuration (re-read after the settings change), the engines, this launch's
//! secrets, the journal runner, model downloads and the templates.

use std::sync::{Arc, RwLock};

use soundmind_app::config::{self, Config, ConfigInputs};

use crate::journal::JournalRunner;
use crate::models::Downloads;
use crate::pages::Templates;
use crate::{Access, Engines, Shell, WebError};

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    inputs: ConfigInputs,
    config: RwLock<Config>,
    engines: Arc<dyn Engines>,
    shell: Option<Arc<dyn Shell>>,
    access: Access,
    journal: JournalRunner,
    downloads: Downloads,
    templates: Templates,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("access", &self.inner.access)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State for a server whose configuration comes from `inputs`; `shell` when an app hosts the pages.
    pub fn new(
        inputs: ConfigInputs,
        engines: Arc<dyn Engines>,
        access: Access,
        shell: Option<Arc<dyn Shell>>,
    ) -> Result<Self, WebError> {
        let config = config::resolve(&inputs)?;
        Ok(Self {
            inner: Arc::new(Inner {
                inputs,
                config: RwLock::new(config),
                engines,
                shell,
                access,
                journal: JournalRunner::new(),
                downloads: Downloads::default(),
                templates: Templates::new(),
            }),
        })
    }

    /// The configuration as it is now.
    pub fn config(&self) -> Config {
        self.inner
            .config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads the configuration again (after the settings were saved).
    pub(crate) fn reload_config(&self) -> Result<(), config::ConfigError> {
        let fresh = config::resolve(&self.inner.inputs)?;
        *self.inner.config.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    pub(crate) fn inputs(&self) -> &ConfigInputs {
        &self.inner.inputs
    }

    /// The engine factory.
    pub fn engines(&self) -> &Arc<dyn Engines> {
        &self.inner.engines
    }

    /// The hosting app's native capabilities, when there is one.
    pub(crate) fn shell(&self) -> Option<&Arc<dyn Shell>> {
        self.inner.shell.as_ref()
    }

    /// This launch's secrets.
    pub fn access(&self) -> &Access {
        &self.inner.access
    }

    pub(crate) fn journal(&self) -> &JournalRunner {
        &self.inner.journal
    }

    pub(crate) fn downloads(&self) -> &Downloads {
        &self.inner.downloads
    }

    pub(crate) fn templates(&self) -> &Templates {
        &self.inner.templates
    }
}
