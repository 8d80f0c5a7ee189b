//! Errors: unknown keys, bad TOML, invalid values.

use super::Case;
use crate::config::ConfigError;

#[test]
fn unknown_key_in_file_names_key_and_file() {
    let case = Case::new().file("[journal]\nsesions_dir = \"x\"\n");
    let err = case.error();
    assert!(matches!(err, ConfigError::ParseFile { .. }));
    let msg = err.to_string();
    assert!(msg.contains("sesions_dir"), "{msg}");
    assert!(msg.contains(&case.file_path().display().to_string()), "{msg}");
}

#[test]
fn bad_toml_reports_line() {
    let case = Case::new().file("[llm]\nmodel = \"ok\"\nollama_num_ctx = = 3\n");
    let ConfigError::ParseFile { path, message } = case.error() else {
        panic!("expected ParseFile")
    };
    assert_eq!(path, case.file_path());
    assert!(message.contains("line 3"), "{message}");
    // A wrongly typed value is a parse error too, with its line.
    let ConfigError::ParseFile { message, .. } =
        Case::new().file("[web]\n\nupload_max_bytes = \"big\"\n").error()
    else {
        panic!("expected ParseFile")
    };
    assert!(message.contains("line 3"), "{message}");
}

#[test]
fn invalid_stt_formatting_errors() {
    let err = Case::new().env("STT_FORMATTING", "fancy").error();
    let ConfigError::InvalidValue {
        key,
        value,
        source_display,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(
        (key.as_str(), value.as_str(), source_display.as_str()),
        ("stt.formatting", "fancy", "env STT_FORMATTING")
    );
    let case = Case::new().file("[stt]\nformatting = \"bold\"\n");
    assert!(case.error().to_string().contains("file "));
    assert_eq!(
        Case::new()
            .env("STT_FORMATTING", "RAW")
            .resolve()
            .stt_formatting
            .value,
        "raw"
    );
}

#[test]
fn bad_values_in_env_name_the_variable() {
    for (var, value) in [
        ("OLLAMA_NUM_CTX", "lots"),
        ("OLLAMA_TIMEOUT_SECONDS", "-1"),
        ("WEB_UPLOAD_MAX_BYTES", "50MB"),
        ("LLM_LOCAL_THREADS", "-2"),
        ("SPEAK_LLM", "sometimes"),
        ("SOUNDMIND_PRIVACY", "maybe"),
    ] {
        let err = Case::new().env(var, value).error();
        assert!(matches!(err, ConfigError::InvalidValue { .. }), "{var}: {err}");
        assert!(err.to_string().contains(&format!("env {var}")), "{err}");
    }
    assert_eq!(
        Case::new()
            .env("LLM_LOCAL_GPU_LAYERS", "-1")
            .resolve()
            .llm_local_gpu_layers
            .value,
        -1
    );
}
