//! llama.cpp from the same binary (and the same ggml) as whisper.cpp.

use soundmind_engine::EngineError;
use soundmind_local::llama_backend_smoke;

use crate::util::model;

#[test]
fn llama_generates_text_from_the_same_binary() {
    let text = llama_backend_smoke(&model("SmolLM2-135M-Instruct.Q4_1.gguf")).expect("llama smoke");
    eprintln!("llama smoke: {text:?}");
    assert!(!text.trim().is_empty());
}

#[test]
fn llama_refuses_missing_and_non_gguf_files() {
    assert!(matches!(
        llama_backend_smoke(std::path::Path::new("/nonexistent/model.gguf")),
        Err(EngineError::ModelMissing { .. })
    ));
    assert!(matches!(
        llama_backend_smoke(&model("ggml-tiny.en.bin")),
        Err(EngineError::InvalidModel { .. })
    ));
}
