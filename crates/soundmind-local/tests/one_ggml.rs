//! The rule this crate exists for: ONE ggml in the program, shared by whisper.cpp and llama.cpp.
//!
//! We read the symbol table of this very test binary (statically linked like the app) with `nm`.

use std::collections::HashMap;
use std::process::Command;

/// Defined (text) symbols of the running executable, with how often each is defined.
fn defined_symbols() -> HashMap<String, usize> {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new("nm")
        .args(["--defined-only", "--format=posix"])
        .arg(&exe)
        .output()
        .expect("run nm (binutils)");
    assert!(
        out.status.success(),
        "nm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // posix format: "name type value size"
        let mut parts = line.split_whitespace();
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        if matches!(kind, "T" | "t" | "W" | "D" | "d" | "B" | "b" | "R" | "r") {
            *counts.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn the_binary_holds_exactly_one_ggml_and_both_engines() {
    // Make sure the linker keeps both engines in this binary even if no other test ran first.
    std::hint::black_box([
        soundmind_local::LlamaChat::load as *const (),
        soundmind_local::WhisperTranscriber::check_model as *const (),
    ]);
    let symbols = defined_symbols();

    for core in [
        "ggml_init",
        "ggml_free",
        "ggml_backend_cpu_init",
        "ggml_graph_compute",
        "ggml_type_size",
        "gguf_init_from_file",
    ] {
        let n = symbols.get(core).copied().unwrap_or(0);
        assert_eq!(
            n, 1,
            "{core} is defined {n} times in the test binary (expected exactly one ggml)"
        );
    }
    // A second ggml whose global symbols were hidden (`--allow-multiple-definition`, symbol prefixing) would still
    // bring its own file-local functions. These are `static` in ggml.c / ggml-cpu.cpp (not header inlines, which
    // legitimately repeat per translation unit), so each must appear exactly once too.
    for local in [
        "ggml_new_tensor_impl",
        "ggml_new_object",
        "ggml_graph_nbytes",
        "_ZL25ggml_backend_cpu_get_nameP12ggml_backend",
    ] {
        let n = symbols.get(local).copied().unwrap_or(0);
        assert_eq!(
            n, 1,
            "ggml's file-local {local} appears {n} times (expected exactly one ggml)"
        );
    }

    for engine in [
        "whisper_init_from_file_with_params",
        "whisper_full",
        "llama_model_load_from_file",
        "llama_decode",
    ] {
        assert!(
            symbols.contains_key(engine),
            "{engine} is not linked into the test binary"
        );
    }
}
